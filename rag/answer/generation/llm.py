"""LLM mode: any OpenAI-compatible chat endpoint through langchain-openai.

The chain is prompt | chat model | text, run under one deadline per question. Whatever the model
writes is verified against the paragraphs it was given (rag.answer.verification) before it is shown; if the
endpoint fails, times out or leaves nothing verifiable, the user gets the extractive answer and a
one-line notice. The API key never appears in a message or a log line.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import Any

from rag.answer.assessment import Evidence, citation
from rag.answer.generation.extractive import ExtractiveGenerator
from rag.answer.generation.prompts import ANSWER_PROMPT, REWRITE_PROMPT, answer_inputs, rewrite_inputs
from rag.answer.verification import Verified, verify
from rag.search.terms import is_chinese
from rag.settings import Settings
from rag.types import Answer

log = logging.getLogger(__name__)
MAX_SENTENCES = 6  # best sentences shown to the model, under their paragraphs' titles and headings
STOP = ["\n\n\n", "问题：", "资料：", "<<<"]


class LLMError(RuntimeError):
    """The endpoint failed; the message is safe to show (no key, no stack trace)."""


class Deadline:
    """The time a question may spend waiting for the LLM (retrieval in between does not count)."""

    def __init__(self, seconds: float) -> None:
        self.budget = seconds

    def left(self) -> float:
        return max(0.0, self.budget)

    def spend(self, seconds: float) -> None:
        self.budget -= seconds


def _describe(exc: BaseException) -> str:
    status = getattr(exc, "status_code", None) or getattr(getattr(exc, "response", None), "status_code", None)
    if status == 429:
        return "大模型服务繁忙（限流）"
    if status:
        return f"大模型服务返回错误（HTTP {status}）"
    name = type(exc).__name__
    if "Timeout" in name:
        return "大模型服务响应超时"
    if "Connection" in name:
        return "无法连接大模型服务"
    return f"大模型服务调用失败（{name}）"


_SENTENCE_END = re.compile(r"[。！？!?；;\n]|\.(?=\s)")


class LLMGenerator:
    mode = "llm"

    def __init__(self, settings: Settings, fallback: ExtractiveGenerator | None = None, local: bool = False) -> None:
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.runnables import RunnableLambda
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.fallback = fallback or ExtractiveGenerator()
        self.timeout = settings.llm_timeout
        self.server: Any = None  # the bundled model's server, when it is the endpoint
        # llama.cpp's own repetition penalty for the bundled model; any endpoint gets the length cap
        # and the stop sequences (a small model otherwise goes on to write the next question).
        extra = {"repeat_penalty": 1.1, "cache_prompt": True} if local else {}
        self._chat = ChatOpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or "not-needed",  # type: ignore[arg-type]
            model=settings.llm_model or "default",
            temperature=settings.llm_temperature,
            timeout=settings.llm_timeout,
            max_retries=0,  # a retry would blow the deadline; the extractive answer is the fallback
            max_tokens=settings.llm_max_tokens,  # type: ignore[call-arg]
            stop=STOP,
            extra_body=extra or None,
        )
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="llm")
        # LangChain runnables: prompt | chat model | text
        self.answer_chain = ANSWER_PROMPT | self._chat | StrOutputParser()
        self.rewrite_chain = REWRITE_PROMPT | self._chat | StrOutputParser()
        # The check of the whole answer, a step LangChain callbacks see after the model's.
        self.verify_step: Any = RunnableLambda(
            lambda x: verify(x["answer"], x["paragraphs"], x["chinese"], x["question"]), name="verify")

    def deadline(self) -> Deadline:
        """One deadline per question, shared by the rewrite and the answer."""
        return Deadline(self.timeout)

    # -- calls under a deadline -----------------------------------------------------------------
    def _run(self, fn: Any, deadline: Deadline) -> Any:
        # In the caller's context: LangChain's callbacks (a tracing run around the chain) follow the call.
        future = self._pool.submit(contextvars.copy_context().run, fn)
        started = time.monotonic()
        try:
            return future.result(timeout=deadline.left())
        except FutureTimeout:
            future.cancel()
            raise LLMError("大模型服务响应超时") from None
        except LLMError:
            raise
        except Exception as exc:  # any client error becomes one safe line
            log.warning("LLM call failed: %s", type(exc).__name__)
            raise LLMError(_describe(exc)) from None
        finally:
            deadline.spend(time.monotonic() - started)

    def rewrite(self, question: str, history: Sequence[dict[str, Any]], deadline: Deadline) -> str:
        """A standalone Chinese search question (condenses follow-ups, translates English)."""
        inputs = rewrite_inputs(question, history)
        text = str(self._run(lambda: self.rewrite_chain.invoke(inputs), deadline)).strip()
        if not text:
            raise LLMError("大模型返回了空的改写结果")
        return text.splitlines()[0][:300]

    def _pieces(self, inputs: dict[str, str], deadline: Deadline) -> Iterator[str]:
        """The model's output as it arrives, each wait for the next piece under the deadline."""
        stream = iter(self.answer_chain.stream(inputs))
        while True:
            piece = self._run(lambda: next(stream, None), deadline)
            if piece is None:
                return
            yield str(piece)

    # -- answer ---------------------------------------------------------------------------------
    def generate(self, evidence: Evidence, deadline: Deadline | None = None) -> Answer:
        *_, last = self.generate_stream(evidence, deadline)
        return last

    def generate_stream(self, evidence: Evidence, deadline: Deadline | None = None) -> Iterator[Answer]:
        """The verified answer as it grows: a new Answer each time a finished sentence passes the
        checks (unverified text is never yielded). Ends with the final answer, which is the
        extractive one when the model fails, times out or leaves nothing verifiable."""
        deadline = deadline or Deadline(self.timeout)
        inputs, ranks = answer_inputs(evidence, MAX_SENTENCES)
        paragraphs = [evidence.retrieved[r] for r in ranks]
        texts = [rc.chunk.text for rc in paragraphs]
        chinese = is_chinese(evidence.question)
        raw, shown, checked = "", "", None
        try:
            for piece in self._pieces(inputs, deadline):
                raw += piece
                done = _finished(raw)
                if _repeats(done):  # a small model caught in a loop: what came before stands
                    raw = done
                    break
                checked = verify(done, texts, chinese, evidence.question) if done else None
                if checked is not None and checked.text and checked.text != shown:
                    shown = checked.text
                    yield self._answer(evidence, checked, paragraphs)
        except LLMError as err:
            if shown and checked is not None:  # verified sentences already shown stand
                yield replace(self._answer(evidence, checked, paragraphs), notice=f"{err}，回答可能不完整。")
                return
            yield self._fallback(evidence, f"{err}，以下为离线摘录答案。")
            return
        yield self.finish(evidence, raw, ranks)

    def finish(self, evidence: Evidence, raw: str, ranks: Sequence[int]) -> Answer:
        """The final answer from the model's whole output (ranks: the retrieved rank behind each
        source number), or the extractive one when nothing in it can be verified."""
        if not raw.strip():
            return self._fallback(evidence, "大模型返回了空答案，以下为离线摘录答案。")
        paragraphs = [evidence.retrieved[r] for r in ranks]
        checked = self.verify_step.invoke({"answer": _finished(raw + "\n"),
                                           "paragraphs": [rc.chunk.text for rc in paragraphs],
                                           "chinese": is_chinese(evidence.question), "question": evidence.question})
        stats = {"markers_removed": checked.markers_removed, "sentences_dropped": checked.sentences_dropped}
        if not checked.has_facts:
            return self._fallback(evidence, "大模型的回答无法在原文中核实，以下为离线摘录答案。", stats)
        return self._answer(evidence, checked, paragraphs)

    def _answer(self, evidence: Evidence, checked: Verified, paragraphs: Sequence[Any]) -> Answer:
        stats = {"markers_removed": checked.markers_removed, "sentences_dropped": checked.sentences_dropped}
        cites = tuple(replace(citation(i, paragraphs[n - 1]), n=i) for i, n in enumerate(checked.cited, 1))
        notice = f"已删除{checked.sentences_dropped}句无法在引用段落中核实的内容。" if checked.sentences_dropped else ""
        return Answer(checked.text, cites, False, self.mode, (), notice, evidence.retrieved, stats)

    def _fallback(self, evidence: Evidence, notice: str, stats: dict[str, int] | None = None) -> Answer:
        answer = self.fallback.generate(evidence)
        return replace(answer, notice=notice, verification=stats or {})


def _finished(raw: str) -> str:
    """The text up to the end of its last finished sentence (with the markers right after it)."""
    ends = list(_SENTENCE_END.finditer(raw))
    if not ends:
        return ""
    cut = ends[-1].end()
    tail = re.match(r"(?:\s*\[\d+\])+", raw[cut:])
    return raw[: cut + (tail.end() if tail else 0)]


def _repeats(text: str) -> bool:
    """The same sentence written a third time: the model is looping."""
    sentences = [x.strip() for x in _SENTENCE_END.split(text) if len(x.strip()) >= 6]
    return any(n >= 3 for n in Counter(sentences).values())

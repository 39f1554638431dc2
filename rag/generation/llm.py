"""LLM mode: any OpenAI-compatible chat endpoint through langchain-openai.

The chain is prompt | chat model | text, run under one deadline per question. Whatever the model
writes is verified against the paragraphs it was given (rag.verification) before it is shown; if the
endpoint fails, times out or leaves nothing verifiable, the user gets the extractive answer and a
one-line notice. The API key never appears in a message or a log line.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import replace
from typing import Any

from rag.assessment import Evidence, citation
from rag.generation.extractive import ExtractiveGenerator
from rag.generation.prompts import ANSWER_PROMPT, REWRITE_PROMPT, answer_inputs, rewrite_inputs
from rag.settings import Settings
from rag.types import Answer
from rag.verification import verify

log = logging.getLogger(__name__)
MAX_PARAGRAPHS = 6  # paragraphs shown to the model


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


class LLMGenerator:
    mode = "llm"

    def __init__(self, settings: Settings, fallback: ExtractiveGenerator | None = None) -> None:
        from langchain_core.output_parsers import StrOutputParser
        from langchain_openai import ChatOpenAI

        self.settings = settings
        self.fallback = fallback or ExtractiveGenerator()
        self.timeout = settings.llm_timeout
        self._chat = ChatOpenAI(
            base_url=settings.llm_base_url,
            api_key=settings.llm_api_key or "not-needed",  # type: ignore[arg-type]
            model=settings.llm_model or "default",
            temperature=settings.llm_temperature,
            timeout=settings.llm_timeout,
            max_retries=0,  # a retry would blow the deadline; the extractive answer is the fallback
        )
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="llm")
        # LangChain runnables: prompt | chat model | text
        self.answer_chain = ANSWER_PROMPT | self._chat | StrOutputParser()
        self.rewrite_chain = REWRITE_PROMPT | self._chat | StrOutputParser()

    def deadline(self) -> Deadline:
        """One deadline per question, shared by the rewrite and the answer."""
        return Deadline(self.timeout)

    # -- calls under a deadline -----------------------------------------------------------------
    def _run(self, fn: Any, deadline: Deadline) -> str:
        future = self._pool.submit(fn)
        started = time.monotonic()
        try:
            return str(future.result(timeout=deadline.left()))
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
        text = self._run(lambda: self.rewrite_chain.invoke(inputs), deadline).strip()
        if not text:
            raise LLMError("大模型返回了空的改写结果")
        return text.splitlines()[0][:300]

    def stream(self, evidence: Evidence) -> Iterator[str]:
        """Raw model output as it arrives (unverified: for a live preview only)."""
        yield from self.answer_chain.stream(answer_inputs(evidence.question, evidence.retrieved[:MAX_PARAGRAPHS]))

    # -- answer ---------------------------------------------------------------------------------
    def generate(self, evidence: Evidence, deadline: Deadline | None = None) -> Answer:
        deadline = deadline or Deadline(self.timeout)
        paragraphs = evidence.retrieved[:MAX_PARAGRAPHS]
        try:
            raw = self._run(lambda: "".join(self.stream(evidence)), deadline)
        except LLMError as err:
            return self._fallback(evidence, f"{err}，以下为离线摘录答案。")
        if not raw.strip():
            return self._fallback(evidence, "大模型返回了空答案，以下为离线摘录答案。")
        checked = verify(raw, [rc.chunk.text for rc in paragraphs])
        stats = {"markers_removed": checked.markers_removed, "sentences_dropped": checked.sentences_dropped}
        if not checked.has_facts:
            return self._fallback(evidence, "大模型的回答无法在原文中核实，以下为离线摘录答案。", stats)
        cites = tuple(replace(citation(i, paragraphs[n - 1]), n=i) for i, n in enumerate(checked.cited, 1))
        notice = f"已删除{checked.sentences_dropped}句无法在引用段落中核实的内容。" if checked.sentences_dropped else ""
        return Answer(checked.text, cites, False, self.mode, (), notice, evidence.retrieved, stats)

    def _fallback(self, evidence: Evidence, notice: str, stats: dict[str, int] | None = None) -> Answer:
        answer = self.fallback.generate(evidence)
        return replace(answer, notice=notice, verification=stats or {})

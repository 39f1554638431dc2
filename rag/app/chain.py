"""The answer pipeline as a LangChain Runnable: prepare | retrieve | assess | answer.

`chain.invoke({"question": …, "history": […], "filters": {…}})` returns the Answer that
`policy-qa ask --json` prints; `chain.stream(…)` yields it as the chat shows it (in LLM mode the
extractive answer first, then the model's answer a verified sentence at a time). Each step is a
runnable of its own, and in LLM mode the model's prompt | chat model | text and the final check
(verify) run inside the answer step, so LangChain callbacks and tracing see every step.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from langchain_core.callbacks import CallbackManagerForChainRun
from langchain_core.runnables import Runnable, RunnableConfig, RunnableGenerator, RunnableLambda

from rag.answer.answering import Answerer, Turn
from rag.search.langchain_retriever import as_filters
from rag.types import Answer


class PolicyChain(Runnable[Mapping[str, Any] | str, Answer]):
    """A question (or {"question", "history", "filters"}) in, the cited Answer out."""

    name = "policy_qa"

    def __init__(self, answerer: Answerer) -> None:
        self.answerer = answerer
        self.steps = (RunnableLambda(self._prepare, name="prepare")
                      | RunnableLambda(answerer.find, name="retrieve")
                      | RunnableLambda(answerer.judge, name="assess"))

    def _prepare(self, inputs: Mapping[str, Any] | str) -> Turn:
        given: Mapping[str, Any] = {"question": inputs} if isinstance(inputs, str) else inputs
        return self.answerer.prepare(str(given.get("question") or ""), given.get("history"),
                                     as_filters(given.get("filters")))

    def _answers(self, inputs: Iterator[Mapping[str, Any] | str], run_manager: CallbackManagerForChainRun,
                 config: RunnableConfig, preview: bool = True) -> Iterator[Answer]:
        """Runs under the chain's own run (`config` carries it), so each step is a child of it."""
        def respond(turns: Iterator[Turn]) -> Iterator[Answer]:
            for turn in turns:
                yield from self.answerer.respond(turn, preview)

        for item in inputs:
            turn = self.steps.invoke(item, config)
            yield from RunnableGenerator(respond, name="answer").stream(turn, config)

    def stream(self, input: Mapping[str, Any] | str, config: RunnableConfig | None = None,
               **kwargs: Any) -> Iterator[Answer]:
        yield from self._transform_stream_with_config(iter([input]), self._answers, config, **kwargs)

    def invoke(self, input: Mapping[str, Any] | str, config: RunnableConfig | None = None,
               **kwargs: Any) -> Answer:
        *_, last = self._transform_stream_with_config(iter([input]), self._answers, config, preview=False)
        return last

"""retrieve -> assess the evidence -> refuse or generate -> Answer.

The refusal decision is made here, before any generator runs, so the LLM mode can never improvise
where the extractive mode would say the documents do not answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from rag.answer.about import about_document
from rag.answer.answer_model import AnswerModel, default_model
from rag.answer.assessment import (
    NEVER_MENTION,
    Evidence,
    citation,
    rank_sentences,
    refusal,
    signals,
)
from rag.index.store import StoreUnavailable
from rag.search.followup import is_followup
from rag.search.questions import Found, QuestionSearch, clean_filters, clean_history, clean_question
from rag.search.retrieval import Filters, Retriever
from rag.search.terms import expected_kind, is_chinese
from rag.types import Answer

REFUSAL = "现有文件中没有找到关于这个问题的明确规定。"
EMPTY_QUESTION = "请输入您想咨询的问题，例如：“狮岭镇皮具产业有哪些资金扶持？”"
KEYWORD_ONLY = "向量检索服务（Chroma 服务器 {server}）暂时无法连接，本次仅按关键词检索。"
WRITING = "大模型正在撰写答案，每句核实后显示；先显示离线摘录。"


class Generator(Protocol):
    mode: str

    def generate(self, evidence: Evidence, deadline: Any = None) -> Answer: ...


def refusal_text(reason: str) -> str:
    """What the user reads when the documents do not answer: which place they do not cover, if that
    is why ("现有文件未涉及东莞。"), else the general refusal."""
    if reason.startswith(NEVER_MENTION):
        places = [p.strip() for p in reason[len(NEVER_MENTION):].split(",") if p.strip()]
        return f"现有文件未涉及{'、'.join(places)}，没有找到关于这个问题的规定。"
    return REFUSAL


def _join(*notices: str) -> str:
    return " ".join(x for x in notices if x)


@dataclass(frozen=True)
class Turn:
    """A question on its way through the steps: what prepare, find and judge pass on."""

    question: str  # cleaned; empty when there was nothing to ask
    history: list[dict[str, str]]
    filters: Filters | None
    generator: Generator  # the configured one, or its offline fallback when the LLM failed
    notice: str = ""
    deadline: Any = None  # the LLM's time budget for this question
    query: str | None = None  # the LLM's standalone rewrite, if it made one
    found: Found | None = None
    dense: bool = True  # False: the vector store was down, keyword search only
    evidence: Evidence | None = None


class Answerer:

    def __init__(self, retriever: Retriever, generator: Generator, top_k: int = 8,
                 model: AnswerModel | None | bool = True) -> None:
        self.retriever = retriever
        self.generator = generator
        self.top_k = top_k
        self.questions = QuestionSearch(retriever, top_k)
        # True: the shipped answer model (rag/answer/models/answerer.json); False/None: the hand-set rules.
        self.model: AnswerModel | None = default_model() if model is True else (model or None)

    def answer(self, question: str, history: Sequence[dict[str, Any]] | None = None,
               filters: Filters | None = None) -> Answer:
        *_, last = self.answer_stream(question, history, filters, preview=False)
        return last

    def answer_stream(self, question: str, history: Sequence[dict[str, Any]] | None = None,
                      filters: Filters | None = None, preview: bool = True) -> Iterator[Answer]:
        """The answer as the user sees it grow. With a model: first (preview) the extractive answer,
        at once; then the model's answer, a verified sentence at a time; the last one is final."""
        turn = self.judge(self.find(self.prepare(question, history, filters)))
        yield from self.respond(turn, preview)

    # The steps of answer_stream, each a step of the LangChain chain too (rag.app.chain).
    def prepare(self, question: str, history: Sequence[dict[str, Any]] | None = None,
                filters: Filters | None = None) -> Turn:
        """Clean the input; with an LLM, have a follow-up or an English question rewritten."""
        q, notice = clean_question(question)
        history = clean_history(history)
        filters = clean_filters(filters)
        generator = self.generator
        if not q:
            return Turn(q, history, filters, generator, notice)
        rewritten = None
        rewrite = getattr(generator, "rewrite", None)
        # One LLM time budget per question, spent only while waiting for the LLM.
        deadline = generator.deadline() if hasattr(generator, "deadline") else None
        # Earlier turns matter only to a question that cannot stand alone ("那平湖呢？").
        elliptical = bool(history) and is_followup(q, self.retriever.facets()["places"])
        if rewrite is not None and (elliptical or not is_chinese(q)):
            try:
                rewritten = rewrite(q, list(history or []) if elliptical else [], deadline)
            except RuntimeError as err:  # the LLM is down: answer offline for this question
                generator = getattr(generator, "fallback", generator)
                notice = _join(notice, f"{err}，以下为离线摘录答案。")
        return Turn(q, history, filters, generator, notice, deadline, rewritten)

    def find(self, turn: Turn) -> Turn:
        """Search (rag.search.questions); by keyword alone while the vector store is down."""
        if not turn.question:
            return turn
        try:
            return replace(turn, found=self.search(turn.question, turn.history, turn.filters, query=turn.query))
        except StoreUnavailable as err:  # the Chroma server is down: keyword search still works
            found = self.search(turn.question, turn.history, turn.filters, query=turn.query, dense=False)
            return replace(turn, found=found, dense=False,
                           notice=_join(turn.notice, KEYWORD_ONLY.format(server=err.server)))

    def judge(self, turn: Turn) -> Turn:
        """Assess what was found: sentences scored, and whether to refuse."""
        if not turn.question:
            return turn
        return replace(turn, evidence=self.assess(turn.question, turn.history, turn.filters, query=turn.query,
                                                  dense=turn.dense, found=turn.found))

    def respond(self, turn: Turn, preview: bool = True) -> Iterator[Answer]:
        """The refusal, the answer about a document, or the generator's answer as it grows."""
        generator, notice, evidence = turn.generator, turn.notice, turn.evidence
        if evidence is None:
            yield Answer(text=EMPTY_QUESTION, citations=(), refused=True, mode=generator.mode)
            return
        about = about_document(turn.question, evidence, self.retriever, generator.mode)
        if about is not None:
            yield replace(about, notice=_join(notice, about.notice))
            return
        if evidence.refused:
            related = tuple(citation(i + 1, rc) for i, rc in enumerate(evidence.retrieved[:3]))
            text = refusal_text(evidence.reason) + ("以下是最接近的相关段落，供参考。" if related else "")
            yield Answer(text, (), True, generator.mode, related, notice, evidence.retrieved)
            return
        stream = getattr(generator, "generate_stream", None)
        if stream is None:
            answers: Iterator[Answer] = iter([generator.generate(evidence, turn.deadline)])
        else:
            fallback = getattr(generator, "fallback", None)  # the LLM's extractive stand-in
            if preview and fallback is not None:  # something to read while the model writes
                yield replace(fallback.generate(evidence), notice=WRITING)
            answers = stream(evidence, turn.deadline)
        for answer in answers:
            yield replace(answer, notice=_join(notice, answer.notice)) if notice else answer

    def search(self, question: str, history: Sequence[dict[str, Any]] | None = None,
               filters: Filters | None = None, k: int | None = None,
               query: str | None = None, dense: bool = True) -> Found:
        """The paragraphs that answer a question (rag.search.questions)."""
        return self.questions.search(question, history, filters, k, query, dense)

    def assess(self, question: str, history: Sequence[dict[str, Any]] | None = None,
               filters: Filters | None = None, query: str | None = None, dense: bool = True,
               found: Found | None = None) -> Evidence:
        query_given = bool(query)
        found = found or self.search(question, history, filters, query=query, dense=dense)
        query, retrieved, targets, terms = found.query, found.retrieved, found.targets, found.terms
        asked = found.query if query_given else question  # the standalone (Chinese) form the LLM wrote
        kind = expected_kind(asked)
        view = self.retriever.view
        if not retrieved:
            return Evidence(question, query, retrieved, (), kind, True, "nothing retrieved", targets)
        chinese = is_chinese(query)
        # Inside a document the question names, the words naming it match every sentence: rank
        # sentences by what is asked instead.
        names = [str(view.doc_meta.get(d, {}).get("title", "")) for d, _ in found.named]
        names += [a for _, a in found.named]
        ranking_terms = terms.without(names) if names else terms
        # The model learned from hybrid searches: a keyword-only one (vector store down) has no dense
        # similarities to give it, so the hand-set rules decide then.
        model = self.model if dense else None
        sentences = rank_sentences(query, retrieved, ranking_terms, kind, chinese, self.retriever.embedder,
                                   question=asked, model=model, idf=view.bm25.idf)
        sig = signals(asked, retrieved, terms, sentences, kind, chinese, view)
        reason, p = refusal(asked, query, retrieved, terms, sentences, kind, chinese, view, model, sig)
        named = tuple(dict.fromkeys(d for d, _ in found.named))
        return Evidence(question, query, retrieved, tuple(sentences), kind, bool(reason), reason, targets,
                        named, p, sig)

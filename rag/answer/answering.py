"""retrieve -> assess the evidence -> refuse or generate -> Answer.

The refusal decision is made here, before any generator runs, so the LLM mode can never improvise
where the extractive mode would say the documents do not answer.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from itertools import zip_longest
from typing import Any, Protocol

from rag.answer.about import about_document
from rag.answer.answer_model import AnswerModel, default_model
from rag.answer.assessment import (
    NEVER_MENTION,
    Evidence,
    citation,
    quoted_first,
    rank_sentences,
    refusal,
    rerank,
    signals,
)
from rag.answer.evidence import QueryTerms, expected_kind, is_chinese, query_terms
from rag.index.store import StoreUnavailable
from rag.sanitize import clean_input
from rag.search.colloquial import formal_terms
from rag.search.english import gloss
from rag.search.followup import condense, is_followup, places_in
from rag.search.retrieval import Filters, Retriever
from rag.types import Answer, RetrievedChunk

REFUSAL = "现有文件中没有找到关于这个问题的明确规定。"
EMPTY_QUESTION = "请输入您想咨询的问题，例如：“狮岭镇皮具产业有哪些资金扶持？”"
KEYWORD_ONLY = "向量检索服务（Chroma 服务器 {server}）暂时无法连接，本次仅按关键词检索。"
WRITING = "大模型正在撰写答案，每句核实后显示；先显示离线摘录。"
MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 8  # earlier messages a follow-up may draw on
COLLOQUIAL_SEARCH = True
# Paragraphs reranked by their best sentence, and that sentence's share of the new score. 0.2 was
# set on dev (MRR 0.899 -> 0.908) and confirmed on ncp (recall@5 0.866 -> 0.875, MRR 0.704 -> 0.718).
RERANK_POOL = 20
RERANK_WEIGHT = 0.2


class Generator(Protocol):
    mode: str

    def generate(self, evidence: Evidence, deadline: Any = None) -> Answer: ...


def clean_question(question: str) -> tuple[str, str]:
    """Strip control characters and cut overlong input; returns (question, notice)."""
    q = clean_input(question).strip()
    if len(q) > MAX_QUESTION_CHARS:
        return q[:MAX_QUESTION_CHARS], f"问题超过{MAX_QUESTION_CHARS}字，只按前{MAX_QUESTION_CHARS}字检索。"
    return q, ""


def refusal_text(reason: str) -> str:
    """What the user reads when the documents do not answer: which place they do not cover, if that
    is why ("现有文件未涉及东莞。"), else the general refusal."""
    if reason.startswith(NEVER_MENTION):
        places = [p.strip() for p in reason[len(NEVER_MENTION):].split(",") if p.strip()]
        return f"现有文件未涉及{'、'.join(places)}，没有找到关于这个问题的规定。"
    return REFUSAL


def clean_filters(filters: Filters | None) -> Filters | None:
    """Filter values cleaned like a question (an error message repeats them)."""
    if filters is None:
        return None
    return replace(filters, **{f: tuple(clean_input(str(v)) for v in getattr(filters, f))
                               for f in ("regions", "industries", "docs")})


def clean_history(history: Sequence[dict[str, Any]] | None) -> list[dict[str, str]]:
    """The last turns only, each cleaned and cut like a question: a client cannot make a question
    expensive by sending a long or malformed history."""
    turns = [t for t in (history or []) if isinstance(t, dict)][-MAX_HISTORY_TURNS:]
    return [{"role": str(t.get("role", "")), "content": clean_input(str(t.get("content", "")))[:MAX_QUESTION_CHARS]}
            for t in turns]


@dataclass(frozen=True)
class Found:
    """What a search found, with what it learned about the question on the way."""

    query: str  # standalone search query (follow-ups carry the earlier topic)
    retrieved: tuple[RetrievedChunk, ...]  # best first
    targets: tuple[str, ...]  # documents a comparison question names, in order of mention
    named: tuple[tuple[str, str], ...]  # (document, alias) the question names
    terms: QueryTerms  # the query's content terms, weighted by rarity


class Answerer:

    def __init__(self, retriever: Retriever, generator: Generator, top_k: int = 8,
                 model: AnswerModel | None | bool = True) -> None:
        self.retriever = retriever
        self.generator = generator
        self.top_k = top_k
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
        q, notice = clean_question(question)
        history = clean_history(history)
        filters = clean_filters(filters)
        generator = self.generator
        if not q:
            yield Answer(text=EMPTY_QUESTION, citations=(), refused=True, mode=generator.mode)
            return
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
                notice = " ".join(x for x in (notice, f"{err}，以下为离线摘录答案。") if x)
        try:
            evidence = self.assess(q, history, filters, query=rewritten)
        except StoreUnavailable as err:  # the Chroma server is down: keyword search still works
            evidence = self.assess(q, history, filters, query=rewritten, dense=False)
            notice = " ".join(x for x in (notice, KEYWORD_ONLY.format(server=err.server)) if x)
        about = about_document(q, evidence, self.retriever, generator.mode)
        if about is not None:
            yield replace(about, notice=" ".join(x for x in (notice, about.notice) if x))
            return
        if evidence.refused:
            related = tuple(citation(i + 1, rc) for i, rc in enumerate(evidence.retrieved[:3]))
            text = refusal_text(evidence.reason) + ("以下是最接近的相关段落，供参考。" if related else "")
            yield Answer(text, (), True, generator.mode, related, notice, evidence.retrieved)
            return
        stream = getattr(generator, "generate_stream", None)
        if stream is None:
            answers: Iterator[Answer] = iter([generator.generate(evidence, deadline)])
        else:
            if preview:  # something to read while the model writes
                yield replace(generator.fallback.generate(evidence), notice=WRITING)
            answers = stream(evidence, deadline)
        for answer in answers:
            yield replace(answer, notice=" ".join(x for x in (notice, answer.notice) if x)) if notice else answer

    def search(self, question: str, history: Sequence[dict[str, Any]] | None = None,
               filters: Filters | None = None, k: int | None = None,
               query: str | None = None, dense: bool = True) -> Found:
        """Search for the paragraphs that answer a question.

        `query` is a standalone question already written (by the LLM); otherwise follow-ups are
        condensed by rule. `dense=False` searches by keyword (BM25) alone.
        """
        k = k or self.top_k
        facets = self.retriever.facets()
        query = query or condense(question, history, facets["industries"], facets["places"])
        exclude = filters.exclude if filters is not None else ()
        # Documents the question names by an alias (平湖 in "那平湖呢？"), unless the user filtered.
        named = tuple((d, a) for d, a in self.retriever.docs_named(question) if d not in exclude) if not filters else ()
        if not filters and query != question:
            # A follow-up that names a place ("那平湖呢？") is about that place's documents.
            places = tuple(places_in(question, facets["places"]))
            docs = [d for d in (self.retriever.docs_about(places) if places else []) if d not in exclude]
            filters = replace(filters or Filters(), docs=tuple(docs)) if docs else filters
        view = self.retriever.view
        terms = query_terms(query, view.bm25.idf, view.bm25.df)
        targets = tuple(dict.fromkeys(doc for doc, _ in named))
        if len(targets) >= 2:
            # "A和B分别…": search each named document for what is asked (without the names), then
            # take their best paragraphs in turn.
            content = query
            for _, alias in named:
                content = content.replace(alias, " ")
            content = content if content.strip() else query
            per_doc = [quoted_first(self.retriever.retrieve(content, k=k,
                                                            filters=replace(filters or Filters(), docs=(d,)),
                                                            vectors=dense),
                                    question) for d in targets]
            merged = [rc for rank in zip_longest(*per_doc) for rc in rank if rc is not None]
            return Found(query, tuple(merged[:k]), targets, named, terms)
        searched = query
        if not is_chinese(query):  # an English question, not translated by an LLM: add a Chinese gloss
            searched = " ".join([query, *gloss(query, facets["places"])])
        elif COLLOQUIAL_SEARCH:  # everyday words: add the documents' terms for them
            searched = " ".join([query, *formal_terms(query)])
        pool = self.retriever.retrieve(searched, k=max(k, RERANK_POOL), filters=filters, vectors=dense)
        if is_chinese(query):
            pool = rerank(pool, terms, RERANK_WEIGHT)
            if expected_kind(question) is None:  # "“1+N”指什么": paragraphs with the quoted term first
                pool = quoted_first(pool, question)
        return Found(query, tuple(pool[:k]), (), named, terms)

    def assess(self, question: str, history: Sequence[dict[str, Any]] | None = None,
               filters: Filters | None = None, query: str | None = None, dense: bool = True) -> Evidence:
        query_given = bool(query)
        found = self.search(question, history, filters, query=query, dense=dense)
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

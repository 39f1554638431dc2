"""retrieve -> assess the evidence -> refuse or generate -> Answer.

The refusal decision is made here, before any generator runs, so the LLM mode can never improvise
where the extractive mode would say the documents do not answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import zip_longest
from typing import Any, Protocol

import numpy as np

from rag.chunking import heading_level, sentence_spans
from rag.evidence import (
    QueryTerms,
    expected_kind,
    focus_terms,
    is_chinese,
    mentions_focus,
    per_unit_ok,
    query_terms,
    states_kind,
    unknown_places,
)
from rag.followup import condense, places_in
from rag.retrieval import Filters, Retriever
from rag.types import Answer, Citation, RetrievedChunk

REFUSAL = "现有文件中没有找到关于这个问题的明确规定。"
EMPTY_QUESTION = "请输入您想咨询的问题，例如：“狮岭镇皮具产业有哪些资金扶持？”"
MAX_QUESTION_CHARS = 2000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Sentence:
    rank: int  # index of its chunk in the retrieved list
    start: int
    end: int
    text: str
    score: float
    coverage: float
    states_kind: bool


@dataclass(frozen=True)
class Evidence:
    question: str
    query: str  # standalone search query (follow-ups carry the earlier topic)
    retrieved: tuple[RetrievedChunk, ...]
    sentences: tuple[Sentence, ...]  # best first
    kind: str | None
    refused: bool
    reason: str
    targets: tuple[str, ...] = ()  # documents a comparison question names, in order of mention


class Generator(Protocol):
    mode: str

    def generate(self, evidence: Evidence, deadline: Any = None) -> Answer: ...


def citation(n: int, rc: RetrievedChunk) -> Citation:
    m = rc.meta
    return Citation(
        n=n, doc=rc.chunk.doc_id, title=str(m.get("title") or rc.chunk.doc_id), start=rc.chunk.start,
        end=rc.chunk.end, text=rc.chunk.text, issuer=str(m.get("issuer") or ""), date=str(m.get("date") or ""),
        status=str(m.get("status") or ""), region=str(m.get("region") or ""), headings=rc.chunk.heading_path,
        valid_period=str(m.get("valid_period") or ""),
    )


def clean_question(question: str) -> tuple[str, str]:
    """Strip control characters and cut overlong input; returns (question, notice)."""
    q = _CONTROL.sub("", question or "").strip()
    if len(q) > MAX_QUESTION_CHARS:
        return q[:MAX_QUESTION_CHARS], f"问题超过{MAX_QUESTION_CHARS}字，只按前{MAX_QUESTION_CHARS}字检索。"
    return q, ""


class Answerer:
    # Thresholds tuned on the dev set as a whole (never per question); see README "Quality".
    MIN_CHUNK_COVERAGE = 0.4
    MIN_SENTENCE_COVERAGE = 0.1
    SENTENCE_CHUNKS = 4  # answer sentences come from this many top paragraphs

    def __init__(self, retriever: Retriever, generator: Generator, top_k: int = 8) -> None:
        self.retriever = retriever
        self.generator = generator
        self.top_k = top_k

    def answer(self, question: str, history: Sequence[dict[str, Any]] | None = None,
               filters: Filters | None = None) -> Answer:
        q, notice = clean_question(question)
        generator = self.generator
        if not q:
            return Answer(text=EMPTY_QUESTION, citations=(), refused=True, mode=generator.mode)
        rewritten = None
        rewrite = getattr(generator, "rewrite", None)
        # One LLM time budget per question, spent only while waiting for the LLM.
        deadline = generator.deadline() if hasattr(generator, "deadline") else None
        if rewrite is not None and (history or not is_chinese(q)):
            try:
                rewritten = rewrite(q, history or [], deadline)
            except RuntimeError as err:  # the LLM is down: answer offline for this question
                generator = getattr(generator, "fallback", generator)
                notice = " ".join(x for x in (notice, f"{err}，以下为离线摘录答案。") if x)
        evidence = self.assess(q, history, filters, query=rewritten)
        if evidence.refused:
            related = tuple(citation(i + 1, rc) for i, rc in enumerate(evidence.retrieved[:3]))
            text = REFUSAL + ("以下是最接近的相关段落，供参考。" if related else "")
            return Answer(text, (), True, generator.mode, related, notice, evidence.retrieved)
        answer = generator.generate(evidence, deadline)
        if notice:
            answer = replace(answer, notice=" ".join(x for x in (notice, answer.notice) if x))
        return answer

    def search(self, question: str, history: Sequence[dict[str, Any]] | None = None,
               filters: Filters | None = None, k: int | None = None,
               query: str | None = None) -> tuple[str, tuple[RetrievedChunk, ...], tuple[str, ...]]:
        """(standalone query, retrieved paragraphs best first, documents the question compares).

        `query` is a standalone question already written (by the LLM); otherwise follow-ups are
        condensed by rule.
        """
        k = k or self.top_k
        facets = self.retriever.facets()
        query = query or condense(question, history, facets["industries"], facets["places"])
        if not filters and query != question:
            # A follow-up that names a place ("那平湖呢？") is about that place's documents.
            places = tuple(places_in(question, facets["places"]))
            docs = self.retriever.docs_about(places) if places else []
            filters = Filters(docs=tuple(docs)) if docs else filters
        named = self.retriever.docs_named(question) if not filters else []
        targets = tuple(dict.fromkeys(doc for doc, _ in named))
        if len(targets) >= 2:
            # "A和B分别…": search each named document for what is asked (without the names), then
            # take their best paragraphs in turn.
            content = query
            for _, alias in named:
                content = content.replace(alias, " ")
            content = content if content.strip() else query
            per_doc = [self.retriever.retrieve(content, k=k, filters=Filters(docs=(d,))) for d in targets]
            merged = [rc for rank in zip_longest(*per_doc) for rc in rank if rc is not None]
            return query, tuple(merged[:k]), targets
        return query, tuple(self.retriever.retrieve(query, k=k, filters=filters)), ()

    def assess(self, question: str, history: Sequence[dict[str, Any]] | None = None,
               filters: Filters | None = None, query: str | None = None) -> Evidence:
        rewritten = query
        query, retrieved, targets = self.search(question, history, filters, query=rewritten)
        asked = rewritten or question  # the standalone (Chinese) form when the LLM wrote one
        kind = expected_kind(asked)
        view = self.retriever.view
        if not retrieved:
            return Evidence(question, query, retrieved, (), kind, True, "nothing retrieved", targets)
        chinese = is_chinese(query)
        terms = query_terms(query, view.bm25.idf, view.bm25.df)
        # Inside a document the question names, the words naming it match every sentence: rank
        # sentences by what is asked instead.
        names = [str(view.doc_meta.get(d, {}).get("title", "")) for d, _ in self.retriever.docs_named(question)]
        names += [alias for _, alias in self.retriever.docs_named(question)]
        sentences = self._rank_sentences(query, retrieved, terms.without(names) if names else terms, kind, chinese)
        refused, reason = self._refuse(asked, query, retrieved, terms, sentences, kind, chinese)
        return Evidence(question, query, retrieved, tuple(sentences), kind, refused, reason, targets)

    def _rank_sentences(self, query: str, retrieved: Sequence[RetrievedChunk], terms: QueryTerms,
                        kind: str | None, chinese: bool) -> list[Sentence]:
        top = retrieved[0].score or 1.0
        cands: list[tuple[int, int, int, str]] = []
        for rank, rc in enumerate(retrieved[: self.SENTENCE_CHUNKS]):
            text = rc.chunk.text
            for s, e in sentence_spans(text):
                # headings, dates and signatures name a topic but answer nothing
                if e - s >= 6 and heading_level(text[s:e]) is None:
                    cands.append((rank, rc.chunk.start + s, rc.chunk.start + e, text[s:e]))
        if chinese and terms.terms:
            # A sentence under a matching heading inherits part of the heading's match.
            heading_cov = [terms.coverage(rc.chunk.heading_path) for rc in retrieved]
            match = [0.65 * terms.coverage(t) + 0.35 * heading_cov[r] for r, *_, t in cands]
        else:  # no shared words to count (e.g. an English question): compare meanings instead
            qv = self.retriever.embedder.embed_queries([query])[0]
            sims = self.retriever.embedder.embed_passages([t for *_, t in cands]) @ qv if cands else np.zeros(0)
            lo, hi = (float(sims.min()), float(sims.max())) if len(sims) else (0.0, 1.0)
            match = [(float(x) - lo) / (hi - lo) if hi > lo else 1.0 for x in sims]
        out = []
        for (rank, s, e, text), m in zip(cands, match, strict=True):
            rc = retrieved[rank]
            has_kind = states_kind(text, kind)
            score = 0.55 * m + 0.45 * (rc.score / top) + (0.15 if kind and has_kind else 0.0)
            out.append(Sentence(rank, s, e, text, score, m, has_kind))
        out.sort(key=lambda x: (-x.score, x.rank, x.start))
        return out

    def _refuse(self, question: str, query: str, retrieved: Sequence[RetrievedChunk], terms: QueryTerms,
                sentences: Sequence[Sentence], kind: str | None, chinese: bool) -> tuple[bool, str]:
        places = unknown_places(query, self.retriever.view.occurs)
        if places:
            return True, f"the documents never mention {', '.join(places)}"
        if not sentences:
            return True, "no sentence to quote"
        if chinese and terms.terms:
            # Several paragraphs may answer together (a comparison of two cities): count them jointly.
            best = terms.coverage("\n".join(_context(rc) for rc in retrieved[:3]))
            if best < self.MIN_CHUNK_COVERAGE:
                return True, f"the best paragraph covers only {best:.0%} of the question's terms"
            chunk_cov = {rank: terms.coverage(_context(rc)) for rank, rc in enumerate(retrieved)}
            focus = focus_terms(question, kind, self.retriever.view.bm25.idf)
            if kind and not any(
                s.states_kind and mentions_focus(s.text, focus) and per_unit_ok(question, s.text)
                and (s.coverage >= self.MIN_SENTENCE_COVERAGE or chunk_cov[s.rank] >= 0.5)
                for s in sentences
            ):
                return True, f"no relevant sentence states the {kind} asked for"
        elif kind and not any(s.states_kind for s in sentences[:3]):
            return True, f"no close sentence states the {kind} asked for"
        return False, ""


def _context(rc: RetrievedChunk) -> str:
    return "\n".join((str(rc.meta.get("title") or ""), rc.chunk.heading_path, rc.chunk.text))

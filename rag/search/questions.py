"""A question in, its best paragraphs out: the search a user's question gets.

Follow-ups are condensed by rule (or come already rewritten by an LLM), English questions get a
Chinese gloss and everyday words the documents' terms, a question naming two documents is searched
in each, a question naming no place is searched in the documents around the place the user named
last (rag.search.places), and the hybrid ranking is reordered by each paragraph's best sentence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import zip_longest
from typing import Any

from rag.ingest.chunking import sentence_spans
from rag.sanitize import clean_input
from rag.search.colloquial import formal_terms
from rag.search.english import gloss, places_named
from rag.search.followup import condense, conversation_places, places_in
from rag.search.places import coverage_of
from rag.search.retrieval import Filters, Retriever
from rag.search.terms import QueryTerms, expected_kind, has_quoted, is_chinese, query_terms, quoted_terms
from rag.types import RetrievedChunk

COLLOQUIAL_SEARCH = True
# Paragraphs reranked by their best sentence, and that sentence's share of the new score. 0.2 was
# set on dev (MRR 0.899 -> 0.908) and confirmed on ncp (recall@5 0.866 -> 0.875, MRR 0.704 -> 0.718).
RERANK_POOL = 20
RERANK_WEIGHT = 0.2
MAX_QUESTION_CHARS = 2000
MAX_HISTORY_TURNS = 8  # earlier messages a follow-up may draw on


@dataclass(frozen=True)
class Found:
    """What a search found, with what it learned about the question on the way."""

    query: str  # standalone search query (follow-ups carry the earlier topic)
    retrieved: tuple[RetrievedChunk, ...]  # best first
    targets: tuple[str, ...]  # documents a comparison question names, in order of mention
    named: tuple[tuple[str, str], ...]  # (document, alias) the question names
    terms: QueryTerms  # the query's content terms, weighted by rarity


def clean_question(question: str) -> tuple[str, str]:
    """Strip control characters and cut overlong input; returns (question, notice)."""
    q = clean_input(question).strip()
    if len(q) > MAX_QUESTION_CHARS:
        return q[:MAX_QUESTION_CHARS], f"问题超过{MAX_QUESTION_CHARS}字，只按前{MAX_QUESTION_CHARS}字检索。"
    return q, ""


def clean_filters(filters: Filters | None) -> Filters | None:
    """Filter values cleaned like a question (an error message repeats them)."""
    if filters is None:
        return None
    def clean(values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(clean_input(str(v)) for v in values)

    return replace(filters, regions=clean(filters.regions), industries=clean(filters.industries),
                   docs=clean(filters.docs))


def clean_history(history: Sequence[dict[str, Any]] | None) -> list[dict[str, str]]:
    """The last turns only, each cleaned and cut like a question: a client cannot make a question
    expensive by sending a long or malformed history."""
    turns = [t for t in (history or []) if isinstance(t, dict)][-MAX_HISTORY_TURNS:]
    return [{"role": str(t.get("role", "")), "content": clean_input(str(t.get("content", "")))[:MAX_QUESTION_CHARS]}
            for t in turns]


class QuestionSearch:
    """The search of rag.search.retrieval, for a question as a user asks it."""

    def __init__(self, retriever: Retriever, top_k: int = 8) -> None:
        self.retriever = retriever
        self.top_k = top_k

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
        # The places the question names, looked for only in a conversation (a first question's places
        # are searched as words): they scope a follow-up, and end the conversation's place.
        own = tuple(places_in(question, facets["places"]) or places_named(question, facets["places"])) \
            if not filters and (history or query != question) else ()
        if not filters and query != question:
            # A follow-up that names a place ("那平湖呢？") is about that place's documents.
            docs = [d for d in (self.retriever.docs_about(own) if own else []) if d not in exclude]
            filters = replace(filters or Filters(), docs=tuple(docs)) if docs else filters
        # The place a user gave earlier stays the conversation's place until they name another: after
        # "白云区做女装的，…", "有没有培训设计师的？" is asked of the documents of 白云区 and of the
        # places around it (广州市's), not of 鹿城's reply on designers.
        said = [] if filters or named or own or not history else conversation_places(history, facets["places"])
        snap = self.retriever.view.snapshot()
        around = coverage_of(snap).docs_around(said) if said else None
        if around is not None and not around:  # a place no document concerns (东莞): say so, as asked there
            query = f"{query} {''.join(dict.fromkeys(said))}"
        around = [d for d in around or [] if d not in exclude]
        if around and len(around) < len(snap.doc_meta):  # (all of them: nothing to narrow)
            filters = replace(filters or Filters(), docs=tuple(around))
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


def best_sentence_match(rc: RetrievedChunk, terms: QueryTerms) -> float:
    """How well the paragraph's best sentence (with its heading) matches the question's terms."""
    heading = terms.coverage(rc.chunk.heading_path)
    text = rc.chunk.text
    return max((0.65 * terms.coverage(text[s:e]) + 0.35 * heading for s, e in sentence_spans(text)), default=0.0)


def quoted_first(retrieved: Sequence[RetrievedChunk], question: str) -> list[RetrievedChunk]:
    """Paragraphs containing a term the question quotes come first (in their order), then the rest."""
    quoted = quoted_terms(question)
    if not quoted:
        return list(retrieved)
    hit = [has_quoted(rc.chunk.text, quoted) for rc in retrieved]
    return [rc for rc, h in zip(retrieved, hit, strict=True) if h] + [
        rc for rc, h in zip(retrieved, hit, strict=True) if not h]


def rerank(retrieved: Sequence[RetrievedChunk], terms: QueryTerms, weight: float) -> list[RetrievedChunk]:
    """Reorder paragraphs by their fused score and the match of their best sentence: a paragraph
    that says the thing in one sentence beats one that merely shares the words across many."""
    if not retrieved or not terms.terms or weight <= 0:
        return list(retrieved)
    top = retrieved[0].score or 1.0
    scored = [((1 - weight) * rc.score / top + weight * best_sentence_match(rc, terms), i, rc)
              for i, rc in enumerate(retrieved)]
    return [rc for _, _, rc in sorted(scored, key=lambda x: (-x[0], x[1]))]

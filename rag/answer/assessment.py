"""Assess retrieved paragraphs: rank candidate answer sentences and decide whether the documents
answer at all. Shared by both answer modes, so the LLM is never asked where extractive would refuse."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from rag.answer.answer_features import is_fragment, question_vector, sentence_vector
from rag.answer.answer_model import AnswerModel
from rag.answer.evidence import (
    focus_terms,
    is_contact_line,
    is_sign_off,
    mentions_focus,
    per_unit_ok,
    states_kind,
    unknown_places,
)
from rag.answer.injection import speaks_to_the_bot
from rag.index.embeddings import PolicyEmbeddings
from rag.index.index_view import LexicalView
from rag.index.lexical import normalise, pos_tags, tokenize
from rag.ingest.chunking import heading_level, sentence_spans
from rag.numbers import values
from rag.search.english import places_named
from rag.search.places import coverage_of
from rag.search.terms import QueryTerms, has_quoted, quoted_terms
from rag.types import Citation, RetrievedChunk

# Thresholds set on the dev set as a whole (never per question); see README "Quality".
MIN_CHUNK_COVERAGE = 0.4
NEVER_MENTION = "the documents never mention "  # the reason given for a place no document covers
MIN_SENTENCE_COVERAGE = 0.1
SENTENCE_CHUNKS = 4  # answer sentences come from this many top paragraphs
MEANING_CHUNKS = 2  # … or this many when sentences are compared by embedding (no shared words),
MEANING_SENTENCES = 10  # at most this many sentences, in paragraph order
# A question asking for one of these needs a sentence stating such a figure about the thing asked
# before the model is asked (compared on the tuning split with "a figure of that kind" and with no
# check: README "Quality").
FIGURE_KINDS = ("money", "percent", "count", "date", "phone")
QUOTE_BONUS = 0.3  # a sentence containing a term the question quotes (“1+N”) is what is asked about


@dataclass(frozen=True)
class Sentence:
    rank: int  # index of its chunk in the retrieved list
    start: int
    end: int
    text: str
    score: float
    coverage: float
    states_kind: bool
    features: tuple[float, ...] = ()  # rag.answer.answer_features.SENTENCE_FEATURES


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
    named: tuple[str, ...] = ()  # documents the question names
    answerability: float | None = None  # the answer model's P(the documents answer), when it decided
    signals: dict[str, Any] = field(default_factory=dict)  # what the answerability decision looked at


def citation(n: int, rc: RetrievedChunk) -> Citation:
    m = rc.meta
    return Citation(
        n=n, doc=rc.chunk.doc_id, title=str(m.get("title") or rc.chunk.doc_id), start=rc.chunk.start,
        end=rc.chunk.end, text=rc.chunk.text, issuer=str(m.get("issuer") or ""), date=str(m.get("date") or ""),
        status=str(m.get("status") or ""), region=str(m.get("region") or ""), headings=rc.chunk.heading_path,
        valid_period=str(m.get("valid_period") or ""),
    )


def rank_sentences(query: str, retrieved: Sequence[RetrievedChunk], terms: QueryTerms,
                   kind: str | None, chinese: bool, embedder: PolicyEmbeddings, question: str = "",
                   model: AnswerModel | None = None, idf: Callable[[str], float] | None = None) -> list[Sentence]:
    """Candidate answer sentences of the top paragraphs, best first, each with its features and
    its score: the answer model's probability that it answers (or the hand-set mix without one)."""
    question = question or query
    top = retrieved[0].score or 1.0
    cands: list[tuple[int, int, int, str, float, bool]] = []
    for rank, rc in enumerate(retrieved[: SENTENCE_CHUNKS]):
        text = rc.chunk.text
        spans = sentence_spans(text)
        for j, (s, e) in enumerate(spans):
            # headings, dates, signatures and lead-unit lines name a topic but answer nothing; text
            # addressed to a chatbot is not policy (see rag.answer.injection)
            t = text[s:e]
            if e - s >= 6 and heading_level(t) is None and not speaks_to_the_bot(t) and (
                kind == "phone" or not is_contact_line(t)
            ) and not is_sign_off(t) and (kind == "org" or not is_fragment(t)):
                cands.append((rank, rc.chunk.start + s, rc.chunk.start + e, t, j / max(len(spans), 1), j == 0))
    heading_cov = [terms.coverage(rc.chunk.heading_path) for rc in retrieved]
    if chinese and terms.terms:
        # A sentence under a matching heading inherits part of the heading's match.
        match = [0.65 * terms.coverage(c[3]) + 0.35 * heading_cov[c[0]] for c in cands]
    else:  # no shared words to count (e.g. an English question): compare meanings instead
        # Embedding sentences costs ~20 ms each on 2 cores: only those of the best paragraphs.
        cands = [c for c in cands if c[0] < MEANING_CHUNKS][:MEANING_SENTENCES]
        qv = embedder.embed_queries([query])[0]
        sims = embedder.embed_passages([c[3] for c in cands]) @ qv if cands else np.zeros(0)
        lo, hi = (float(sims.min()), float(sims.max())) if len(sims) else (0.0, 1.0)
        match = [(float(x) - lo) / (hi - lo) if hi > lo else 1.0 for x in sims]
    quoted = quoted_terms(query)
    focus = focus_terms(question, kind, idf)
    lex_top = max((rc.lexical or 0.0 for rc in retrieved), default=0.0) or 1.0
    out = []
    for (rank, s, e, text, position, first), m in zip(cands, match, strict=True):
        rc = retrieved[rank]
        has_kind = states_kind(text, kind)
        features = sentence_vector(
            match=m, term_cov=terms.coverage(text), heading_cov=heading_cov[rank], chunk_score=rc.score / top,
            rank=rank, dense=rc.dense or 0.0, lexical=(rc.lexical or 0.0) / lex_top, kind_asked=kind is not None,
            states_kind=has_kind, focus=mentions_focus(text, focus), per_unit=per_unit_ok(question, text),
            quoted=bool(quoted) and has_quoted(text, quoted), position=position, first=first, text=text,
            has_figure=bool(values(text)), english=not chinese)
        score = 0.55 * m + 0.45 * (rc.score / top) + (0.15 if kind and has_kind else 0.0)
        # (not for a figure: a sentence naming the quoted term need not state the figure asked for)
        score += QUOTE_BONUS if quoted and not kind and has_quoted(text, quoted) else 0.0
        out.append(Sentence(rank, s, e, text, score, m, has_kind, tuple(features)))
    if model is not None and out:
        probs = model.sentence.prob([x.features for x in out])
        # A quoted term (“1+N”) is what is asked about: among sentences, those naming it come first.
        out = [replace(x, score=float(p) + (QUOTE_BONUS if quoted and not kind and has_quoted(x.text, quoted)
                                            else 0.0)) for x, p in zip(out, probs, strict=True)]
    out.sort(key=lambda x: (-x.score, x.rank, x.start))
    return out


def signals(question: str, retrieved: Sequence[RetrievedChunk], terms: QueryTerms,
            sentences: Sequence[Sentence], kind: str | None, chinese: bool, view: LexicalView) -> dict[str, Any]:
    """What the answerability decision looks at, apart from the sentence probabilities."""
    joint = terms.coverage("\n".join(_context(rc) for rc in retrieved[:3])) if terms.terms else 0.0
    top_cov = terms.coverage(_context(retrieved[0])) if terms.terms and retrieved else 0.0
    chunk_cov = {rank: terms.coverage(_context(rc)) for rank, rc in enumerate(retrieved)} if terms.terms else {}
    focus = focus_terms(question, kind, view.bm25.idf)
    kind_rule = bool(kind) and any(
        s.states_kind and mentions_focus(s.text, focus) and per_unit_ok(question, s.text)
        and (s.coverage >= MIN_SENTENCE_COVERAGE or chunk_cov.get(s.rank, 0.0) >= 0.5) for s in sentences)
    n_known, n_unknown = len(terms.terms), len(terms.unknown)
    doc_cov, entity_cov = document_support(question, terms, retrieved[0].chunk.doc_id, view) if retrieved else (0, 0)
    heavy = QueryTerms(terms.terms[:3])  # the rarest terms: what makes the question specific
    rare_cov = heavy.coverage(_context(retrieved[0])) if heavy.terms and retrieved else 0.0
    lex = (retrieved[0].lexical or 0.0) if retrieved else 0.0
    return {
        "joint_cov": joint, "top_cov": top_cov, "dense": [rc.dense for rc in retrieved[:8]],
        "lex_strength": float(lex) / (terms.total or 1.0), "kind_asked": kind is not None, "kind_rule": kind_rule,
        "unknown_share": n_unknown / max(n_known + n_unknown, 1), "n_terms": n_known, "english": not chinese,
        "best_match": max((x.coverage for x in sentences), default=0.0),
        "doc_cov": doc_cov, "entity_cov": entity_cov, "rare_cov": rare_cov,
        "best_states_focus": any(x.features and x.features[-1] > 0 for x in sentences),
    }


def document_support(question: str, terms: QueryTerms, doc_id: str, view: LexicalView) -> tuple[float, float]:
    """How much of the question the best paragraph's whole document speaks of: the weighted share of
    its terms found anywhere in that document, and the share of the names it gives (places,
    organisations, named things: 北京市, 工业和信息化部) found there (1.0 when it gives none). A
    paragraph from another city's notice may share every policy word and still not be about it."""

    snap = view.snapshot()
    meta = " ".join(str(v) for v in snap.doc_meta.get(doc_id, {}).values())

    def in_doc(term: str) -> bool:
        held = snap.bm25.holders(term)
        return term in normalise(meta) or bool(len(held) and np.any(snap.doc_of[held] == doc_id))

    doc_cov = sum(w for t, w in terms.terms if in_doc(t)) / terms.total if terms.terms else 0.0
    names = {normalise(w) for w, flag in pos_tags(question) if flag in ("ns", "nt", "nz", "nr") and len(w) >= 2}
    found = [all(in_doc(t) for t in tokenize(n)) for n in names if tokenize(n)]
    return doc_cov, (sum(found) / len(found) if found else 1.0)


def answerability(model: AnswerModel, sentences: Sequence[Sentence], sig: dict[str, Any]) -> float:
    """P(the documents answer the question), from the sentence probabilities and the signals."""
    probs = model.sentence.prob([s.features for s in sentences]) if sentences else np.zeros(0)
    return float(model.answerable.prob(question_vector(probs=list(map(float, probs)), **sig))[0])


def unknown_place(query: str, chinese: bool, view: LexicalView) -> list[str]:
    """Places a question names that no indexed document mentions (深圳, or Shenzhen in English) and
    that lie in no document's place: 番禺, never named, is in 广州市, whose plan covers it; with a
    national (全国) document indexed, every place is covered and none is refused for its place."""
    if chinese:
        names = unknown_places(query, view.occurs)
    else:
        names = [zh for zh in places_named(query, view.facets.get("places", ())) if not view.occurs(zh)]
    if not names:
        return []
    coverage = coverage_of(view.snapshot())
    paths = {n: coverage.places.resolve(n) for n in names}
    return [n for n in names if not any(coverage.covers(doc, paths[n]) for doc in coverage.regions)]


def refused_by_fact(query: str, sentences: Sequence[Sentence], kind: str | None, chinese: bool,
                    view: LexicalView, sig: dict[str, Any]) -> str:
    """Why the documents cannot answer, as a matter of fact rather than of degree, or "": the
    question names a place they never mention, there is nothing to quote, or it asks for a figure
    and no candidate sentence states one of that kind about the thing asked (FIGURE_KINDS)."""
    places = unknown_place(query, chinese, view)
    if places:
        return NEVER_MENTION + ", ".join(places)
    if not sentences:
        return "no sentence to quote"
    if kind in FIGURE_KINDS and not sig["best_states_focus"]:
        # a total does not answer "每家", nor a plan's output target "补贴多少"
        return f"no sentence states the {kind} asked for"
    return ""


def refusal(question: str, query: str, retrieved: Sequence[RetrievedChunk], terms: QueryTerms,
            sentences: Sequence[Sentence], kind: str | None, chinese: bool, view: LexicalView,
            model: AnswerModel | None = None, sig: dict[str, Any] | None = None) -> tuple[str, float | None]:
    """(why the documents do not answer the question or "" when they do, the model's answerability)."""
    sig = sig if sig is not None else signals(question, retrieved, terms, sentences, kind, chinese, view)
    if model is None:  # the hand-set rules, before a model is trained
        places = unknown_place(query, chinese, view)
        if places:
            return NEVER_MENTION + ", ".join(places), None
        if not sentences:
            return "no sentence to quote", None
        return _rule_refusal(retrieved, terms, sentences, kind, chinese, sig), None
    fact = refused_by_fact(query, sentences, kind, chinese, view, sig)
    if fact:
        return fact, None
    p = answerability(model, sentences, sig)
    return ("" if p >= model.threshold else f"answerability {p:.2f} below {model.threshold:.2f}"), p


def _rule_refusal(retrieved: Sequence[RetrievedChunk], terms: QueryTerms, sentences: Sequence[Sentence],
                  kind: str | None, chinese: bool, sig: dict[str, Any]) -> str:
    """The hand-set rules used before a model is trained (and to compare against it)."""
    if chinese and terms.terms:
        # Several paragraphs may answer together (a comparison of two cities): count them jointly.
        best = terms.coverage("\n".join(_context(rc) for rc in retrieved[:3]))
        if best < MIN_CHUNK_COVERAGE:
            return f"the best paragraph covers only {best:.0%} of the question's terms"
        if kind and not sig["kind_rule"]:
            return f"no relevant sentence states the {kind} asked for"
    elif kind and not any(s.states_kind for s in sentences[:3]):
        return f"no close sentence states the {kind} asked for"
    return ""


def _context(rc: RetrievedChunk) -> str:
    return "\n".join((str(rc.meta.get("title") or ""), rc.chunk.heading_path, rc.chunk.text))

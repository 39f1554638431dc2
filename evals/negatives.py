"""Must-refuse questions made from answerable ones, at scale (as the RGB benchmark does).

- negatives_of: the question asked with its gold document(s) taken out of the search;
- figure_negatives_of: a question asking for a figure asked with the paragraphs stating it taken out.

A question that what remains still answers is not a must-refuse question and is left out: its
evidence or its extractive answer stands in another paragraph verbatim or as a near copy (the same
notice reposted by another site, a news item quoting it: NEAR_COPY of its character trigrams in one
paragraph), or all its key facts do.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from evals.harness import gold_spans
from rag.answer.assessment import FIGURE_KINDS
from rag.app.service import PolicyQA
from rag.search.terms import expected_kind

NEAR_COPY = 0.8  # share of a text's character trigrams one paragraph must hold to restate it
MIN_NEAR = 8  # texts shorter than this (a bare figure, a name) must stand verbatim


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _letters(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


def _grams(text: str) -> set[str]:
    return {text[i:i + 3] for i in range(len(text) - 2)}


class Paragraphs:
    """The indexed paragraphs by character trigram, to find near copies of a text quickly."""

    def __init__(self, qa: PolicyQA) -> None:
        chunks = qa.retriever.view.snapshot().chunks
        self.docs = [c.doc_id for c in chunks]
        self.postings: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            for g in _grams(_letters(c.text)):
                self.postings.setdefault(g, []).append(i)

    def restated(self, text: str, outside: Iterable[str]) -> bool:
        """Whether one paragraph of a document not in `outside` holds NEAR_COPY of text's trigrams."""
        grams = _grams(_letters(text))
        if len(text) < MIN_NEAR or not grams:
            return False
        skip = set(outside)
        hits = Counter(i for g in grams for i in self.postings.get(g, ()) if self.docs[i] not in skip)
        return bool(hits) and max(hits.values()) >= NEAR_COPY * len(grams)


def negatives_of(qa: PolicyQA, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each answerable question with its gold document(s) left out of the search; left out when
    another document still answers it (its evidence or answer verbatim or as a near copy in one of
    its paragraphs, or all its key facts in it)."""
    texts = {d["doc"]: squash(doc.text) for d in qa.documents() if (doc := qa.document(d["doc"])) is not None}
    paragraphs = Paragraphs(qa)
    out = []
    for q in questions:
        gold = q.get("gold") or []
        if not q.get("answerable", True) or not gold:
            continue
        docs = tuple(dict.fromkeys(g["doc"] for g in gold))
        answer = squash(str(q.get("answer") or ""))
        wanted = [squash(g["evidence"]) for g in gold] + ([answer] if len(answer) >= 4 else [])
        facts = [squash(f) for f in q.get("key_facts") or []]
        others = [text for doc, text in texts.items() if doc not in docs]
        if any(w and w in text for text in others for w in wanted) or (
                facts and any(all(f in text for f in facts) for text in others)) or any(
                paragraphs.restated(w, docs) for w in wanted):
            continue
        out.append({**q, "id": q["id"] + "#without-gold", "type": "negative", "answerable": False,
                    "exclude": docs, "key_facts": []})
    return out


def figure_negatives_of(qa: PolicyQA, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A question asking for a figure (amount, share, count, date, phone) asked with the paragraphs
    that state it taken out. Its document is still there, with related figures (a total where a
    per-firm amount is asked), but not the one asked. Left out when the figure still stands
    elsewhere: its extractive answer or all its key facts, in what remains."""
    docs = {d["doc"]: doc.text for d in qa.documents() if (doc := qa.document(d["doc"])) is not None}
    whole = {d: squash(text) for d, text in docs.items()}
    out = []
    for q in questions:
        gold = q.get("gold") or []
        if not q.get("answerable", True) or not gold or expected_kind(q["question"]) not in FIGURE_KINDS:
            continue
        spans, problems = gold_spans(qa, q)
        if problems or not spans:
            continue
        hidden = [(c.doc_id, c.start, c.end) for c in qa.retriever.view.snapshot().chunks
                  if any(g.overlaps(c.doc_id, c.start, c.end) for g in spans)]
        rest = dict(whole)  # what remains of each document with the stating paragraphs cut out
        for d in {h[0] for h in hidden}:
            text = docs[d]
            for _, hs, he in sorted((h for h in hidden if h[0] == d), key=lambda h: -h[1]):
                text = text[:hs] + "\n" + text[he:]
            rest[d] = squash(text)
        answer = squash(str(q.get("answer") or ""))
        facts = [squash(f) for f in q.get("key_facts") or []]
        wanted = facts or ([answer] if len(answer) >= 2 else [])
        if not wanted or any(all(w in text for w in wanted) for text in rest.values()):
            continue
        out.append({**q, "id": q["id"] + "#without-evidence", "type": "negative-figure", "answerable": False,
                    "exclude_spans": hidden, "key_facts": []})
    return out

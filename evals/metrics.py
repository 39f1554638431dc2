"""Scoring one question and aggregating many. Pure functions over plain data."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rag.index.lexical import normalise

K_VALUES = (1, 5, 10)


@dataclass(frozen=True)
class Span:
    doc: str
    start: int
    end: int

    def overlaps(self, doc: str, start: int, end: int) -> bool:
        return doc == self.doc and start < self.end and end > self.start


def locate(text: str, evidence: str) -> tuple[int, int] | None:
    """Span of an evidence string in a document; tolerant of whitespace differences."""
    i = text.find(evidence)
    if i >= 0:
        return i, i + len(evidence)
    # Whitespace-insensitive search: map positions of non-space characters.
    keep = [(j, ch) for j, ch in enumerate(text) if not ch.isspace()]
    squeezed = "".join(ch for _, ch in keep)
    target = re.sub(r"\s+", "", evidence)
    i = squeezed.find(target)
    if i < 0 or not target:
        return None
    return keep[i][0], keep[i + len(target) - 1][0] + 1


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", normalise(text))


def score_question(
    gold: Sequence[Span], retrieved: Sequence[tuple[str, int, int]], answer: dict[str, Any],
    key_facts: Sequence[str], answerable: bool, extract: str = "",
) -> dict[str, Any]:
    """Per-question scores; retrieved is (doc, start, end) best first; answer is the ask --json object.
    `extract`: the gold answer when it is a span of the document (the ncp questions), which a right
    extractive answer quotes whole: answer_recall is 1 when it stands in the answer."""
    out: dict[str, Any] = {"refused": bool(answer["refused"])}
    if answerable and gold:
        first = next((r + 1 for r, (d, s, e) in enumerate(retrieved) if any(g.overlaps(d, s, e) for g in gold)), None)
        out["rr"] = 1.0 / first if first else 0.0
        for k in K_VALUES:
            top = retrieved[:k]
            hit = sum(1 for g in gold if any(g.overlaps(d, s, e) for d, s, e in top))
            out[f"recall@{k}"] = hit / len(gold)
    if answerable and key_facts:
        text = _squash(answer["answer"]) if not answer["refused"] else ""
        out["key_facts_found"] = [f for f in key_facts if _squash(f) in text]
        out["key_fact_recall"] = len(out["key_facts_found"]) / len(key_facts)
    if answerable and extract:
        out["answer_recall"] = float(not answer["refused"] and _squash(extract) in _squash(answer["answer"]))
    if answerable and gold and not answer["refused"]:
        cites = answer["citations"]
        good = sum(1 for c in cites if any(g.overlaps(c["doc"], c["start"], c["end"]) for g in gold))
        out["citations"] = len(cites)
        out["citations_correct"] = good
    return out


def aggregate(items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    items = list(items)
    answerable = [i for i in items if i["answerable"]]
    unanswerable = [i for i in items if not i["answerable"]]
    with_gold = [i["scores"] for i in answerable if "rr" in i["scores"]]
    retrieval = {f"recall@{k}": _mean(s[f"recall@{k}"] for s in with_gold) for k in K_VALUES}
    retrieval["mrr"] = _mean(s["rr"] for s in with_gold)
    cites = sum(i["scores"].get("citations", 0) for i in answerable)
    correct = sum(i["scores"].get("citations_correct", 0) for i in answerable)
    answer = {
        "key_fact_recall": _mean(
            i["scores"]["key_fact_recall"] for i in answerable if "key_fact_recall" in i["scores"]
        ),
        "answer_recall": _mean(i["scores"]["answer_recall"] for i in answerable if "answer_recall" in i["scores"]),
        "citation_precision": correct / cites if cites else None,
        "refusal_accuracy": _mean(1.0 if i["scores"]["refused"] else 0.0 for i in unanswerable),
        "false_refusal_rate": _mean(1.0 if i["scores"]["refused"] else 0.0 for i in answerable),
    }
    lat = [i["latency_ms"] for i in items if "latency_ms" in i]
    latency = {
        "p50_ms": _pct(lat, 50),
        "p95_ms": _pct(lat, 95),
    }
    return {"n": len(items), "retrieval": retrieval, "answer": answer, "latency": latency}


def by_type(items: Sequence[dict[str, Any]]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for i in items:
        groups[i["type"]].append(i)
    return {t: aggregate(g) for t, g in sorted(groups.items())}


def _mean(values: Iterable[float]) -> float | None:
    vals = list(values)
    return round(statistics.fmean(vals), 4) if vals else None


def _pct(values: Sequence[float], p: float) -> float | None:
    if not values:
        return None
    vals = sorted(values)
    idx = min(len(vals) - 1, max(0, round(p / 100 * (len(vals) - 1))))
    return round(vals[idx], 1)

"""Run gold questions through the system and write a JSON report (overall, by type, per question)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals.metrics import Span, aggregate, by_type, locate, score_question
from rag.assessment import FIGURE_KINDS
from rag.evidence import expected_kind
from rag.retrieval import Filters
from rag.service import PolicyQA


def load_questions(path: Path) -> list[dict[str, Any]]:
    questions = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                q = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not valid JSON ({exc.msg})") from exc
            for field in ("id", "question"):
                if field not in q:
                    raise ValueError(f"{path}:{n}: missing field {field!r}")
            questions.append(q)
    return questions


def gold_spans(qa: PolicyQA, q: dict[str, Any]) -> tuple[list[Span], list[str]]:
    spans, problems = [], []
    for g in q.get("gold") or []:
        doc = qa.document(g["doc"])
        where = locate(doc.text, g["evidence"]) if doc else None
        if where is None:
            problems.append(f"evidence not found in {g['doc']}: {g['evidence'][:30]}")
        else:
            spans.append(Span(g["doc"], *where))
    return spans, problems


def negatives_of(qa: PolicyQA, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Must-refuse questions made from answerable ones (as the RGB benchmark does): the question is
    asked with its gold document(s) taken out of the search, so the documents left do not answer it.
    A question that another document still answers is left out: its evidence or its (extractive)
    answer stands verbatim there, or all its key facts do."""
    squash = lambda t: re.sub(r"\s+", "", t)  # noqa: E731
    texts = {d["doc"]: squash(doc.text) for d in qa.documents() if (doc := qa.document(d["doc"])) is not None}
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
                facts and any(all(f in text for f in facts) for text in others)):
            continue
        out.append({**q, "id": q["id"] + "#without-gold", "type": "negative", "answerable": False,
                    "exclude": docs, "key_facts": []})
    return out


def figure_negatives_of(qa: PolicyQA, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Must-refuse questions of the other kind: a question asking for a figure (amount, share, count,
    date, phone) asked with the paragraphs that state it taken out. Its document is still there, with
    related figures (a total where a per-firm amount is asked), but not the one asked. Left out when
    the figure still stands elsewhere: its extractive answer or all its key facts, in what remains."""
    squash = lambda t: re.sub(r"\s+", "", t)  # noqa: E731
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


def run_eval(qa: PolicyQA, questions: list[dict[str, Any]], k: int = 10,
             progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    items = []
    for n, q in enumerate(questions, 1):
        history = q.get("history") or []
        spans, problems = gold_spans(qa, q)
        filters = Filters(exclude=tuple(q.get("exclude") or ()),
                          exclude_spans=tuple(tuple(x) for x in q.get("exclude_spans") or ())) if (
            q.get("exclude") or q.get("exclude_spans")) else None
        t0 = time.perf_counter()
        answer = qa.ask(q["question"], history=history, filters=filters)
        latency = (time.perf_counter() - t0) * 1000
        retrieved = qa.answerer.search(q["question"], history, filters=filters, k=k).retrieved
        ans = answer.to_json()
        answerable = bool(q.get("answerable", True))
        item = {
            "id": q["id"], "type": q.get("type", ""), "question": q["question"], "answerable": answerable,
            "latency_ms": round(latency, 1),
            "scores": score_question(spans, [(r.chunk.doc_id, r.chunk.start, r.chunk.end) for r in retrieved],
                                     ans, q.get("key_facts") or [], answerable),
            "answer": ans["answer"], "refused": ans["refused"], "mode": ans["mode"], "notice": ans["notice"],
            "verification": ans["verification"],
            "citations": [f"{c['doc']}#{c['start']}-{c['end']}" for c in ans["citations"]],
            "top_retrieved": [r.chunk.chunk_id for r in retrieved[:5]],
        }
        if problems:
            item["gold_problems"] = problems
        items.append(item)
        if progress:
            progress(n, len(questions))
    report = aggregate([i for i in items if not i["type"].startswith("negative")])
    for kind, key in (("negative", "negatives"), ("negative-figure", "figure_negatives")):
        negatives = [i for i in items if i["type"] == kind]
        if negatives:
            report[key] = {"n": len(negatives),
                           "refusal_accuracy": aggregate(negatives)["answer"]["refusal_accuracy"]}
    report.update({
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "llm" if qa.settings.llm_enabled else "extractive",
        "verifier": verifier_counts(items),
        "embedder": qa.embedder.model_id,
        "by_type": by_type(items),
        "questions": items,
    })
    return report


def verifier_counts(items: list[dict[str, Any]]) -> dict[str, int]:
    """What the LLM-answer checks did over a run (all zero in extractive mode)."""
    return {
        "answers_by_llm": sum(1 for i in items if i["mode"] == "llm"),
        "fallbacks_to_extractive": sum(
            1 for i in items if i["mode"] == "extractive" and "离线摘录" in i["notice"]
        ),
        "markers_removed": sum(i["verification"].get("markers_removed", 0) for i in items),
        "sentences_dropped": sum(i["verification"].get("sentences_dropped", 0) for i in items),
    }


def write_report(report: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


def headline(report: dict[str, Any]) -> str:
    r, a, lat = report["retrieval"], report["answer"], report["latency"]

    def f(x: Any) -> str:
        return "n/a" if x is None else f"{x:.3f}"

    v = report.get("verifier", {})
    llm = (f"  llm answers={v.get('answers_by_llm')} fallbacks={v.get('fallbacks_to_extractive')} "
           f"markers_removed={v.get('markers_removed')} sentences_dropped={v.get('sentences_dropped')}"
           if report.get("mode") == "llm" else "")
    for key in ("negatives", "figure_negatives"):
        neg = report.get(key)
        llm += f"  {key} n={neg['n']} refusal={f(neg['refusal_accuracy'])}" if neg else ""
    return (
        f"[{report.get('mode')}{'/' + report['split'] if report.get('split') else ''}] n={report['n']} "
        f"  recall@1={f(r['recall@1'])} recall@5={f(r['recall@5'])} "
        f"recall@10={f(r['recall@10'])} "
        f"mrr={f(r['mrr'])}  key_fact_recall={f(a['key_fact_recall'])} citation_precision={f(a['citation_precision'])} "
        f"refusal_accuracy={f(a['refusal_accuracy'])} false_refusal_rate={f(a['false_refusal_rate'])}  "
        f"latency p50={lat['p50_ms']}ms p95={lat['p95_ms']}ms{llm}"
    )

"""Run gold questions through the system and write a JSON report (overall, by type, per question)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from evals.metrics import Span, aggregate, by_type, locate, score_question
from rag.app.service import PolicyQA
from rag.search.retrieval import Filters


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
                                     ans, q.get("key_facts") or [], answerable,
                                     extract=str(q.get("answer") or "") if q.get("type") == "external" else ""),
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
        "mode": qa.mode,
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
        f"mrr={f(r['mrr'])}  key_fact_recall={f(a['key_fact_recall'])} answer_recall={f(a.get('answer_recall'))} "
        f"citation_precision={f(a['citation_precision'])} "
        f"refusal_accuracy={f(a['refusal_accuracy'])} false_refusal_rate={f(a['false_refusal_rate'])}  "
        f"latency p50={lat['p50_ms']}ms p95={lat['p95_ms']}ms{llm}"
    )

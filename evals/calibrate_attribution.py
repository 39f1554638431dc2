"""Choose rag.answer.attribution's thresholds on the tuning split, from the model's own outputs.

The model runs once per tuning question (outputs cached in evals/results/llm-raw-<model>-<split>.json);
each threshold pair then re-verifies the same outputs, so the grid costs no further model time.
Reports key-fact recall, citation precision and the share of answers the model wrote (the rest fell
back to extractive) for each pair; the test split is never read here.

    POLICY_QA_LLM=local python -m evals.calibrate_attribution --questions ../shared/evals/dev.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from evals.harness import gold_spans, load_questions
from evals.metrics import score_question
from evals.splits import select
from rag.answer import attribution
from rag.answer.generation.prompts import answer_inputs
from rag.app.service import PolicyQA
from rag.settings import Settings

GRID = [(c, n) for c in (0.5, 0.6, 0.7, 0.8, 0.9) for n in (2, 4, 6, 8)]


def outputs(qa: PolicyQA, questions: list[dict[str, Any]], cache: Path) -> dict[str, str]:
    done: dict[str, str] = json.loads(cache.read_text(encoding="utf-8")) if cache.exists() else {}
    gen = qa.answerer.generator
    for q in questions:
        if q["id"] in done:
            continue
        ev = qa.answerer.assess(q["question"], q.get("history") or [])
        if ev.refused:
            done[q["id"]] = ""
            continue
        inputs, _ = answer_inputs(ev)
        done[q["id"]] = "".join(gen.answer_chain.stream(inputs))  # type: ignore[attr-defined]
        cache.write_text(json.dumps(done, ensure_ascii=False, indent=1), encoding="utf-8")
    return done


def score(qa: PolicyQA, questions: list[dict[str, Any]], raw: dict[str, str]) -> dict[str, float]:
    gen = qa.answerer.generator
    kf, cit, llm, n_kf, n_cit = 0.0, 0.0, 0, 0, 0
    for q in questions:
        if not q.get("answerable", True):
            continue
        ev = qa.answerer.assess(q["question"], q.get("history") or [])
        if ev.refused:
            answer = qa.ask(q["question"], history=q.get("history") or [])
        else:
            _, ranks = answer_inputs(ev)
            answer = gen.finish(ev, raw[q["id"]], ranks)  # type: ignore[attr-defined]
        spans, _ = gold_spans(qa, q)
        s = score_question(spans, [], answer.to_json(), q.get("key_facts") or [], True)
        llm += answer.mode == "llm"
        if s.get("key_fact_recall") is not None:
            kf, n_kf = kf + s["key_fact_recall"], n_kf + 1
        if "citations" in s:  # as evals.metrics.aggregate counts it: correct citations / citations
            cit, n_cit = cit + s["citations_correct"], n_cit + s["citations"]
    n = sum(1 for q in questions if q.get("answerable", True))
    return {"key_fact_recall": kf / max(n_kf, 1), "citation_precision": cit / max(n_cit, 1), "llm_share": llm / n}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--questions", default="../shared/evals/dev.jsonl")
    ap.add_argument("--split-name", default="dev")
    ap.add_argument("--out", default="evals/results")
    args = ap.parse_args()
    settings = Settings.from_env().with_overrides(llm_timeout=120.0)
    qa = PolicyQA(settings)
    if qa.mode != "llm":
        raise SystemExit("no model: set POLICY_QA_LLM=local (or an endpoint)")
    questions = select(load_questions(Path(args.questions)), args.split_name, "tuning")
    model = settings.local_model if not settings.llm_base_url else (settings.llm_model or "endpoint")
    cache = Path(args.out) / f"llm-raw-{model}-{args.split_name}-tuning.json"
    t0 = time.time()
    raw = outputs(qa, questions, cache)
    print(f"{len(raw)} outputs in {time.time() - t0:.0f} s ({cache})")
    rows = []
    for cov, count in GRID:
        attribution.MIN_COVERAGE, attribution.MIN_COVERED = cov, count
        rows.append({"min_coverage": cov, "min_covered": count, **score(qa, questions, raw)})
        print(json.dumps(rows[-1]))
    (Path(args.out) / f"attribution-{model}-{args.split_name}-tuning.json").write_text(
        json.dumps(rows, indent=1), encoding="utf-8")
    qa.close()


if __name__ == "__main__":
    main()

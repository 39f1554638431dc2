"""LLM mode with the bundled models against extractive mode, on the dev test split.

For each model: time to the first verified sentence and to the whole answer (p50/p95, as the chat
streams it: `PolicyQA.ask_stream`), sentences the verifier removed, and the peak RSS of the llama.cpp
server; quality (key-fact recall, citation precision, refusal accuracy) comes from `policy-qa eval
--mode llm` reports when they exist (evals/results/dev-test-llm-<size>.json). Writes
evals/results/llm-<date>.json and .md.

    python -m evals.bench_llm --shared ../shared [--models 0.5b 1.5b]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import date
from pathlib import Path
from typing import Any

from evals.harness import load_questions
from evals.splits import select
from rag.app.service import PolicyQA
from rag.settings import Settings


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p * len(xs)))], 2) if xs else float("nan")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(size: str, questions: list[dict[str, Any]]) -> dict[str, Any]:
    settings = Settings.from_env().with_overrides(llm="local", local_model=size, llm_base_url="", llm_timeout=90.0)
    t0 = time.monotonic()
    qa = PolicyQA(settings)
    start_s = time.monotonic() - t0
    if qa.mode != "llm":
        raise SystemExit(f"the bundled {size} model did not start (see the log)")
    first, whole, dropped, by_model = [], [], 0, 0
    for q in questions:
        t = time.monotonic()
        seen_first = None
        last = None
        for last in qa.ask_stream(q["question"], history=q.get("history") or []):
            if seen_first is None and last.mode == "llm" and not last.refused:
                seen_first = time.monotonic() - t
        if last is None or last.refused:
            continue
        whole.append(time.monotonic() - t)
        if last.mode == "llm" and seen_first is not None:
            by_model += 1
            first.append(seen_first)
        dropped += int(last.verification.get("sentences_dropped", 0))
    rss = _peak_rss_mb(qa.answerer.generator.server.proc.pid)  # type: ignore[attr-defined]
    qa.close()
    report = Path("evals/results") / f"dev-test-llm-{size}.json"
    quality = json.loads(report.read_text(encoding="utf-8")) if report.exists() else {}
    return {
        "model": size, "start_s": round(start_s, 1), "answered": len(whole), "answers_by_model": by_model,
        "first_sentence_s": {"p50": _pct(first, 0.5), "p95": _pct(first, 0.95)},
        "whole_answer_s": {"p50": _pct(whole, 0.5), "p95": _pct(whole, 0.95),
                           "mean": round(statistics.mean(whole), 2) if whole else None},
        "sentences_dropped": dropped, "server_peak_rss_mb": round(rss),
        "quality": {**quality.get("answer", {}), "negatives": quality.get("negatives"),
                    "figure_negatives": quality.get("figure_negatives")} if quality else None,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--models", nargs="+", default=["0.5b", "1.5b"])
    args = ap.parse_args()
    questions = select(load_questions(Path(args.shared) / "evals" / "dev.jsonl"), "dev", "test")
    results = [run(size, questions) for size in args.models]
    out = Path("evals/results") / f"llm-{date.today()}"
    out.with_suffix(".json").write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = ["| model | start s | answered by model | first verified sentence p50 / p95 s | whole answer p50 / p95 s "
             "| sentences dropped | server peak RSS MB |", "|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r['model']} | {r['start_s']} | {r['answers_by_model']} of {r['answered']} | "
                     f"{r['first_sentence_s']['p50']} / {r['first_sentence_s']['p95']} | "
                     f"{r['whole_answer_s']['p50']} / {r['whole_answer_s']['p95']} | {r['sentences_dropped']} | "
                     f"{r['server_peak_rss_mb']} |")
    out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

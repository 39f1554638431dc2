"""Questions and figures of `make loadtest`: one request's result, percentiles, phase summaries."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Result:
    sent: float  # seconds since the phase started
    ms: float
    error: str  # "" when the request was answered
    qid: str
    answerable: bool
    refused: bool = False



def load_questions(path: Path) -> list[dict[str, Any]]:
    """Questions in the gold format (id, question, optional history and answerable).

    Read here rather than through evals.harness, which imports the whole library: the client
    process should stay small on a 2-core machine that also runs the server.
    """
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            q = json.loads(line)
            if "question" not in q:
                raise ValueError(f"{path}:{n}: missing field 'question'")
            questions.append(q)
    if not questions:
        raise ValueError(f"{path}: no questions")
    return questions


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    vals = sorted(values)
    return round(vals[min(len(vals) - 1, max(0, math.ceil(p / 100 * len(vals)) - 1))], 1)


def summarize(results: list[Result], seconds: float) -> dict[str, Any]:
    """Counts, latency percentiles and refusals of answerable questions for a list of results."""
    ok = [r for r in results if not r.error]
    ms = [r.ms for r in results]
    answerable = [r for r in ok if r.answerable]
    return {
        "requests": len(results), "errors": len(results) - len(ok),
        "error_kinds": dict(Counter(r.error.split(":")[0] for r in results if r.error)),
        "error_examples": sorted({r.error for r in results if r.error})[:10],
        "p50_ms": percentile(ms, 50), "p95_ms": percentile(ms, 95), "max_ms": round(max(ms, default=0), 1),
        "seconds": round(seconds, 1), "requests_per_s": round(len(results) / seconds, 2) if seconds else 0.0,
        "answerable_answered": len(answerable),
        "answerable_refused": sum(r.refused for r in answerable),
    }


def refused_ids(results: list[Result]) -> set[str]:
    return {r.qid for r in results if not r.error and r.answerable and r.refused}



def phase_line(p: dict[str, Any]) -> str:
    rss = p["rss_mb"]
    line = (f"loadtest: phase {p['name']}: requests={p['requests']} errors={p['errors']} p50={p['p50_ms']:.0f}ms "
            f"p95={p['p95_ms']:.0f}ms max={p['max_ms']:.0f}ms rps={p['requests_per_s']} "
            f"refused_answerable={p['answerable_refused']}/{p['answerable_answered']} "
            f"rss={rss.get('start')}->{rss.get('max')}(max)->{rss.get('end')}MB")
    if "reindex" in p:
        r = p["reindex"]
        what = f"finished at {r['finished_s']}s" if r["ok"] else f"FAILED ({r['error']})"
        line += f"\nloadtest:   re-index triggered at {r['triggered_s']}s, {what}"
    if "during_reindex" in p:
        d = p["during_reindex"]
        line += (f"; while it ran: requests={d['requests']} errors={d['errors']} p50={d['p50_ms']:.0f}ms "
                 f"p95={d['p95_ms']:.0f}ms refused_answerable={d['answerable_refused']}/{d['answerable_answered']}")
    return line

"""政策匹配 against the gold profiles (evals/match/*.jsonl): measure recall and precision (a listed
measure is right when its span overlaps a gold evidence span of the same document; recall counts a
gold measure found when any listed measure overlaps it), amounts exact (every gold amount appears
as written in a listed measure that overlaps it), and the share of listed measures whose document's
place does not cover the profile's (must be 0). By split, the test split first.

    python -m evals.match_eval [--gold evals/match/seed.jsonl] [--split test] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evals.splits import select
from rag.app.service import PolicyQA
from rag.match.matching import Matcher, Profile
from rag.search.places import Places
from rag.settings import Settings


def _span(text: str, evidence: str) -> tuple[int, int] | None:
    i = text.find(evidence)
    return (i, i + len(evidence)) if i >= 0 else None


def score(qa: PolicyQA, profiles: list[dict[str, Any]], matcher: Matcher | None = None) -> dict[str, Any]:
    """The figures over some gold profiles (with the service's matcher unless another is given)."""
    meta = {d["doc"]: d for d in qa.documents()}

    def gold_spans(item: dict[str, Any]) -> list[tuple[str, int, int, str | None]]:
        out = []
        for g in item.get("gold", []):
            doc = qa.document(g["doc"])
            span = _span(doc.text, g["evidence"]) if doc else None
            if span:
                out.append((g["doc"], *span, g.get("amount")))
        return out

    return score_spans(profiles, matcher or qa.matcher, meta, gold_spans)


def score_spans(profiles: list[dict[str, Any]], matcher: Matcher, meta: dict[str, dict[str, Any]],
                gold_spans: Callable[[dict[str, Any]], list[tuple[str, int, int, str | None]]]) -> dict[str, Any]:
    """The figures, with each profile's gold measures as spans (document, start, end, amount) and the
    documents' metadata (their places) as the matcher's index holds them."""
    found_gold = total_gold = right = listed = wrong_place = amounts_ok = amounts_total = 0
    per: list[dict[str, Any]] = []
    times: list[float] = []
    places = Places(str(m.get("region") or "") for m in meta.values())
    for item in profiles:
        p = item["profile"]
        profile = Profile(p["region"], p.get("industry", ""), tuple(p.get("needs") or ()), p.get("facts") or {})
        t = time.perf_counter()
        result = matcher.match(profile)
        times.append(time.perf_counter() - t)
        gold = gold_spans(item)
        got = [(m.measure.doc_id, m.measure.start, m.measure.end, m) for m in result.matches]
        # a measure listed under two needs is one measure
        seen: dict[tuple[str, int, int], Any] = {}
        for doc_id, s, e, m in got:
            seen.setdefault((doc_id, s, e), m)
        hits = [(d, s, e) for (d, s, e) in seen if any(d == gd and s < ge and gs < e for gd, gs, ge, _ in gold)]
        found = [g for g in gold if any(g[0] == d and d_s < g[2] and g[1] < d_e for (d, d_s, d_e) in seen)]
        for gd, gs, ge, amount in gold:
            if amount:
                amounts_total += 1
                amounts_ok += any(gd == d and s < ge and gs < e and any(amount in a for a in m.measure.amounts)
                                  for (d, s, e), m in seen.items())
        bad_place = [d for (d, _, _) in seen
                     if not places.covers(places.resolve(str(meta[d].get("region") or "")), result.place)]
        right += len(hits)
        listed += len(seen)
        found_gold += len(found)
        total_gold += len(gold)
        wrong_place += len(bad_place)
        per.append({"id": item["id"], "listed": len(seen), "right": len(hits), "gold": len(gold), "found": len(found),
                    "wrong_place": len(bad_place), "notice": result.notice})
    return {
        "profiles": len(profiles),
        "measure_recall": round(found_gold / total_gold, 3) if total_gold else None,
        "measure_precision": round(right / listed, 3) if listed else None,
        "amounts_exact": round(amounts_ok / amounts_total, 3) if amounts_total else None,
        "amounts": amounts_total,
        "wrong_place_share": round(wrong_place / listed, 3) if listed else 0.0,
        "latency_ms": {"p50": round(1000 * statistics.median(times), 1) if times else None,
                       "max": round(1000 * max(times), 1) if times else None},
        "per_profile": per,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gold", default="evals/match/seed.jsonl")
    ap.add_argument("--split", choices=["tuning", "test"], default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    items = [json.loads(x) for x in Path(args.gold).read_text(encoding="utf-8").splitlines() if x.strip()]
    qa = PolicyQA(Settings.from_env())
    report = {}
    for split in ([args.split] if args.split else ["test", "tuning"]):
        report[split] = score(qa, select(items, "match", split))
        r = report[split]
        print(f"[match/{split}] profiles={r['profiles']} recall={r['measure_recall']} "
              f"precision={r['measure_precision']} amounts_exact={r['amounts_exact']} ({r['amounts']}) "
              f"wrong_place={r['wrong_place_share']} p50={r['latency_ms']['p50']}ms")
    qa.close()
    if args.out:
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

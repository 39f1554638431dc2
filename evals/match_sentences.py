"""The measure detector on sentences of documents it was never built on: 1,920 sentences drawn at random
from the 599 ncp notices, labelled by hand (evals/match/ncp_sentences.jsonl: measure or not, the
kinds of need, the amount). Each notice is loaded and chunked as ingest does; a sentence counts as
detected when a measure of its document overlaps it. By split, the test split first.

    python -m evals.match_sentences --shared ../shared [--split test]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from evals.splits import select
from rag.ingest.chunking import chunk_document
from rag.ingest.loading import load_file
from rag.match.measures import measures_of


def score(items: list[dict[str, Any]], corpus: Path) -> dict[str, Any]:
    by_doc: dict[str, list[Any]] = {}
    for item in items:
        if item["doc"] not in by_doc:
            by_doc[item["doc"]] = measures_of(chunk_document(load_file(corpus / item["doc"])))
    tp = fp = fn = tn = need_ok = need_n = amount_ok = amount_n = 0
    for item in items:
        hit = [m for m in by_doc[item["doc"]] if m.start < item["end"] and item["start"] < m.end]
        if item["measure"]:
            if hit:
                tp += 1
                if item["needs"]:
                    need_n += 1
                    need_ok += bool(set(item["needs"]) & set(hit[0].needs))
                if item.get("amount"):
                    amount_n += 1
                    amount_ok += any(item["amount"] in a for m in hit for a in m.amounts)
            else:
                fn += 1
        elif hit:
            fp += 1
        else:
            tn += 1
    return {"sentences": len(items), "measures": tp + fn,
            "recall": round(tp / (tp + fn), 3) if tp + fn else None,
            "precision": round(tp / (tp + fp), 3) if tp + fp else None,
            "need_agrees": round(need_ok / need_n, 3) if need_n else None,
            "amounts_found": f"{amount_ok}/{amount_n}", "confusion": {"tp": tp, "fp": fp, "fn": fn, "tn": tn}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--gold", default="evals/match/ncp_sentences.jsonl")
    ap.add_argument("--split", choices=["tuning", "test"], default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    items = [json.loads(x) for x in Path(args.gold).read_text(encoding="utf-8").splitlines() if x.strip()]
    corpus = Path(args.shared) / "bench" / "ncp" / "corpus"
    report = {}
    for split in ([args.split] if args.split else ["test", "tuning"]):
        report[split] = r = score(select(items, "ncp-sentences", split), corpus)
        print(f"[ncp-sentences/{split}] n={r['sentences']} measures={r['measures']} recall={r['recall']} "
              f"precision={r['precision']} need_agrees={r['need_agrees']} amounts={r['amounts_found']}")
    if args.out:
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()

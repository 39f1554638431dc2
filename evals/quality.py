"""Summarise `make eval`'s reports (dev and ncp, tuning and test split, with negatives) as
evals/results/quality.md: the test split first, since only it was never tuned on."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

ROWS = (("ncp", "test"), ("dev", "test"), ("ncp", "tuning"), ("dev", "tuning"))


def _f(x: Any) -> str:
    return "—" if x is None else f"{x:.3f}"


def row(name: str, report: dict[str, Any]) -> str:
    r, a, neg = report["retrieval"], report["answer"], report.get("negatives") or {}
    return (f"| {name} | {report['n']} | {_f(r['recall@5'])} | {_f(r['mrr'])} | {_f(a['key_fact_recall'])} | "
            f"{_f(a['citation_precision'])} | {_f(a['refusal_accuracy'])} | {_f(a['false_refusal_rate'])} | "
            f"{neg.get('n', 0)} | {_f(neg.get('refusal_accuracy'))} | {report['latency']['p50_ms']} / "
            f"{report['latency']['p95_ms']} |")


def summary(results: Path) -> str:
    lines = ["# Quality by split (`make eval`, offline extractive mode)", "",
             "| set | n | recall@5 | MRR | key-fact recall | citation precision | refusal acc. (unanswerable) | "
             "false refusals | negatives n | refusal on negatives | p50 / p95 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    by_type: list[str] = []
    for corpus, split in ROWS:
        path = results / f"{corpus}-{split}.json"
        if not path.exists():
            continue
        report = json.loads(path.read_text(encoding="utf-8"))
        lines.append(row(f"{corpus} {split}", report))
        if corpus == "dev":
            for t, sub in report.get("by_type", {}).items():
                if t != "negative":
                    by_type.append(row(f"dev {split} · {t}", sub))
    lines += ["", "Negatives: each answerable question asked with its gold document(s) left out of the search "
              "(must refuse); questions whose evidence also stands in another document are left out.", "",
              "## Dev by type", "", lines[2], lines[3], *by_type, ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", default="evals/results")
    args = p.parse_args(argv)
    text = summary(Path(args.results))
    (Path(args.results) / "quality.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

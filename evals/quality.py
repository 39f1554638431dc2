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
    fig = report.get("figure_negatives") or {}
    return (f"| {name} | {report['n']} | {_f(r['recall@5'])} | {_f(r['mrr'])} | {_f(a['key_fact_recall'])} | "
            f"{_f(a.get('answer_recall'))} | {_f(a['citation_precision'])} | {_f(a['refusal_accuracy'])} | "
            f"{_f(a['false_refusal_rate'])} | "
            f"{neg.get('n', 0)} | {_f(neg.get('refusal_accuracy'))} | {fig.get('n', 0)} | "
            f"{_f(fig.get('refusal_accuracy'))} | {report['latency']['p50_ms']} / "
            f"{report['latency']['p95_ms']} |")


def summary(results: Path) -> str:
    lines = ["# Quality by split (`make eval`, offline extractive mode)", "",
             "| set | n | recall@5 | MRR | key-fact recall | answer recall | citation precision | "
             "refusal acc. (unanswerable) | "
             "false refusals | negatives n | refusal on negatives | figure negatives n | refusal on them | "
             "p50 / p95 ms |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
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
              "(must refuse); questions another document still answers are left out. Figure negatives: a "
              "question asking for an amount, share, count, date or phone asked with the paragraphs stating it "
              "left out (its document, with related figures, stays). Answer recall (ncp): the gold extractive answer "
              "stands whole in the answer.", "",
              "## Dev by type", "", lines[2], lines[3], *by_type, ""]
    return "\n".join(lines)


def update_card(card: Path, text: str) -> None:
    """Put the test-split rows of the summary into the model's data card."""
    if not card.exists():
        return
    body = card.read_text(encoding="utf-8")
    head = body.split("## Test-split figures")[0].rstrip()
    rows = [line for line in text.splitlines() if line.startswith(("| set", "|---")) or " test |" in line[:14]]
    table = rows[:2] + [r for r in rows[2:] if r.startswith(("| ncp test", "| dev test"))]
    card.write_text(head + "\n\n## Test-split figures\n\nMeasured by `make eval` on the test split, which the "
                    "model never saw (evals/results/quality.md):\n\n" + "\n".join(table) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    from rag.answer.answer_model import MODEL_PATH

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", default="evals/results")
    p.add_argument("--card", default=str(MODEL_PATH.with_suffix(".md")))
    args = p.parse_args(argv)
    text = summary(Path(args.results))
    (Path(args.results) / "quality.md").write_text(text, encoding="utf-8")
    update_card(Path(args.card), text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

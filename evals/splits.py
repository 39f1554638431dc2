"""Tuning and test splits of the gold questions, fixed by a hash of each question's id.

Anything fitted (the answer model, its threshold, any constant) is fitted on the tuning split only;
the test split only measures. The id lists are kept in evals/splits/ so a run can be repeated and a
split cannot drift when a question file grows.

    python -m evals.splits --questions FILE --name NAME   # writes evals/splits/NAME-{tuning,test}.txt
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SPLIT_DIR = Path(__file__).parent / "splits"
SPLITS = ("tuning", "test")


def split_of(question_id: str) -> str:
    """'tuning' or 'test', half and half by the first byte of sha256(id)."""
    return "tuning" if hashlib.sha256(question_id.encode("utf-8")).digest()[0] < 128 else "test"


def load_ids(name: str, split: str, folder: Path = SPLIT_DIR) -> set[str]:
    path = folder / f"{name}-{split}.txt"
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such split (make it with `python -m evals.splits`)")
    return {line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()}


def select(questions: Iterable[dict[str, Any]], name: str, split: str | None,
           folder: Path = SPLIT_DIR) -> list[dict[str, Any]]:
    """The questions of one recorded split (all of them when split is None). A question not in the
    recorded lists is placed by its hash, so a new question never lands in both."""
    qs = list(questions)
    if split is None:
        return qs
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    try:
        recorded = {s: load_ids(name, s, folder) for s in SPLITS}
    except FileNotFoundError:
        recorded = {s: set() for s in SPLITS}
    out = []
    for q in qs:
        qid = q["id"]
        where = next((s for s in SPLITS if qid in recorded[s]), None) or split_of(qid)
        if where == split:
            out.append(q)
    return out


def write(questions: Iterable[dict[str, Any]], name: str, folder: Path = SPLIT_DIR) -> dict[str, int]:
    folder.mkdir(parents=True, exist_ok=True)
    ids: dict[str, list[str]] = {s: [] for s in SPLITS}
    for q in questions:
        ids[split_of(q["id"])].append(q["id"])
    for s in SPLITS:
        (folder / f"{name}-{s}.txt").write_text("".join(f"{i}\n" for i in sorted(ids[s])), encoding="utf-8")
    return {s: len(v) for s, v in ids.items()}


def main(argv: list[str] | None = None) -> int:
    from evals.harness import load_questions

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--questions", required=True)
    p.add_argument("--name", required=True, help="split name, e.g. dev or ncp")
    args = p.parse_args(argv)
    print(write(load_questions(Path(args.questions)), args.name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Does a measure model trained on notices and regulations judge plans and reply letters? The kinds of
text apart: the rule and the measure model alone on notices (the ncp profiles), on plans and reply
letters (the seed profiles), and what the hand labels themselves would score there.

- The threshold is chosen on the tuning halves of the ncp and laws sentences only, where each
  sentence is judged by a model fitted without its document's fold (five folds by document): the
  best mean F1 of the two.
- The ncp profiles (evals/match_ncp.py, test only) are judged by that model fitted on both tuning
  halves and all seed sentences (it never learns the profiles' notices).
- The seed profiles are judged document by document, each by a model fitted without that document's
  sentences (as make train-measures does).
- "the labels": the seed profiles with the labelled seed sentences as the judge, the most a judge
  that agreed with those labellers could score.

    python -m evals.measure_genres --shared ../shared   # writes evals/results/measure-genres-<date>.json
"""

from __future__ import annotations

import argparse
import json
import zlib
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from evals.match_ncp import evaluate
from evals.measure_fit import fit, held_out_fits, prf, profile_scores
from evals.measure_rows import Row, labelled, outside_rows_by_doc, seed_items, seed_rows_by_doc
from evals.splits import select
from rag.match.measures import measures_of

THRESHOLDS = [round(float(t), 2) for t in np.arange(0.25, 0.71, 0.05)]
_KEYS = ("measure_recall", "measure_precision", "amounts_exact", "wrong_place_share")


def out_of_fold(rows: list[tuple[Row, str]], also: list[Row]) -> np.ndarray:
    """Each sentence's probability from a model fitted on the other folds (by document) and `also`."""
    fold = {doc: zlib.crc32(doc.encode()) % 5 for _, doc in rows}
    probs = np.zeros(len(rows))
    for k in range(5):
        model, _ = fit([r for r, doc in rows if fold[doc] != k] + also)
        for i, (r, doc) in enumerate(rows):
            if fold[doc] == k:
                probs[i] = model.prob(r[0], r[1], r[4])
    return probs


def main() -> None:
    from rag.app.service import PolicyQA
    from rag.settings import Settings

    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    args = ap.parse_args()
    shared = Path(args.shared)
    seed_by_doc = seed_rows_by_doc()
    seed_all = [r for rows in seed_by_doc.values() for r in rows]
    sets = outside_rows_by_doc(shared, "tuning")
    choice: dict[str, Any] = {}
    for name, rows in sets.items():
        other = [r for r, _ in sets["laws" if name == "ncp" else "ncp"]]
        probs, y = out_of_fold(rows, other + seed_all), np.array([r[2] for r, _ in rows]).astype(bool)
        choice[name] = {str(t): prf(y, probs >= t) for t in THRESHOLDS}
    threshold = max(THRESHOLDS, key=lambda t: sum(choice[n][str(t)]["f1"] for n in choice))
    report: dict[str, Any] = {"date": str(date.today()), "threshold": threshold,
                              "chosen on (out-of-fold F1 by threshold)": choice}

    base = [r for rows in sets.values() for r, _ in rows]
    full = replace(fit(base + seed_all)[0], threshold=threshold, by_rule=False, need_weights=None)
    ncp = {"model": evaluate(shared, lambda chunks: measures_of(chunks, full)), "rule": evaluate(shared)}
    report["ncp profiles (notices)"] = {k: {x: v[x] for x in _KEYS} for k, v in ncp.items()}

    held = {doc: replace(m, threshold=threshold, by_rule=False, need_weights=None)
            for doc, m in held_out_fits(base, seed_by_doc).items()}
    gold = [json.loads(x) for x in Path("evals/match/seed.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    qa = PolicyQA(Settings.from_env())
    try:
        for split in ("test", "tuning"):
            profiles = select(gold, "match", split)
            report[f"seed profiles, {split} (plans, reply letters)"] = {
                "model, each document held out": profile_scores(qa, profiles, held),
                "rule": profile_scores(qa, profiles, None),
                "the labels": profile_scores(qa, profiles, labelled(seed_items()))}
    finally:
        qa.close()
    out = Path("evals/results") / f"measure-genres-{date.today()}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if not k.startswith("chosen")}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

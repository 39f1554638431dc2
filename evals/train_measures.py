"""Train the measure models (rag.match.measure_model): is this sentence a measure a business can use,
and which needs does it serve? Fits on the outside sets' tuning halves and on the seed sentences
(each seed document held out from the model that judges it), compares model and rule on what it did
not fit on, and writes evals/results/measure-model-<date>.json; with --ship the model goes to
rag/match/models/measures.json, where it decides instead of the rule.

Training data (only sentences that name a kind of need: the model judges among those), the outside
sets' tuning halves read from ../shared/bench:

- evals/match/laws_sentences.jsonl: sentences of business-related regulations labelled by the rules
  of the seed gold (a government body commits to a concrete support a business can use);
- evals/match/ncp_sentences.jsonl: sentences of the ncp notices, positive when labelled a measure
  serving one of the eight needs;
- evals/match/seed_sentences.jsonl: the seed documents' own sentences, labelled without the profiles'
  gold. The tuning and test profiles share these documents, so a document's sentences are never
  learned by a model that judges that document: every figure on the seed profiles and sentences is
  read with one model per document, fitted on everything but that document (leave one out). Only
  the model --ship installs is fitted on all five.

Validation chooses the training sets (laws+ncp, laws+ncp+seed, laws+seed) and the thresholds on the
tuning profiles (measure recall and precision as make eval-match counts them); the test profiles,
the held-out seed sentences and the test halves of both outside sets only measure. The report also
gives the tuning profiles' figures with the seed labels as the judge: the most any sentence judge
could give.

Features: rag.match.measure_model.features (signs, the sentence's and its section's character
1–3-grams seen at least twice); an L2 logistic regression with balanced classes, C chosen by 5-fold
cross-validated AUC on the training rows. The need model reads rag.match.measure_model.need_features
of each need a measure's words name.

    python -m evals.train_measures --shared ../shared [--ship]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from evals.measure_fit import f1, fit, held_out_fits, prf, profile_scores
from evals.measure_rows import labelled, outside_rows, seed_items, seed_rows_by_doc
from evals.splits import select
from rag.match.measure_model import MODEL_PATH, MeasureModel
from rag.match.measures import _NEED_PATTERNS, judge, measures_of, needs_of, rule_offer


def _grid(models: dict[str, MeasureModel]) -> list[tuple[str, dict[str, MeasureModel]]]:
    """The deciders tried on the tuning profiles: the rule or the measure model at a threshold, with
    or without the need model at a threshold."""
    out = []
    for th in [None, *np.arange(0.1, 0.81, 0.05)]:  # None: the rule says what is a measure
        for need_th in (None, 0.3, 0.4, 0.5, 0.6, 0.7):  # None: every need its words name
            if th is None and need_th is None:
                continue  # that is the rule
            name = f"{'rule' if th is None else round(float(th), 2)}/{need_th}"
            out.append((name, {doc: replace(m, threshold=round(float(th or 0.5), 2), by_rule=th is None,
                                            need_threshold=need_th or 0.0,
                                            need_weights=m.need_weights if need_th else None)
                               for doc, m in models.items()}))
    return out


def main() -> None:
    from rag.app.service import PolicyQA
    from rag.settings import Settings

    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--ship", action="store_true",
                    help="also write the chosen model to rag/match/models/measures.json (only after the test "
                         "halves show it better than the rule; without a shipped model the rule decides)")
    args = ap.parse_args()
    gold = [json.loads(x) for x in Path("evals/match/seed.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    outside = {split: outside_rows(Path(args.shared), split) for split in ("tuning", "test")}

    # the seed documents' own sentences, each document's held out from the models that judge it
    seed_by_doc = seed_rows_by_doc()
    seed_docs = sorted(seed_by_doc)
    qa = PolicyQA(Settings.from_env())
    tuning_profiles, test_profiles = select(gold, "match", "tuning"), select(gold, "match", "test")
    tried: list[tuple[float, str, str, dict[str, MeasureModel]]] = []
    validation: dict[str, Any] = {"rule": profile_scores(qa, tuning_profiles, None),
                                  "the labels (the most a sentence judge could give)":
                                      profile_scores(qa, tuning_profiles, labelled(seed_items()))}
    for sources in (("laws", "ncp"), ("laws", "ncp", "seed"), ("laws", "seed")):
        trained_on = "+".join(sources)
        base = [r for name in sources if name != "seed" for r in outside["tuning"][name]]
        held = held_out_fits(base, seed_by_doc if "seed" in sources else {d: [] for d in seed_docs})
        for name, models in _grid(held):
            r = profile_scores(qa, tuning_profiles, models)
            validation[f"{trained_on}@{name}"] = r
            tried.append((f1(r), trained_on, name, models))
    best_f1, trained_on, name, chosen = max(tried, key=lambda c: c[0])
    chosen_sources = trained_on.split("+")
    one = next(iter(chosen.values()))
    # the model to ship: the same decider fitted on all of its training rows, every seed document included
    full, info = fit([r for n in chosen_sources if n != "seed" for r in outside["tuning"][n]]
                     + ([r for rows in seed_by_doc.values() for r in rows] if "seed" in chosen_sources else []))
    card = {"trained": str(date.today()), "trained_on": trained_on, **info,
            "threshold": "rule" if one.by_rule else one.threshold,
            "need_threshold": one.need_threshold if one.need_weights else None,
            "validation_f1_seed_tuning_profiles_held_out": round(best_f1, 3)}
    model = replace(full, threshold=one.threshold, by_rule=one.by_rule, need_threshold=one.need_threshold,
                    need_weights=full.need_weights if one.need_weights else None, card=card)
    report: dict[str, Any] = {**card, "test": {}, "validation": validation}
    report["test"]["seed profiles"] = {"model, each document held out": profile_scores(qa, test_profiles, chosen),
                                       "rule": profile_scores(qa, test_profiles, None),
                                       "fitted on all five seed documents (has seen them)":
                                           profile_scores(qa, test_profiles, model)}
    qa.close()
    from evals.match_ncp import evaluate

    def ncp_profiles(decider: MeasureModel | None) -> dict[str, Any]:
        r = evaluate(Path(args.shared), lambda chunks: measures_of(chunks, decider))
        return {k: r[k] for k in ("measure_recall", "measure_precision", "amounts_exact", "wrong_place_share")}
    report["test"]["ncp profiles (notices no model learned)"] = {"model": ncp_profiles(model),
                                                                 "rule": ncp_profiles(None)}
    seed_rows = [(doc, r) for doc, rows in seed_by_doc.items() for r in rows]
    ys = np.array([r[2] for _, r in seed_rows]).astype(bool)
    report["test"]["seed sentences, each document held out"] = {
        "rows": len(seed_rows), "positive": int(ys.sum()),
        "model": prf(ys, np.array([bool(judge(t, h, chosen[doc], c)) for doc, (t, h, _, _, c) in seed_rows])),
        "rule": prf(ys, np.array([rule_offer(t, h) for _, (t, h, _, _, _) in seed_rows]))}
    for name, test in outside["test"].items():
        yt = np.array([r[2] for r in test]).astype(bool)
        report["test"][f"{name} sentences"] = {
            "rows": len(test), "positive": int(yt.sum()),
            "model": prf(yt, np.array([bool(judge(t, h, model, c)) for t, h, _, _, c in test])),
            "rule": prf(yt, np.array([rule_offer(t, h) for t, h, _, _, _ in test])),
            "needs exact (model / words), measures": [
                sum(set(model.needs(t, {k: _NEED_PATTERNS[k] for k in needs_of(t)})) == set(n)
                    for t, h, y, n, _ in test if y),
                sum(set(needs_of(t)) == set(n) for t, h, y, n, _ in test if y), int(yt.sum())]}
    if args.ship:
        MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        MODEL_PATH.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=0), encoding="utf-8")
    out = Path("evals/results") / f"measure-model-{date.today()}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "validation"}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

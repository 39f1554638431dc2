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
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from evals.measure_rows import Row, labelled, need_rows, outside_rows, seed_items, seed_rows_by_doc
from evals.splits import select
from rag.match.measure_model import MODEL_PATH, MeasureModel, features, need_features
from rag.match.measures import _NEED_PATTERNS, judge, measures_of, needs_of, rule_offer


def _prf(y: np.ndarray, said: np.ndarray) -> dict[str, float]:
    tp = int((y & said).sum())
    p = tp / max(int(said.sum()), 1)
    r = tp / max(int(y.sum()), 1)
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / max(p + r, 1e-9), 3)}


def _fit_logistic(feats: list[dict[str, float]], y: np.ndarray, min_seen: int = 2
                  ) -> tuple[dict[str, float], float, dict[str, Any]]:
    """L2 logistic regression with balanced classes, C by 5-fold cross-validated AUC."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    seen = Counter(k for f in feats for k in f)
    feats = [{k: v for k, v in f.items() if k.startswith(("s:", "n:", "need:")) or seen[k] >= min_seen}
             for f in feats]
    vec = DictVectorizer()
    X = vec.fit_transform(feats)
    best = (-1.0, 1.0)
    for c in (0.03, 0.1, 0.3, 1.0, 3.0):
        probs = np.zeros(len(y))
        for fit_on, held in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
            m = LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(X[fit_on], y[fit_on])
            probs[held] = m.predict_proba(X[held])[:, 1]
        auc = float(roc_auc_score(y, probs))
        if auc > best[0]:
            best = (auc, c)
    fitted = LogisticRegression(C=best[1], class_weight="balanced", max_iter=5000).fit(X, y)
    weights = {name: float(w) for name, w in zip(vec.get_feature_names_out(), fitted.coef_[0], strict=True)
               if abs(w) >= 1e-3}
    info = {"rows": len(y), "positive": int(y.sum()), "C": best[1], "cv_auc": round(best[0], 3),
            "features": len(weights)}
    return weights, float(fitted.intercept_[0]), info


def fit(rows: list[Row]) -> tuple[MeasureModel, dict[str, Any]]:
    """Both models on some labelled sentences (thresholds are set later, on the tuning profiles)."""
    y = np.array([r[2] for r in rows])
    weights, intercept, info = _fit_logistic([features(t, h, c) for t, h, _, _, c in rows], y)
    needs = need_rows(rows)
    need_weights, need_intercept, need_info = _fit_logistic(
        [need_features(t, n, _NEED_PATTERNS[n], k) for t, n, k, _ in needs], np.array([r[3] for r in needs]), 3)
    model = MeasureModel(weights, intercept, 0.5, {}, need_weights, need_intercept, 0.5)
    return model, {"measure model": info, "need model": need_info}


# one model, one per document (held out), the rule (None), or a finder of measures
Models = Any  # a MeasureModel, one per document {doc: MeasureModel}, None (the rule), or a finder


def _model_for(models: Models, doc_id: str) -> MeasureModel | None:
    return models.get(doc_id) if isinstance(models, dict) else models


def profile_scores(qa: Any, profiles: list[dict[str, Any]], models: Models) -> dict[str, Any]:
    """make eval-match's figures over some gold profiles, with this model deciding (the rule when None;
    a dict: each document judged by its own model, one that never saw it)."""
    from evals.match_eval import score
    from rag.match.matching import Matcher

    def find(chunks: list[Any]) -> list[Any]:
        return measures_of(chunks, _model_for(models, chunks[0].doc_id)) if chunks else []

    r = score(qa, profiles, Matcher(qa.retriever.view, find=models if callable(models) else find))
    return {k: r[k] for k in ("measure_recall", "measure_precision", "amounts_exact", "wrong_place_share")}


def held_out_fits(base: list[Row], by_doc: dict[str, list[Row]]) -> dict[str, MeasureModel]:
    """For each seed document, the models fitted on everything but that document's sentences."""
    if not any(by_doc.values()):  # no seed sentence to hold out: one model judges them all
        one = fit(base)[0]
        return dict.fromkeys(by_doc, one)
    return {doc: fit(base + [r for other, rows in by_doc.items() if other != doc for r in rows])[0]
            for doc in by_doc}


def _f1(r: dict[str, Any]) -> float:
    p, q = r["measure_precision"] or 0.0, r["measure_recall"] or 0.0
    return 2 * p * q / max(p + q, 1e-9)


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
            tried.append((_f1(r), trained_on, name, models))
    f1, trained_on, name, chosen = max(tried, key=lambda c: c[0])
    chosen_sources = trained_on.split("+")
    one = next(iter(chosen.values()))
    # the model to ship: the same decider fitted on all of its training rows, every seed document included
    full, info = fit([r for n in chosen_sources if n != "seed" for r in outside["tuning"][n]]
                     + ([r for rows in seed_by_doc.values() for r in rows] if "seed" in chosen_sources else []))
    card = {"trained": str(date.today()), "trained_on": trained_on, **info,
            "threshold": "rule" if one.by_rule else one.threshold,
            "need_threshold": one.need_threshold if one.need_weights else None,
            "validation_f1_seed_tuning_profiles_held_out": round(f1, 3)}
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
        "model": _prf(ys, np.array([bool(judge(t, h, chosen[doc], c)) for doc, (t, h, _, _, c) in seed_rows])),
        "rule": _prf(ys, np.array([rule_offer(t, h) for _, (t, h, _, _, _) in seed_rows]))}
    for name, test in outside["test"].items():
        yt = np.array([r[2] for r in test]).astype(bool)
        report["test"][f"{name} sentences"] = {
            "rows": len(test), "positive": int(yt.sum()),
            "model": _prf(yt, np.array([bool(judge(t, h, model, c)) for t, h, _, _, c in test])),
            "rule": _prf(yt, np.array([rule_offer(t, h) for t, h, _, _, _ in test])),
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

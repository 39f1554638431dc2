"""Train the measure models (rag.match.measure_model): is this sentence a measure a business can use,
and which needs does it serve? Fits on tuning data only, compares model and rule on the test halves
and writes evals/results/measure-model-<date>.json; with --ship the model goes to
rag/match/models/measures.json, where it decides instead of the rule.

Training data (only sentences that name a kind of need: the model judges among those; each set's
tuning split only), read from ../shared/bench:

- evals/match/laws_sentences.jsonl: sentences of business-related regulations labelled by the rules
  of the seed gold (a government body commits to a concrete support a business can use);
- evals/match/ncp_sentences.jsonl: sentences of the ncp notices, positive when labelled a measure
  serving one of the eight needs (trained with the laws set or not: validation chooses).

The seed documents are not learned from: their sentences are shared by the tuning and the test
profiles, so learning from them would leak the test split. The tuning profiles only validate: they
choose between the training sets and set the threshold (measure recall and precision as make
eval-match counts them); the test profiles, and the test halves of both sentence sets, only measure.

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

from evals.splits import select
from rag.ingest.chunking import chunk_document
from rag.ingest.loading import load_file
from rag.match.measure_model import MODEL_PATH, MeasureModel, features, need_features
from rag.match.measures import _NEED_PATTERNS, judge, needs_of, rule_offer

Row = tuple[str, str, int, list[str]]  # sentence, heading path, label, the needs it serves
NeedRow = tuple[str, str, int, int]  # sentence, a need its words name, how many needs it names, label


def sentence_rows(corpus: Path, labels: Path, name: str, split: str) -> list[Row]:
    """Labelled sentences of one split, each with its section heading as ingest would chunk it, and
    the needs it serves when it is a measure."""
    items = select([json.loads(x) for x in labels.read_text(encoding="utf-8").splitlines() if x.strip()],
                   name, split)
    docs: dict[str, Any] = {}
    rows = []
    for item in items:
        if item["doc"] not in docs:
            doc = load_file(corpus / item["doc"])
            docs[item["doc"]] = (doc.text, chunk_document(doc))
        text, chunks = docs[item["doc"]]
        heading = next((c.heading_path for c in chunks if c.start <= item["start"] < c.end), "")
        # a measure the eight needs do not cover (a faster approval) is no measure to list here
        rows.append((text[item["start"]:item["end"]], heading, int(item["measure"] and bool(item["needs"])),
                     item["needs"]))
    return rows


def need_rows(rows: list[Row]) -> list[NeedRow]:
    """For each measure, each need whose words it has: does it serve that need?"""
    out: list[NeedRow] = []
    for sentence, _, label, needs in rows:
        found = needs_of(sentence)
        if label:
            out.extend((sentence, n, len(found), int(n in needs)) for n in found)
    return out


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
    weights, intercept, info = _fit_logistic([features(t, h) for t, h, _, _ in rows], y)
    needs = need_rows(rows)
    need_weights, need_intercept, need_info = _fit_logistic(
        [need_features(t, n, _NEED_PATTERNS[n], k) for t, n, k, _ in needs], np.array([r[3] for r in needs]), 3)
    model = MeasureModel(weights, intercept, 0.5, {}, need_weights, need_intercept, 0.5)
    return model, {"measure model": info, "need model": need_info}


def profile_scores(qa: Any, profiles: list[dict[str, Any]], model: MeasureModel | None) -> dict[str, Any]:
    """make eval-match's figures over some gold profiles, with this model deciding (the rule when None)."""
    from evals.match_eval import score
    from rag.match.matching import Matcher
    from rag.match.measures import measures_of

    r = score(qa, profiles, Matcher(qa.retriever.view, find=lambda chunks: measures_of(chunks, model)))
    return {k: r[k] for k in ("measure_recall", "measure_precision", "amounts_exact", "wrong_place_share")}


def _f1(r: dict[str, Any]) -> float:
    p, q = r["measure_precision"] or 0.0, r["measure_recall"] or 0.0
    return 2 * p * q / max(p + q, 1e-9)


def main() -> None:
    from rag.app.service import PolicyQA
    from rag.settings import Settings

    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--ship", action="store_true",
                    help="also write the chosen model to rag/match/models/measures.json (only after the test "
                         "halves show it better than the rule; without a shipped model the rule decides)")
    args = ap.parse_args()
    bench = Path(args.shared) / "bench"
    gold = [json.loads(x) for x in Path("evals/match/seed.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    sets = {"laws": (bench / "laws" / "corpus", Path("evals/match/laws_sentences.jsonl"), "laws-sentences"),
            "ncp": (bench / "ncp" / "corpus", Path("evals/match/ncp_sentences.jsonl"), "ncp-sentences")}

    def rows_of(name: str, split: str) -> list[Row]:
        return [r for r in sentence_rows(*sets[name], split) if needs_of(r[0])]

    qa = PolicyQA(Settings.from_env())
    tuning_profiles, test_profiles = select(gold, "match", "tuning"), select(gold, "match", "test")
    candidates_: list[tuple[float, str, MeasureModel, dict[str, Any]]] = []
    validation: dict[str, Any] = {"rule": profile_scores(qa, tuning_profiles, None)}
    for sources in (("laws",), ("laws", "ncp")):
        trained_on = "+".join(sources)
        model, info = fit([r for name in sources for r in rows_of(name, "tuning")])
        for th in [None, *np.arange(0.1, 0.81, 0.05)]:  # None: the rule says what is a measure
            for need_th in (None, 0.3, 0.4, 0.5, 0.6, 0.7):  # None: every need its words name
                if th is None and need_th is None:
                    continue  # that is the rule
                m = replace(model, threshold=round(float(th or 0.5), 2), by_rule=th is None,
                            need_threshold=need_th or 0.0, need_weights=model.need_weights if need_th else None)
                r = profile_scores(qa, tuning_profiles, m)
                validation[f"{trained_on}@{'rule' if th is None else m.threshold}/{need_th}"] = r
                candidates_.append((_f1(r), trained_on, m, info))
    f1, trained_on, chosen, info = max(candidates_, key=lambda c: c[0])
    # the sentence model on its own, learned from both sets, at 0.5 (balanced classes): no threshold fitted
    alone = next(replace(m, threshold=0.5, need_weights=None) for _, on, m, _ in candidates_
                 if on == "laws+ncp" and not m.by_rule)
    card = {"trained": str(date.today()), "trained_on": trained_on, **info,
            "threshold": "rule" if chosen.by_rule else chosen.threshold,
            "need_threshold": chosen.need_threshold if chosen.need_weights else None,
            "validation_f1_seed_tuning_profiles": round(f1, 3)}
    model = replace(chosen, card=card)
    report: dict[str, Any] = {**card, "test": {}, "validation": validation}
    report["test"]["seed profiles"] = {"model": profile_scores(qa, test_profiles, model),
                                       "rule": profile_scores(qa, test_profiles, None),
                                       "sentence model alone": profile_scores(qa, test_profiles, alone)}
    qa.close()
    for name in sets:
        test = rows_of(name, "test")
        yt = np.array([r[2] for r in test]).astype(bool)
        report["test"][f"{name} sentences"] = {
            "rows": len(test), "positive": int(yt.sum()),
            "model": _prf(yt, np.array([bool(judge(t, h, model)) for t, h, _, _ in test])),
            "rule": _prf(yt, np.array([rule_offer(t, h) for t, h, _, _ in test])),
            "sentence model alone": _prf(yt, np.array([alone.is_measure(t, h) for t, h, _, _ in test])),
            "needs exact (model / words), measures": [
                sum(set(model.needs(t, {k: _NEED_PATTERNS[k] for k in needs_of(t)})) == set(n)
                    for t, h, y, n in test if y),
                sum(set(needs_of(t)) == set(n) for t, h, y, n in test if y), int(yt.sum())]}
    if args.ship:
        MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
        MODEL_PATH.write_text(json.dumps(model.to_json(), ensure_ascii=False, indent=0), encoding="utf-8")
    out = Path("evals/results") / f"measure-model-{date.today()}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "validation"}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

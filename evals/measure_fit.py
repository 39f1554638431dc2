"""Fitting and scoring the measure models of 政策匹配 (rag.match.measure_model): the logistic
regressions on hand-labelled sentences, one model per seed document held out, and make eval-match's
figures over gold profiles with a given model deciding. Used by evals/train_measures.py,
evals/measure_genres.py and evals/measure_signals.py.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from evals.measure_rows import Row, need_rows
from rag.match.measure_model import MeasureModel, features, need_features
from rag.match.measures import _NEED_PATTERNS, measures_of


def prf(y: np.ndarray, said: np.ndarray) -> dict[str, float]:
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


def f1(r: dict[str, Any]) -> float:
    """The F1 of a profile score (measure recall and precision)."""
    p, q = r["measure_precision"] or 0.0, r["measure_recall"] or 0.0
    return 2 * p * q / max(p + q, 1e-9)

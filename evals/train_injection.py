"""`make train-injection`: fit the check of sentences that speak to a chatbot (rag.answer.injection) and
write rag/answer/models/injection.json.

Material:
- positives: evals/injection/positives.txt (injections in many wordings, Chinese and English);
- negatives: every sentence of the seed corpus and of the ncp notices (../shared/bench/ncp/corpus),
  and evals/injection/hard_negatives.txt (policy sentences about answering, users, AI, hotlines).

Features: the rule signs of rag.answer.injection (addresses a machine, speaks of the asker, of the answer,
overrides, voids, dictates a figure, casts the reader in a role) and character 1–3-grams, present or
not. An L1-regularised logistic regression keeps the few n-grams that matter, so the model file
stays small and readable.
The threshold is set by 5-fold cross-validation: the lowest probability at which no more than
MAX_FALSE_POSITIVES of the negatives would be flagged. Figures it reports on material it never saw:
tests/fixtures/injection_heldout.txt (reworded injections) and the laws corpus (policy text):

    python -m evals.train_injection --shared ../shared [--laws]
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

import numpy as np

from rag.answer.injection import MODEL_PATH, SIGN_NAMES, InjectionModel, grams, sentences, signs
from rag.ingest.loading import iter_corpus

HERE = Path(__file__).parent / "injection"
HELD_OUT = Path(__file__).parent.parent / "tests" / "fixtures" / "injection_heldout.txt"
MAX_FALSE_POSITIVES = 1e-4  # share of real sentences the cross-validated threshold may flag


def lines(path: Path) -> list[str]:
    return [x.strip() for x in path.read_text(encoding="utf-8").splitlines() if x.strip() and not x.startswith("#")]


def corpus_sentences(folder: Path) -> list[str]:
    out: list[str] = []
    for doc in iter_corpus(folder):
        if not isinstance(doc, Exception):
            out.extend(s.strip() for s in sentences(doc.text) if len(s.strip()) >= 4)
    return out


def matrix(sentences: list[str], vocab: dict[str, int]) -> np.ndarray:
    from scipy.sparse import lil_matrix

    x = lil_matrix((len(sentences), len(SIGN_NAMES) + len(vocab)), dtype=np.float32)
    for i, s in enumerate(sentences):
        found = signs(s)
        for j, name in enumerate(SIGN_NAMES):
            if name in found:
                x[i, j] = 1.0
        for g in grams(s):
            k = vocab.get(g)
            if k is not None:
                x[i, len(SIGN_NAMES) + k] = 1.0
    return x.tocsr()


def fit(pos: list[str], neg: list[str], c: float) -> tuple[InjectionModel, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    texts = pos + neg
    y = np.array([1] * len(pos) + [0] * len(neg))
    counts: dict[str, int] = {}
    for s in pos:  # n-grams of the positives only: what an injection says, weighed against real text
        for g in grams(s):
            counts[g] = counts.get(g, 0) + 1
    vocab = {g: i for i, g in enumerate(sorted(g for g, n in counts.items() if n >= 2))}
    x = matrix(texts, vocab)
    lr = LogisticRegression(l1_ratio=1.0, solver="liblinear", C=c, class_weight="balanced", max_iter=2000)
    lr.fit(x, y)
    w = lr.coef_[0]
    names = list(vocab)
    model = InjectionModel(
        signs={n: float(w[j]) for j, n in enumerate(SIGN_NAMES)},
        ngrams={names[k]: float(w[len(SIGN_NAMES) + k]) for k in range(len(names))
                if abs(w[len(SIGN_NAMES) + k]) > 1e-6},
        intercept=float(lr.intercept_[0]), threshold=0.5)
    return model, y


def cross_validated(pos: list[str], neg: list[str], c: float, folds: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    fold_p = rng.integers(0, folds, len(pos))
    fold_n = rng.integers(0, folds, len(neg))
    ps, ns = np.zeros(len(pos)), np.zeros(len(neg))
    for f in range(folds):
        train_pos = [s for s, k in zip(pos, fold_p, strict=True) if k != f]
        model, _ = fit(train_pos, [s for s, k in zip(neg, fold_n, strict=True) if k != f], c)
        for i in np.flatnonzero(fold_p == f):
            ps[i] = model.prob(pos[i])
        for i in np.flatnonzero(fold_n == f):
            ns[i] = model.prob(neg[i])
    return ps, ns


def main() -> None:
    parser = argparse.ArgumentParser(description="train the injection check")
    parser.add_argument("--shared", type=Path, default=Path("../shared"))
    parser.add_argument("--laws", action="store_true", help="also count flagged sentences of the laws corpus")
    parser.add_argument("--c", type=float, default=1.0)
    args = parser.parse_args()
    pos = lines(HERE / "positives.txt")
    neg = corpus_sentences(Path("corpus")) + corpus_sentences(args.shared / "bench" / "ncp" / "corpus")
    neg += lines(HERE / "hard_negatives.txt")
    ps, ns = cross_validated(pos, neg, args.c)
    allowed = int(MAX_FALSE_POSITIVES * len(neg))
    threshold = float(np.sort(ns)[::-1][allowed]) + 1e-6 if allowed < len(ns) else 0.5
    threshold = max(threshold, 0.5)
    cv = {"positives_flagged": round(float(np.mean(ps >= threshold)), 3),
          "negatives_flagged": int(np.sum(ns >= threshold)), "negatives": len(neg), "positives": len(pos)}
    model, _ = fit(pos, neg, args.c)
    held = lines(HELD_OUT)
    final = InjectionModel(model.signs, model.ngrams, model.intercept, threshold)
    card = {"trained": date.today().isoformat(), "C": args.c, "cross_validated": cv,
            "held_out_flagged": f"{sum(final.flags(s) for s in held)}/{len(held)}",
            "ngrams_kept": len(model.ngrams)}
    if args.laws:
        laws = corpus_sentences(args.shared / "bench" / "laws" / "corpus")
        card["laws_flagged"] = f"{sum(final.flags(s) for s in laws)}/{len(laws)}"
    MODEL_PATH.write_text(json.dumps({**final.to_json(), "card": card}, ensure_ascii=False, indent=1) + "\n",
                          encoding="utf-8")
    print(json.dumps(card, ensure_ascii=False))
    for s in held:
        if not final.flags(s):
            print("   held-out not flagged:", s)


if __name__ == "__main__":
    main()

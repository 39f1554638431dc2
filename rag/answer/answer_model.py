"""The learned answer decisions: how likely a sentence answers the question, and how likely the
retrieved paragraphs answer it at all. Two logistic regressions over rag.answer.answer_features, trained
on the tuning split by `make train-answerer` (evals/train_answerer.py) and stored as plain numbers
in rag/answer/models/answerer.json with a data card beside it; nothing is fitted at run time."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from rag.answer.answer_features import QUESTION_FEATURES, SENTENCE_FEATURES

MODEL_PATH = Path(__file__).parent / "models" / "answerer.json"


class ModelError(ValueError):
    """The model file is missing, unreadable or made for other features."""


@dataclass(frozen=True)
class Logistic:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def prob(self, rows: Any) -> np.ndarray:
        x = np.atleast_2d(np.asarray(rows, dtype=float))
        if x.shape[1] != len(self.features):
            raise ModelError(f"expected {len(self.features)} features, got {x.shape[1]}")
        z = ((x - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def to_json(self) -> dict[str, Any]:
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept}

    @classmethod
    def from_json(cls, d: dict[str, Any], expected: tuple[str, ...], name: str) -> Logistic:
        if tuple(d.get("features", ())) != expected:
            raise ModelError(f"{name}: trained on features {d.get('features')}, the code computes {list(expected)};"
                             " run `make train-answerer`")
        return cls(expected, np.array(d["mean"], float), np.array(d["scale"], float), np.array(d["coef"], float),
                   float(d["intercept"]))


@dataclass(frozen=True)
class AnswerModel:
    sentence: Logistic  # P(sentence overlaps the evidence that answers)
    answerable: Logistic  # P(the documents answer the question | what was retrieved)
    threshold: float  # refuse below this answerability
    card: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"sentence": self.sentence.to_json(), "answerable": self.answerable.to_json(),
                "threshold": self.threshold, "card": self.card}


def load(path: Path = MODEL_PATH) -> AnswerModel:
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
        return AnswerModel(Logistic.from_json(d["sentence"], SENTENCE_FEATURES, f"{path} sentence"),
                           Logistic.from_json(d["answerable"], QUESTION_FEATURES, f"{path} answerable"),
                           float(d["threshold"]), dict(d.get("card", {})))
    except (OSError, KeyError, TypeError, json.JSONDecodeError) as err:
        raise ModelError(f"{path}: cannot read the answer model ({err})") from err


@lru_cache(maxsize=4)
def default_model(path: str = str(MODEL_PATH)) -> AnswerModel | None:
    """The shipped model, or None before one was trained (then the hand-set rules decide)."""
    p = Path(path)
    return load(p) if p.exists() else None


def answer_model(setting: str) -> AnswerModel | None:
    """The model a POLICY_QA_ANSWER_MODEL setting names ("" shipped, "rules" none, else a path)."""
    if setting == "rules":
        return None
    if not setting:
        return default_model()
    return load(Path(setting))

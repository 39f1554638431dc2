"""How likely a sentence is a measure (政策措施) a business can use: a logistic regression over the signs
of an offer and of its absence and the sentence's character n-grams, trained by `make train-measures`
(evals/train_measures.py) on the tuning halves of the hand-labelled sentences and stored as plain
numbers in rag/match/models/measures.json with a data card beside it; nothing is fitted at run time."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from rag.answer.answer_features import is_fragment
from rag.answer.injection import grams
from rag.ingest.chunking import heading_level

MODEL_PATH = Path(__file__).parent / "models" / "measures.json"

# What a government does when it supports: the verbs of an offer or a commitment.
OFFER = re.compile(
    r"给予|奖励|补贴|补助|资助|扶持|奖补|减免|优先|支持|组织|举办|搭建|建设|打造|设立|提供|安排|开展|帮助|协助|"
    r"对接|落实|加大|培育|实施|出台|制定|引进|举行|筹划|设置|争取|协调|保障|编制|遴选|统筹|用于|开放|普及|推广|"
    r"建立|组建|兑现|免费|减半|降低|允许|延长|延期|缓缴|减按|免收|免征|减征|退还|暂不|放行|返还")
# Targets, statistics, reports of what a place has, and the covering notice of a document.
NOT_AN_OFFER = re.compile(r"^(?:据|截至|目前|近年来|全市|全区|全镇|现有|我市|我区|我镇)?.{0,12}(?:共有|拥有|现有|实现)"
                          r"|^到\d{4}年|^力争|^预计|规上工业总产值达到|产值达到|营业收入达到|印发给你们|请认真贯彻"
                          r"|[？?]$|^暂停|禁止|严禁|患者|贫困人口|贫困劳动力")  # questions, bans, aid to persons
# Sections that state aims or the present state, not measures.
AIMS_SECTION = re.compile(r"目标|现状|基础|背景|形势|指导思想|基本原则")
_WEAK = re.compile(r"鼓励|引导|推动|推进|助力|倡导|号召")
_REPORT = re.compile(r"累计|统计|已经|已于|获评|入选|成功|实现了|完成了|取得|截至|同比|增长")
_SPEECH = re.compile(r"建议|提案|认为|看来|表示|记者|指出|呼吁")
_TO_FIRMS = re.compile(r"企业|商户|个体工商户|经营者|小微|中小|市场主体|单位")
_GOVERNMENT = re.compile(r"政府|部门|[局委办厅]|财政|税务|人社|银行|机构")
_AMOUNT = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?元|\d+(?:\.\d+)?\s*[%％]|减半|全额")


def signs(sentence: str, heading: str = "") -> dict[str, float]:
    """What the model reads besides the characters: the signs of an offer and of its absence."""
    s = sentence.strip()
    section = heading.split(" > ")[-1] if heading else ""
    offer = bool(OFFER.search(s))
    return {
        "offer": float(offer), "weak_only": float(bool(_WEAK.search(s)) and not offer),
        "not_an_offer": float(bool(NOT_AN_OFFER.search(s))), "report": float(bool(_REPORT.search(s))),
        "speech": float(bool(_SPEECH.search(s))), "aims_section": float(bool(AIMS_SECTION.search(section))),
        "fragment": float(is_fragment(s) or heading_level(s) is not None),
        "amount": float(bool(_AMOUNT.search(s))), "to_firms": float(bool(_TO_FIRMS.search(s))),
        "government": float(bool(_GOVERNMENT.search(s))), "log_length": math.log(max(len(s), 1)),
    }


def features(sentence: str, heading: str = "") -> dict[str, float]:
    """Every input of the model by name: signs (s:), the sentence's n-grams (g:), its section's (h:)."""
    section = heading.split(" > ")[-1] if heading else ""
    return {**{f"s:{k}": v for k, v in signs(sentence, heading).items()},
            **{f"g:{g}": 1.0 for g in grams(sentence.strip())}, **{f"h:{g}": 1.0 for g in grams(section)}}


@dataclass(frozen=True)
class MeasureModel:
    weights: dict[str, float]
    intercept: float
    threshold: float
    card: dict[str, Any]

    def prob(self, sentence: str, heading: str = "") -> float:
        z = self.intercept + sum(self.weights.get(k, 0.0) * v for k, v in features(sentence, heading).items())
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def is_measure(self, sentence: str, heading: str = "") -> bool:
        return self.prob(sentence, heading) >= self.threshold

    def to_json(self) -> dict[str, Any]:
        return {"intercept": self.intercept, "threshold": self.threshold, "card": self.card,
                "weights": dict(sorted(self.weights.items(), key=lambda kv: -abs(kv[1])))}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> MeasureModel:
        return cls({k: float(v) for k, v in d["weights"].items()}, float(d["intercept"]), float(d["threshold"]),
                   dict(d.get("card") or {}))


@lru_cache(maxsize=1)
def shipped_model() -> MeasureModel | None:
    """The trained model, or None before one was trained (the rule of rag.match.measures decides)."""
    if not MODEL_PATH.exists():
        return None
    return MeasureModel.from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8")))


def model_id() -> str:
    """Names what decides, for the finder's name: a new model finds every document's measures again."""
    return hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()[:8] if MODEL_PATH.exists() else "rule"

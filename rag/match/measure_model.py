"""How likely a sentence is a measure (政策措施) a business can use, and which kinds of need it serves.

Two logistic regressions, trained by `make train-measures` (evals/train_measures.py) on the
hand-labelled sentences of evals/match/ (the outside sets' tuning halves and the seed sentences) and
stored as plain numbers in rag/match/models/measures.json
with a data card beside it; nothing is fitted at run time:

- the measure model reads the signs of an offer and of its absence and the character n-grams of the
  sentence and of its section heading;
- the need model reads where a need's words stand in a measure: in the clause that offers, or only
  in a list, a name, a means (依托…, 通过…) or a purpose — 直播 in "依托政策直播间…提供咨询诊断服务"
  does not make a 展会 measure.
"""

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
_PROPOSAL = re.compile(r"建议|提案|认为|看来|呼吁|希望")  # said before the sentence, in its paragraph
_TO_FIRMS = re.compile(r"企业|商户|个体工商户|经营者|小微|中小|市场主体|单位")
_GOVERNMENT = re.compile(r"政府|部门|[局委办厅]|财政|税务|人社|银行|机构")
_AMOUNT = re.compile(r"\d+(?:\.\d+)?\s*(?:万|亿)?元|\d+(?:\.\d+)?\s*[%％]|减半|全额")


def signs(sentence: str, heading: str = "", context: str = "") -> dict[str, float]:
    """What the model reads besides the characters: the signs of an offer and of its absence (context:
    the text of its chunk (its paragraph, or the part of a long one) before it, where a proposal may
    have been introduced)."""
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
        "after_proposal": float(bool(_PROPOSAL.search(context))),
    }


def features(sentence: str, heading: str = "", context: str = "") -> dict[str, float]:
    """Every input of the model by name: signs (s:), the sentence's n-grams (g:), its section's (h:)."""
    section = heading.split(" > ")[-1] if heading else ""
    return {**{f"s:{k}": v for k, v in signs(sentence, heading, context).items()},
            **{f"g:{g}": 1.0 for g in grams(sentence.strip())}, **{f"h:{g}": 1.0 for g in grams(section)}}


_CLAUSE = re.compile(r"[^，,；;：:]+")
_MEANS = re.compile(r"(?:依托|通过|利用|借助|按照?|依据|根据|围绕|聚焦|结合|以)[^，,；;]{0,12}$")
_PURPOSE = re.compile(r"(?:为|助力|促进|推动|提升|提高|增强|加快|实现)[^，,；;]{0,6}$")


def need_features(sentence: str, need: str, pattern: re.Pattern[str], n_needs: int) -> dict[str, float]:
    """Where one kind of need's words stand in a sentence (pattern: that need's words)."""
    s = sentence.strip()
    hits = list(pattern.finditer(s))
    clauses = [(m.start(), m.end(), m.group(0)) for m in _CLAUSE.finditer(s)]
    def clause_of(i: int) -> str:
        return next((c for a, b, c in clauses if a <= i < b), s)
    in_offer = any(OFFER.search(clause_of(h.start())) for h in hits)
    only_listed = all(clause_of(h.start()).count("、") >= 2 for h in hits)
    named = all(re.search(r"[《“\"][^》”\"]*$", s[:h.start()]) for h in hits)
    means = all(_MEANS.search(s[max(0, h.start() - 14):h.start()]) for h in hits)
    purpose = all(_PURPOSE.search(s[max(0, h.start() - 8):h.start()]) for h in hits)
    first = hits[0].start() / max(len(s), 1) if hits else 1.0
    f = {"in_offer_clause": float(in_offer), "only_listed": float(only_listed), "named": float(named),
         "means": float(means), "purpose": float(purpose), "hits": math.log1p(len(hits)), "first_at": first,
         "needs": math.log(max(n_needs, 1)), "last_clause": float(bool(hits) and hits[-1].start() >= clauses[-1][0])}
    return {**{f"n:{k}": v for k, v in f.items()}, f"need:{need}": 1.0,
            **{f"{need}:{h.group(0)}": 1.0 for h in hits}}


def _logistic(weights: dict[str, float], intercept: float, feats: dict[str, float]) -> float:
    z = intercept + sum(weights.get(k, 0.0) * v for k, v in feats.items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class MeasureModel:
    weights: dict[str, float]
    intercept: float
    threshold: float
    card: dict[str, Any]
    need_weights: dict[str, float] | None = None  # None: every need whose words the sentence has
    need_intercept: float = 0.0
    need_threshold: float = 0.5
    by_rule: bool = False  # the rule of rag.match.measures says what is a measure, this model only its needs

    def prob(self, sentence: str, heading: str = "", context: str = "") -> float:
        return _logistic(self.weights, self.intercept, features(sentence, heading, context))

    def is_measure(self, sentence: str, heading: str = "", context: str = "") -> bool:
        return self.prob(sentence, heading, context) >= self.threshold

    def needs(self, sentence: str, found: dict[str, re.Pattern[str]]) -> tuple[str, ...]:
        """Of the needs whose words the sentence has (found: need -> its words), those it serves; the
        likeliest one when the model keeps none (a measure serves some need)."""
        if self.need_weights is None or len(found) == 0:
            return tuple(found)
        probs = {n: _logistic(self.need_weights, self.need_intercept, need_features(sentence, n, p, len(found)))
                 for n, p in found.items()}
        kept = tuple(n for n, p in probs.items() if p >= self.need_threshold)
        return kept or (max(probs, key=lambda n: probs[n]),)

    def to_json(self) -> dict[str, Any]:
        return {"intercept": self.intercept, "threshold": self.threshold, "card": self.card,
                "need_intercept": self.need_intercept, "need_threshold": self.need_threshold,
                "need_weights": self.need_weights, "by_rule": self.by_rule,
                "weights": dict(sorted(self.weights.items(), key=lambda kv: -abs(kv[1])))}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> MeasureModel:
        needs = d.get("need_weights")
        return cls({k: float(v) for k, v in d["weights"].items()}, float(d["intercept"]), float(d["threshold"]),
                   dict(d.get("card") or {}), {k: float(v) for k, v in needs.items()} if needs else None,
                   float(d.get("need_intercept", 0.0)), float(d.get("need_threshold", 0.5)), bool(d.get("by_rule")))


@lru_cache(maxsize=1)
def shipped_model() -> MeasureModel | None:
    """The trained model, or None before one was trained (the rule of rag.match.measures decides)."""
    if not MODEL_PATH.exists():
        return None
    return MeasureModel.from_json(json.loads(MODEL_PATH.read_text(encoding="utf-8")))


def model_id() -> str:
    """Names what decides, for the finder's name: a new model finds every document's measures again."""
    return hashlib.sha256(MODEL_PATH.read_bytes()).hexdigest()[:8] if MODEL_PATH.exists() else "rule"

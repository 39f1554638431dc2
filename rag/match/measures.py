"""Measures (政策措施) in a document: the sentences in which a government body offers or commits to
support, each with what kinds of need it serves, its conditions, and its amount as written.

A pure function of the document's chunks: the same text always gives the same measures with the
same spans, so they are found once, when a version is indexed, and stored with it in the catalog
(FINDER, rag.index.catalog_measures). Figures are copied from the text, never computed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from rag.answer.answer_features import is_fragment
from rag.index.catalog_measures import MeasureFinder
from rag.ingest.chunking import heading_level, sentence_spans
from rag.match.measure_model import AIMS_SECTION, NOT_AN_OFFER, OFFER, MeasureModel, model_id, shipped_model
from rag.types import Chunk

# The kinds of support an owner may need, and how a sentence offers each (regular expressions).
NEEDS: dict[str, str] = {
    "资金": r"资金|补贴|补助|奖励|奖补|资助|专项|经费|减免|返还|奖金|扶持政策|财政|"
          r"减税|免税|退税|免征|减征|减按|税率|缓缴|延期缴纳|延期申报|免收|收费|费用|"
          r"减半|退还|扣除|滞纳金|费率|免费|增值税|所得税|房产税|土地使用税|留抵",
    "用地": r"用地|土地|供地|厂房|产业园|园区|载体|租金|场地|空间|楼宇|安置|物业",
    "人才": r"人才|用工|招聘|培训|技能|设计师|工匠|职业|校企|学院|高校|院校|实训|稳岗|社会保险|社保|就业|"
          r"失业保险|养老保险|工伤保险|参保|招工",
    "数字化": r"数字化|数智|数字经济|智能化|智能制造|技改|技术改造|工业互联网|上云|信息化|产业大脑|自动化|低代码",
    "展会": r"展会|会展|展览|博览会|参展|展销|订货会|市场开拓|开拓市场|直播|电商|交易会|对接会|推介|时装周|走秀|促销|"
          r"参加[^，。；]{0,20}展|[^，。；]{2,12}(?<![发进拓开扩施伸])展(?=[，。、）])",  # 发展 is no fair
    "品牌": r"品牌|商标|设计大赛|名牌|招牌|知名度|宣传|地理标志|大赛|评选|老字号",
    "融资": r"融资|贷款|信贷|担保|贴息|金融|基金|上市|授信|保险|银行|展期|续贷|还款|还贷|征信",
    "外贸": r"外贸|出口|进口|海关|跨境|国际市场|海外|境外|国际化|RCEP|一带一路|出海",
}
_NEED_PATTERNS = {need: re.compile(pattern) for need, pattern in NEEDS.items()}
# "对…的企业" where 对 starts a clause (not 对接, 对于, 对外 …)
_CONDITION = re.compile(r"(?:(?:^|(?<=[，。；：、（(\s]))对(?![接于外标照比话称])|凡|符合|经认定(?:为)?|被认定为)"
                        r"[^，。；]{2,40}?(?:的|者)"
                        r"(?:企业|单位|项目|个人|人才|团队)?"
                        r"|(?:规模以上|规上|新设立|新注册|新引进|首次)[^，。；]{0,20}")
_AMOUNT = re.compile(
    r"(?:最高|不超过|不高于|最多|最长|每[家个人项年次]|超过?|约|累计|达)*"
    r"(?:\d+(?:[.,]\d+)?\s*(?:万亿|亿|千万|百万|万|千)?\s*元|\d+(?:\.\d+)?\s*[%％]|百分之[零〇一二两三四五六七八九十点]+"
    r"|[一二两三四五六七八九十百千]+(?:万|亿)元|\d+(?:\.\d+)?\s*个百分点"
    # how long a relief lasts (缓缴3个月, 延长至8年), not a year (2020年, 二○二一年), an ordinal (第二年),
    # a half (上半年), a span looked back on (近三年), a condition (毕业2年内, 6个月以上) or a plan (三年行动)
    r"|(?<![\d〇○零一二两三四五六七八九十第上下近])(?:\d{1,2}|[一二两三四五六七八九十半]{1,3})\s*"
    r"(?:个月(?!以来|以上|以下|前|后|起)|年(?!行动|计划|规划|攻坚|倍增|以来|以上|以下|来|前|后|级|度|底|初|间|起|内|期|一)))"
    r"|减半|全额")
_PERIOD = re.compile(r"\d{4}\s*[-—至到]\s*\d{4}\s*年|\d{4}\s*年(?:起|前|底|内|\d{1,2}\s*月(?:\d{1,2}\s*日)?(?:前|起)?)")


@dataclass(frozen=True)
class Measure:
    doc_id: str
    start: int  # span of the sentence in the document
    end: int
    text: str
    needs: tuple[str, ...]  # the kinds of need it serves, in NEEDS order
    conditions: tuple[str, ...]  # to whom / on what terms, as the text says
    amounts: tuple[str, ...]  # amounts, ratios, caps and how long a relief lasts, exactly as written
    period: str  # a period or deadline the sentence states, as written
    headings: str
    chunk_start: int  # the paragraph it stands in (the citation)
    chunk_end: int
    paragraph: str

    def to_row(self) -> dict[str, Any]:
        """What the catalog stores: everything but the document and the paragraph's text."""
        row = {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}
        del row["doc_id"], row["paragraph"]
        return row

    @classmethod
    def from_row(cls, doc_id: str, row: dict[str, Any], paragraph: str) -> Measure:
        return cls(doc_id=doc_id, start=row["start"], end=row["end"], text=row["text"], needs=tuple(row["needs"]),
                   conditions=tuple(row["conditions"]), amounts=tuple(row["amounts"]), period=row["period"],
                   headings=row["headings"], chunk_start=row["chunk_start"], chunk_end=row["chunk_end"],
                   paragraph=paragraph)


def amounts_in(sentence: str) -> tuple[str, ...]:
    """The amounts, ratios, caps and durations of relief a sentence states, exactly as written."""
    return tuple(dict.fromkeys(m.group(0).strip() for m in _AMOUNT.finditer(sentence)))


def needs_of(text: str) -> tuple[str, ...]:
    return tuple(need for need, pattern in _NEED_PATTERNS.items() if pattern.search(text))


def rule_offer(sentence: str, heading: str = "") -> bool:
    """The rule: an offer's verb, no sign of a target, a statistic or a heading, outside the sections
    that state aims or the present state."""
    s = sentence.strip()
    section = heading.split(" > ")[-1] if heading else ""
    return (bool(OFFER.search(s)) and not NOT_AN_OFFER.search(s) and heading_level(s) is None
            and not is_fragment(s) and not AIMS_SECTION.search(section))


_SHIPPED = "shipped"


def judge(sentence: str, heading: str = "", model: MeasureModel | None | str = _SHIPPED,
          context: str = "") -> tuple[str, ...]:
    """The kinds of need a sentence offers support for; () when it is no measure (a target, a fact, a
    proposal, an order). The shipped model judges (rag.match.measure_model), or the rule before one
    was trained or when model is None (context: its chunk's text before it)."""
    found = needs_of(sentence)
    if not found:
        return ()
    decider = shipped_model() if model == _SHIPPED else model
    if not isinstance(decider, MeasureModel):
        return found if rule_offer(sentence, heading) else ()
    if not (rule_offer(sentence, heading) if decider.by_rule else decider.is_measure(sentence, heading, context)):
        return ()
    return decider.needs(sentence, {n: _NEED_PATTERNS[n] for n in found})


def candidates(chunks: Iterable[Chunk]) -> Iterator[tuple[Chunk, int, int]]:
    """Every sentence of the chunks that could be a measure: (chunk, start, end) within the chunk."""
    for chunk in chunks:
        for s, e in sentence_spans(chunk.text):
            if len(chunk.text[s:e].strip()) >= 8:
                yield chunk, s, e


def measures_of(chunks: Iterable[Chunk], model: MeasureModel | None | str = _SHIPPED) -> list[Measure]:
    """The measures of a document's chunks, in document order (model: as for `judge`)."""
    out: list[Measure] = []
    for chunk, s, e in candidates(chunks):
        sentence = chunk.text[s:e]
        needs = judge(sentence, chunk.heading_path, model, chunk.text[:s])
        if needs:
            out.append(Measure(
                doc_id=chunk.doc_id, start=chunk.start + s, end=chunk.start + e, text=sentence.strip(),
                needs=needs, conditions=tuple(dict.fromkeys(m.group(0) for m in _CONDITION.finditer(sentence))),
                amounts=amounts_in(sentence),
                period=next((m.group(0) for m in _PERIOD.finditer(sentence)), ""),
                headings=chunk.heading_path, chunk_start=chunk.start, chunk_end=chunk.end, paragraph=chunk.text,
            ))
    return out


def measure_rows(chunks: Sequence[Chunk]) -> list[dict[str, Any]]:
    return [m.to_row() for m in measures_of(chunks)]


# Rename when what measures_of finds changes: the next ingest finds every document's measures again.
FINDER = MeasureFinder(f"measures-3:{model_id()}", measure_rows)

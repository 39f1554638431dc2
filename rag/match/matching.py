"""政策匹配: a business profile in, the measures that may apply out, each cited to its paragraph.

Which measures: those of the documents whose place covers the business's (rag.match.places) and
whose industry is the business's, that offer a kind of support the owner needs. How well each fits:
the conditions the profile can decide (规上, 营收, newly set up) give 符合 / 不符合; conditions it
cannot decide are shown and the measure is 可能符合.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rag.index.index_view import LexicalView, Snapshot, as_list
from rag.match.industries import family, names_other_industry
from rag.match.measures import FINDER, NEEDS, Measure, measures_of
from rag.match.places import Places
from rag.types import Chunk, Citation


@dataclass(frozen=True)
class Profile:
    region: str
    industry: str = ""
    needs: tuple[str, ...] = ()  # kinds of NEEDS; none = all
    facts: dict[str, Any] = field(default_factory=dict)  # 规上 (bool), 营收万元, 员工数, 成立年限 — all optional


@dataclass(frozen=True)
class Match:
    need: str
    measure: Measure
    fit: str  # 符合 / 可能符合 / 不符合
    reason: str
    citation: Citation
    contact: str = ""  # the document's contact, where the manifest gives one

    def to_json(self) -> dict[str, Any]:
        m = self.measure
        return {"need": self.need, "offer": m.text, "conditions": list(m.conditions),
                "amount": "、".join(m.amounts) or "未写明金额", "period": m.period,
                "contact": self.contact, "status": self.citation.status, "caution": self.citation.caution(),
                "fit": self.fit, "reason": self.reason, "citation": self.citation.to_json()}


@dataclass(frozen=True)
class MatchResult:
    profile: Profile
    place: tuple[str, ...]  # the business's place, completed from the documents' places
    matches: tuple[Match, ...]
    notice: str = ""  # why nothing matched, when nothing did

    def to_json(self) -> dict[str, Any]:
        return {"place": list(self.place), "measures": [m.to_json() for m in self.matches], "notice": self.notice}


class UnknownNeed(ValueError):
    pass


FACTS = ("规上", "营收万元", "员工数", "成立年限")


def check_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """The size facts of a profile, refused naming the field when unknown or of the wrong type."""
    for key, value in facts.items():
        if key not in FACTS:
            raise ValueError(f"facts.{key}: unknown (known: {', '.join(FACTS)})")
        if key == "规上" and not isinstance(value, bool):
            raise ValueError("facts.规上: true or false")
        if key != "规上" and (isinstance(value, bool) or not isinstance(value, int | float) or value < 0):
            raise ValueError(f"facts.{key}: a number ≥ 0")
    return dict(facts)


def parse_facts(pairs: Iterable[str]) -> dict[str, Any]:
    """"规上=true", "营收万元=3000" -> {"规上": True, "营收万元": 3000.0}; an unknown name or value is
    refused naming it."""
    facts: dict[str, Any] = {}
    for pair in pairs:
        key, _, value = (x.strip() for x in pair.partition("="))
        if key not in FACTS:
            raise ValueError(f"unknown fact {key!r} (known: {', '.join(FACTS)})")
        if key == "规上":
            if value.lower() not in ("true", "false", "是", "否"):
                raise ValueError(f"规上 must be true or false, not {value!r}")
            facts[key] = value.lower() in ("true", "是")
        else:
            try:
                facts[key] = float(value)
            except ValueError:
                raise ValueError(f"{key} must be a number, not {value!r}") from None
    return facts


def _fit(measure: Measure, facts: dict[str, Any]) -> tuple[str, str]:
    """符合 / 可能符合 / 不符合 from what the profile says, and why."""
    text = measure.text
    if re.search(r"规模以上|规上", text):
        if facts.get("规上") is True:
            return "符合", "要求规上企业，您是规上企业"
        if facts.get("规上") is False:
            return "不符合", "要求规上企业，您填写的是规下企业"
        return "可能符合", "要求规上企业，请核对"
    m = re.search(r"(?:营收|营业收入|主营业务收入|销售收入)[^，。；\d]{0,8}(\d+(?:\.\d+)?)\s*(万|亿)元以上", text)
    if m:
        need = float(m.group(1)) * (10000 if m.group(2) == "亿" else 1)
        have = facts.get("营收万元")
        if isinstance(have, int | float):
            ok = have >= need
            return ("符合" if ok else "不符合"), f"要求营收{m.group(1)}{m.group(2)}元以上，您填写{have:g}万元"
        return "可能符合", f"要求营收{m.group(1)}{m.group(2)}元以上，请核对"
    if re.search(r"新设立|新注册|新成立|新落户", text):
        years = facts.get("成立年限")
        if isinstance(years, int | float):
            return ("符合", "面向新设立企业") if years <= 1 else ("不符合", f"面向新设立企业，您已成立{years:g}年")
        return "可能符合", "面向新设立企业，请核对"
    if measure.conditions:
        return "可能符合", "文件写有适用条件，请核对"
    return "符合", ""


class Matcher:
    """The measures of the visible documents, as the catalog stored them at ingest, matched against
    profiles."""

    def __init__(self, view: LexicalView, find: Callable[[list[Chunk]], list[Measure]] | None = None) -> None:
        self.view = view
        self.find = find  # read the paragraphs with this instead of the stored measures (to try another model)
        self._for: Snapshot | None = None
        self._by_doc: dict[str, list[Measure]] = {}

    def measures(self, doc_id: str) -> list[Measure]:
        """The measures of one visible document."""
        return self._all(self.view.snapshot()).get(doc_id, [])

    def _all(self, snap: Snapshot) -> dict[str, list[Measure]]:
        """Every visible document's measures, read once per change of the index."""
        if self._for is snap:
            return self._by_doc
        stored = self.view.catalog.live_measures(FINDER.name) if self.find is None else {}
        chunks: dict[str, list[Chunk]] = {}
        for c in snap.chunks:
            chunks.setdefault(c.doc_id, []).append(c)
        by_doc: dict[str, list[Measure]] = {}
        for doc, paras in chunks.items():
            text = {c.start: c.text for c in paras}
            rows = stored.get(doc)
            if rows is not None and all(r["chunk_start"] in text for r in rows):
                by_doc[doc] = [Measure.from_row(doc, r, text[r["chunk_start"]]) for r in rows]
            else:  # an index from before measures were stored, or a version replaced meanwhile
                by_doc[doc] = (self.find or measures_of)(paras)
        self._for, self._by_doc = snap, by_doc
        return by_doc

    def match(self, profile: Profile) -> MatchResult:
        check_facts(profile.facts)
        unknown = [n for n in profile.needs if n not in NEEDS]
        if unknown:
            raise UnknownNeed(f"unknown need: {', '.join(unknown)} (known: {', '.join(NEEDS)})")
        snap = self.view.snapshot()
        meta = snap.doc_meta
        places = Places(str(m.get("region") or "") for m in meta.values())
        place = places.resolve(profile.region)
        needs = profile.needs or tuple(NEEDS)
        where = "".join(place) or profile.region
        covering = [d for d, m in meta.items() if places.covers(places.resolve(str(m.get("region") or "")), place)]
        if not covering:
            return MatchResult(profile, place, (), f"现有文件未涉及{where}，没有找到适用的政策措施。")
        wanted = family(profile.industry)
        # a document that names no industry is for every industry
        docs = [d for d in covering if not wanted or not _industries(meta[d]) or wanted & _industries(meta[d])]
        if not docs:
            return MatchResult(profile, place, (), f"现有文件中没有适用于{where}{profile.industry}企业的政策措施。")
        found = self._all(snap)
        # The local document first (狮岭 before 广州市), then the wider ones.
        docs.sort(key=lambda d: (-len(places.resolve(str(meta[d].get("region") or ""))), d))
        matches: list[Match] = []
        for need in needs:
            for doc in docs:
                m = meta[doc]
                for measure in found.get(doc, []):
                    if need not in measure.needs or (wanted and names_other_industry(measure.text, wanted)):
                        continue
                    fit, why = _fit(measure, profile.facts)
                    reason = f"地区：{m.get('region')}；行业：{'、'.join(as_list(m.get('industry')))}；需求：{need}"
                    matches.append(Match(need, measure, fit, reason + (f"；{why}" if why else ""),
                                         _citation(len(matches) + 1, measure, doc, m), str(m.get("contact") or "")))
        return MatchResult(profile, place, tuple(matches),
                           "" if matches else "现有文件中没有找到与所选需求对应的政策措施。")


def _industries(meta: dict[str, Any]) -> set[str]:
    return set().union(*(family(i) for i in as_list(meta.get("industry"))))


def _citation(n: int, measure: Measure, doc: str, meta: dict[str, Any]) -> Citation:
    return Citation(n=n, doc=doc, title=str(meta.get("title") or doc), start=measure.chunk_start,
                    end=measure.chunk_end, text=measure.paragraph, issuer=str(meta.get("issuer") or ""),
                    date=str(meta.get("date") or ""), status=str(meta.get("status") or ""),
                    region=str(meta.get("region") or ""), headings=measure.headings,
                    quotes=((measure.start, measure.end),), valid_period=str(meta.get("valid_period") or ""))

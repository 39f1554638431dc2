"""政策匹配: a business profile in, the measures that may apply out, each cited to its paragraph.

Which measures: those of the documents whose place covers the business's (rag.search.places) and
whose industry is the business's, that offer a kind of support the owner needs and are not limited to
other trades (rag.match.industries: 餐饮、旅游等行业企业 is not for a shoe maker). How well each fits:
the conditions the profile can decide (规上, 营收, newly set up) give 符合 / 不符合; conditions it
cannot decide are shown and the measure is 可能符合.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rag.index.index_view import LexicalView, Snapshot, as_list
from rag.match.fit import FACTS, check_facts, fit_of, parse_facts
from rag.match.industries import family, names_other_industry, names_other_sector, sectors
from rag.match.measures import FINDER, NEEDS, Measure, measures_of
from rag.search.places import Coverage, coverage_of
from rag.types import Chunk, Citation

__all__ = ["FACTS", "NEEDS", "Match", "MatchResult", "Matcher", "Profile", "UnknownNeed", "check_facts", "parse_facts"]


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


class Matcher:
    """The measures of the visible documents, as the catalog stored them at ingest, matched against
    profiles."""

    def __init__(self, view: LexicalView, find: Callable[[list[Chunk]], list[Measure]] | None = None) -> None:
        self.view = view
        self.find = find  # read the paragraphs with this instead of the stored measures (to try another model)
        self._read: tuple[Snapshot, dict[str, list[Measure]], Coverage] | None = None

    def measures(self, doc_id: str) -> list[Measure]:
        """The measures of one visible document."""
        return self._all(self.view.snapshot())[1].get(doc_id, [])

    def _all(self, snap: Snapshot) -> tuple[Snapshot, dict[str, list[Measure]], Coverage]:
        """Every visible document's measures and places, read once per change of the index."""
        read = self._read
        if read is not None and read[0] is snap:
            return read
        stored = self.view.catalog.live_measures(FINDER.name) if self.find is None else {}
        chunks: dict[str, list[Chunk]] = {}
        for c in snap.chunks:
            chunks.setdefault(c.doc_id, []).append(c)
        by_doc: dict[str, list[Measure]] = {}
        for doc, paras in chunks.items():
            rows = stored.get(doc)
            kept = _as_stored(doc, rows, paras) if rows is not None else None
            # an index from before measures were stored, or rows of a version that replaced this one
            by_doc[doc] = kept if kept is not None else (self.find or measures_of)(paras)
        read = (snap, by_doc, coverage_of(snap))
        self._read = read
        return read

    def match(self, profile: Profile) -> MatchResult:
        check_facts(profile.facts)
        unknown = [n for n in profile.needs if n not in NEEDS]
        if unknown:
            raise UnknownNeed(f"unknown need: {', '.join(unknown)} (known: {', '.join(NEEDS)})")
        snap = self.view.snapshot()
        meta = snap.doc_meta
        _, found, coverage = self._all(snap)
        place = coverage.places.resolve(profile.region)
        needs = profile.needs or tuple(NEEDS)
        where = "".join(place) or profile.region
        covering = [d for d in meta if coverage.covers(d, place)]
        if not covering:
            return MatchResult(profile, place, (), f"现有文件未涉及{where}，没有找到适用的政策措施。")
        wanted, sector = family(profile.industry), sectors(profile.industry)
        # a document that names no industry is for every industry
        docs = [d for d in covering if not wanted or not _industries(meta[d]) or wanted & _industries(meta[d])]
        if not docs:
            return MatchResult(profile, place, (), f"现有文件中没有适用于{where}{profile.industry}企业的政策措施。")
        # The local document first (狮岭 before 广州市), then the wider ones.
        docs.sort(key=lambda d: (-max(map(len, coverage.regions.get(d, ())), default=0), d))
        matches: list[Match] = []
        for need in needs:
            for doc in docs:
                m = meta[doc]
                for measure in found.get(doc, []):
                    if need not in measure.needs or (wanted and names_other_industry(measure.text, wanted)) \
                            or (profile.industry.strip() and names_other_sector(measure.text, sector)):
                        continue
                    fit, why = fit_of(measure, profile.facts)
                    trade = "、".join(as_list(m.get("industry"))) or "不限"
                    reason = f"地区：{m.get('region')}；行业：{trade}；需求：{need}"
                    matches.append(Match(need, measure, fit, reason + (f"；{why}" if why else ""),
                                         _citation(len(matches) + 1, measure, doc, m), str(m.get("contact") or "")))
        return MatchResult(profile, place, tuple(matches),
                           "" if matches else "现有文件中没有找到与所选需求对应的政策措施。")


def _as_stored(doc: str, rows: list[dict[str, Any]], paras: list[Chunk]) -> list[Measure] | None:
    """The stored measures, if every one stands in a paragraph of this snapshot as stored (its
    sentence at its span); None when any does not (the rows are of another version)."""
    by_start = {c.start: c for c in paras}
    out = []
    for r in rows:
        c = by_start.get(r["chunk_start"])
        if c is None or c.end != r["chunk_end"] or c.text[r["start"] - c.start:r["end"] - c.start].strip() != r["text"]:
            return None
        out.append(Measure.from_row(doc, r, c.text))
    return out


def _industries(meta: dict[str, Any]) -> set[str]:
    return set().union(*(family(i) for i in as_list(meta.get("industry"))))


def _citation(n: int, measure: Measure, doc: str, meta: dict[str, Any]) -> Citation:
    return Citation(n=n, doc=doc, title=str(meta.get("title") or doc), start=measure.chunk_start,
                    end=measure.chunk_end, text=measure.paragraph, issuer=str(meta.get("issuer") or ""),
                    date=str(meta.get("date") or ""), status=str(meta.get("status") or ""),
                    region=str(meta.get("region") or ""), headings=measure.headings,
                    quotes=((measure.start, measure.end),), valid_period=str(meta.get("valid_period") or ""))

"""Places nest: a business in 狮岭镇 is in 花都区, in 广州市, in 广东省. A document covers a business when
the document's place is the business's place or one that contains it, never a sibling or a child.

Places are read from the document regions of the manifest ("广州市花都区狮岭镇" is 广州市 > 花都区 >
狮岭镇); a profile may name a place fully, partly ("狮岭镇", "花都区狮岭镇") or without suffixes
("温州鹿城"), and is completed from the regions the documents name. Both are then completed upward
from the national table of divisions (province > city > county, the adcodes of the cpca package):
广州市 is in 广东省, 平湖市 in 嘉兴市 in 浙江省, so a 广东省 document covers a 狮岭 business.
"""

from __future__ import annotations

import csv
import importlib.util
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from rag.index.index_view import Snapshot, as_list

# Administrative levels, largest first; a name ends in one of these.
_LEVELS = r"(?:特别行政区|自治区|自治州|街道|省|市|区|县|旗|镇|乡)"
_LEVEL = re.compile(r"[^省市区县镇乡]+?" + _LEVELS)
_SUFFIX = re.compile(_LEVELS + "$")
_LEVEL_AFTER = re.compile(_LEVELS)


def bare(name: str) -> str:
    """A place name without its level: 狮岭镇 -> 狮岭, 广州市 -> 广州 (two characters are kept)."""
    stripped = _SUFFIX.sub("", name)
    return stripped if len(stripped) >= 2 else name


def path_of(region: str) -> tuple[str, ...]:
    """"广州市花都区狮岭镇" -> ("广州市", "花都区", "狮岭镇"); text without a level suffix stays whole."""
    region = re.sub(r"\s+", "", region or "")
    parts = _LEVEL.findall(region)
    rest = _LEVEL.sub("", region)
    return tuple(parts) + ((rest,) if rest else ())


_NOT_A_NAME = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")


@cache
def _table() -> tuple[dict[str, set[tuple[str, ...]]], dict[str, set[tuple[str, ...]]]]:
    """The table of divisions (province > city > county) as two indexes of paths from the province
    down: by full name ("花都区") and by bare name ("花都"); read from the table shipped in the cpca
    package without importing it."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        return {}, {}
    table = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    with table.open(encoding="utf-8") as fh:
        names = {row["adcode"][:6]: row["name"] for row in csv.DictReader(fh) if row["name"] not in _NOT_A_NAME}
    full: dict[str, set[tuple[str, ...]]] = {}
    short: dict[str, set[tuple[str, ...]]] = {}
    for code, name in names.items():
        path = tuple(dict.fromkeys(n for n in (names.get(code[:2] + "0000"), names.get(code[:4] + "00"), name) if n))
        full.setdefault(name, set()).add(path)
        short.setdefault(bare(name), set()).add(path)
    return full, short


def all_divisions() -> Iterable[tuple[str, ...]]:
    """Every division of the table, as its path from the province down."""
    return (path for paths in _table()[0].values() for path in paths)


def divisions_named(name: str) -> set[tuple[str, ...]]:
    """The table's paths of a name: by its full name when it has a level (平湖街道 is no 平湖市, 太平镇
    no 太平区: towns and streets are below the table), by its bare name when it has none (深圳)."""
    full, short = _table()
    if _SUFFIX.search(name):
        return set(full.get(name, set()))
    return set(short.get(name, set()))


def _on(path: tuple[str, ...], name: str) -> bool:
    return any(bare(p) == bare(name) for p in path)


def upward(path: tuple[str, ...]) -> tuple[str, ...]:
    """A path completed from the table of divisions, from the deepest name it knows: ("广州市", "花都区",
    "狮岭镇") -> ("广东省", "广州市", "花都区", "狮岭镇"); ("浙江省", "平湖市") -> ("浙江省", "嘉兴市",
    "平湖市"). The names above must agree with the table; a name it holds twice (白云区 is in 广州 and in
    贵阳) is completed only when they tell which; otherwise the path stays as given."""
    for i in range(len(path) - 1, -1, -1):
        found = divisions_named(path[i])
        if not found:
            continue
        above = [p for p in path[:i] if divisions_named(p)]
        found = {f for f in found if all(_on(f, q) for q in above)}
        return next(iter(found)) + path[i + 1:] if len(found) == 1 else path
    return path


def _named_in(name: str, text: str) -> bool:
    """Whether the text names this place: its bare name, not followed by another level (平湖街道 is
    not 平湖市; 平湖, 平湖市 and 嘉兴平湖 are)."""
    short = bare(name)
    level = name[len(short):]
    for m in re.finditer(re.escape(short), text):
        after = _LEVEL_AFTER.match(text, m.end())
        if after is None or after.group(0) == level:
            return True
    return False


def _agrees(known: tuple[str, ...], given: tuple[str, ...]) -> bool:
    """Whether every division the text names (杭州市 in "杭州市鹿城路") is on the known path or below it."""
    for name in given:
        if _on(known, name):
            continue
        table = divisions_named(name)
        if table and not any(_on(t, known[-1]) for t in table):
            return False
    return True


class Places:
    """The places the documents name, to complete a profile's place and to test coverage."""

    def __init__(self, regions: Iterable[str]) -> None:
        self.paths = sorted({upward(path_of(r)) for r in regions if r}, key=len, reverse=True)

    def resolve(self, text: str) -> tuple[str, ...]:
        """The full path of a business's place: the known path that ends deepest in a name the text
        gives, followed by the levels of the text below it. () when the text names nothing."""
        given = path_of(text)
        flat = re.sub(r"\s+", "", text or "")
        best: tuple[str, ...] = ()
        for path in self.paths:
            for depth in range(len(path), 0, -1):
                if _named_in(path[depth - 1], flat) and _agrees(path[:depth], given):
                    if depth > len(best):
                        best = path[:depth]
                    break
        if not best:
            return upward(given)
        # levels the text names below the deepest known one ("广州市番禺区": 广州市 known, 番禺区 kept)
        names = [bare(p) for p in best]
        below = [p for p in given if bare(p) not in names and not any(bare(p) in n or n in bare(p) for n in names)]
        return upward(best + tuple(below))

    @staticmethod
    def covers(document: tuple[str, ...], business: tuple[str, ...]) -> bool:
        """The document's place is the business's place or contains it (全国: every place)."""
        if not document or not business:
            return False
        if document in (("全国",), ("中国",), ("中华人民共和国",)):
            return True
        doc = [bare(p) for p in document]
        biz = [bare(p) for p in business]
        for start in range(len(biz) - len(doc) + 1):
            if biz[start:start + len(doc)] == doc:
                return True
        return False


class Coverage:
    """The documents' places (doc -> its regions, as the manifest gives them), each resolved once."""

    def __init__(self, regions: dict[str, list[str]]) -> None:
        self.places = Places(r for rs in regions.values() for r in rs)
        resolved = {r: self.places.resolve(r) for r in {r for rs in regions.values() for r in rs}}
        self.regions = {doc: tuple(resolved[r] for r in rs if resolved[r]) for doc, rs in regions.items()}

    def covers(self, doc_id: str, place: tuple[str, ...]) -> bool:
        return any(Places.covers(r, place) for r in self.regions.get(doc_id, ()))

    def docs_around(self, names: Iterable[str]) -> list[str] | None:
        """The documents that concern the place these names give (白云区, 花都区狮岭镇): those whose
        place contains it or lies within it, and those that name no place. None when the names give
        no place, or places on different branches (平湖 and 鹿城)."""
        paths = [p for p in (self.places.resolve(n) for n in names) if p]
        if not paths:
            return None
        deepest = max(paths, key=len)
        if not all(Places.covers(p, deepest) for p in paths):
            return None
        return sorted(doc for doc, places in self.regions.items()
                      if not places or any(Places.covers(r, deepest) or Places.covers(deepest, r) for r in places))


_LAST: list[tuple[Snapshot, Coverage]] = []


def coverage_of(snap: Snapshot) -> Coverage:
    """The places of one index snapshot's documents, read once per change of the index."""
    last = _LAST[0] if _LAST else None
    if last is not None and last[0] is snap:
        return last[1]
    coverage = Coverage({doc: as_list(meta.get("region")) for doc, meta in snap.doc_meta.items()})
    _LAST[:] = [(snap, coverage)]
    return coverage

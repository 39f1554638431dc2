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

# Administrative levels, largest first; a name ends in one of these.
_LEVEL = re.compile(r"[^省市区县镇乡]+?(?:特别行政区|自治区|自治州|街道|省|市|区|县|旗|镇|乡)")
_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|街道|省|市|区|县|旗|镇|乡)$")


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
def _divisions() -> dict[str, set[tuple[str, ...]]]:
    """Each division's bare name -> its paths from the province down ("花都" -> {("广东省", "广州市",
    "花都区")}); read from the table shipped in the cpca package without importing it."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        return {}
    table = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    with table.open(encoding="utf-8") as fh:
        names = {row["adcode"][:6]: row["name"] for row in csv.DictReader(fh) if row["name"] not in _NOT_A_NAME}
    out: dict[str, set[tuple[str, ...]]] = {}
    for code, name in names.items():
        path = tuple(dict.fromkeys(n for n in (names.get(code[:2] + "0000"), names.get(code[:4] + "00"), name) if n))
        out.setdefault(bare(name), set()).add(path)
    return out


def upward(path: tuple[str, ...]) -> tuple[str, ...]:
    """A path completed upward from the table of divisions when its top is known there without doubt:
    ("广州市", "花都区", "狮岭镇") -> ("广东省", "广州市", "花都区", "狮岭镇"). A name the table holds
    twice (白云区 is in 广州 and in 贵阳) is completed only if the next level tells which."""
    if not path:
        return path
    found = _divisions().get(bare(path[0]), set())
    if len(found) > 1 and len(path) > 1:
        found = {f for f in found if any(f[:-1] == g[:-1] and bare(g[-1]) == bare(path[1])
                                         for g in _divisions().get(bare(path[1]), set()))} or found
    if len(found) != 1:
        return path
    above = next(iter(found))[:-1]
    return tuple(p for p in above if bare(p) not in {bare(q) for q in path}) + path


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
                if bare(path[depth - 1]) in flat:
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
        if document in (("全国",), ("中华人民共和国",)):
            return True
        doc = [bare(p) for p in document]
        biz = [bare(p) for p in business]
        for start in range(len(biz) - len(doc) + 1):
            if biz[start:start + len(doc)] == doc:
                return True
        return False

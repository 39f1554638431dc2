"""Places nest: a business in 狮岭镇 is in 花都区, in 广州市, in 广东省. A document covers a business when
the document's place is the business's place or one that contains it, never a sibling or a child.

Places are read from the document regions of the manifest ("广州市花都区狮岭镇" is 广州市 > 花都区 >
狮岭镇); a profile may name a place fully, partly ("狮岭镇", "花都区狮岭镇") or without suffixes
("温州鹿城"), and is completed from the regions the documents name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

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


class Places:
    """The places the documents name, to complete a profile's place and to test coverage."""

    def __init__(self, regions: Iterable[str]) -> None:
        self.paths = sorted({path_of(r) for r in regions if r}, key=len, reverse=True)

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
            return given
        # levels the text names below the deepest known one ("广州市番禺区": 广州市 known, 番禺区 kept)
        names = [bare(p) for p in best]
        below = [p for p in given if bare(p) not in names and not any(bare(p) in n or n in bare(p) for n in names)]
        return best + tuple(below)

    @staticmethod
    def covers(document: tuple[str, ...], business: tuple[str, ...]) -> bool:
        """The document's place is the business's place or contains it."""
        if not document or not business:
            return False
        doc = [bare(p) for p in document]
        biz = [bare(p) for p in business]
        for start in range(len(biz) - len(doc) + 1):
            if biz[start:start + len(doc)] == doc:
                return True
        return False

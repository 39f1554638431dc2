"""What a question asks, in search terms: its content words weighted by rarity, the kind of fact it
asks for, and the terms it quotes. Shared by the search (reranking) and the answer stage."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.index.lexical import normalise, tokenize

CJK = re.compile(r"[\u4e00-\u9fff]")

# Kind of answer a question asks for -> (how the question asks, how a sentence states it).
_NUM = r"\d+(?:[.,]\d+)?"
ANSWER_KINDS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    "money": (
        re.compile(r"多少.{0,4}(?:钱|资金|补贴|补助|奖励|奖金|租金|费用|经费|万元|亿元|元)|"
                   r"(?:补贴|补助|奖励|奖金|租金|资金|经费|金额)(?:是|有|为)?多少|"
                   r"how much (?:money|funding|subsid|support|reward|rent)|"
                   r"how much .*(?:yuan|rmb)|(?:amount|size) of (?:the )?(?:subsid|fund|reward|grant)", re.I),
        re.compile(rf"{_NUM}\s*(?:万|亿|千)?\s*元|{_NUM}\s*(?:万|亿)(?!件|人|平方|亩|家|个|名)"),
    ),
    "date": (
        re.compile(r"哪天|哪一天|哪年|几月|何时|什么时候|什么时间|日期|截止|\bwhen\b|what date|which day|deadline",
                   re.I),
        re.compile(r"\d{4}\s*年|\d{1,2}\s*月|\d{4}-\d{1,2}-\d{1,2}|今年|去年|明年|年底|年初|季度"),
    ),
    "phone": (
        re.compile(r"电话|联系方式|热线|联系人|找谁|联系谁|问谁|咨询谁|phone|telephone|call|contact", re.I),
        re.compile(r"\d{3,4}-\d{7,8}|\d{7,11}"),
    ),
    "percent": (
        re.compile(r"比例|占比|比重|百分之|份额|多少%|\bshare\b|percent|proportion", re.I),
        re.compile(r"\d+(?:\.\d+)?\s*[%％]|百分之|[一二三四五六七八九]成"),
    ),
    "org": (
        re.compile(r"牵头|哪个部门|哪些部门|哪个单位|哪些单位|哪家单位|由谁|谁负责|主办|会办|负责部门|"
                   r"which (?:department|agency|bureau)", re.I),
        re.compile(r"[局委办厅院会]|政府|部门|单位|中心|协会"),
    ),
    "count": (
        re.compile(r"多少(?:家|个|名|人|位|项|件|所|条|次|场|亩|平方)|(?<!哪)(?:有|是|要|达到?)几(?:家|个|名|项|件|所|条|次|场)|"
                   r"(?<!哪)几(?:家|个|名|项|件|所|条|次|场)[？?]|how many", re.I),
        re.compile(r"\d+|[一二三四五六七八九十百千万两]+(?:家|个|名|人|位|项|件|所|条|次|场)"),
    ),
}


def is_chinese(text: str) -> bool:
    cjk = len(CJK.findall(text))
    return cjk >= 2 and cjk >= 0.2 * len(text.strip())


def expected_kind(question: str) -> str | None:
    """The kind of fact the question asks for (money, date, phone, percent, count), if any."""
    for kind, (asks, _) in ANSWER_KINDS.items():
        if asks.search(question):
            return kind
    return None


@dataclass(frozen=True)
class QueryTerms:
    terms: tuple[tuple[str, float], ...]  # (term, weight) of terms the corpus has, heaviest first
    unknown: tuple[str, ...] = ()  # terms that occur in no indexed paragraph

    @property
    def total(self) -> float:
        return sum(w for _, w in self.terms)

    def coverage(self, text: str) -> float:
        """Weighted share of the query's known terms that occur in text.

        Words the corpus never uses (colloquial phrasing, typos) say nothing about whether a paragraph
        answers, so they are left out; unknown place names are handled by `unknown_places`.
        """
        if not self.terms:
            return 0.0
        norm = normalise(text)
        return sum(w for t, w in self.terms if t in norm) / self.total

    def without(self, texts: list[str]) -> QueryTerms:
        """The terms that do not merely name a document (its title or alias), if any remain."""
        names = normalise("\n".join(texts))
        kept = tuple((t, w) for t, w in self.terms if t not in names)
        return QueryTerms(kept, self.unknown) if kept else self


def query_terms(query: str, idf: Callable[[str], float], df: Callable[[str], int]) -> QueryTerms:
    """Content terms of a query, weighted by their rarity in the corpus."""
    seen: dict[str, int] = {}
    for tok in tokenize(query):
        if len(tok) < 2 and CJK.match(tok):
            continue
        seen[tok] = df(tok)
    # jieba's search mode also yields the parts of long words: keep a part only when its whole word
    # never occurs in the corpus (then the parts are the best evidence there is).
    kept = [t for t in seen if not any(t != o and t in o and seen[o] > 0 for o in seen)]
    known = sorted(((t, idf(t)) for t in kept if seen[t] > 0), key=lambda tw: -tw[1])
    return QueryTerms(tuple(known), tuple(t for t in kept if seen[t] == 0))


_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,30})[”\"」』]")


def quoted_terms(question: str) -> list[str]:
    """Terms the question puts in quotation marks (“链长制”): asked about exactly, in search form."""
    return [normalise(m.group(1)).strip() for m in _QUOTED.finditer(question) if m.group(1).strip()]


def has_quoted(text: str, quoted: list[str]) -> bool:
    t = normalise(text)
    return any(q in t for q in quoted)

"""How well a piece of text supports a question: term coverage and the expected kind of answer.

Pure functions used to pick answer sentences and to decide when the documents do not answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from rag.answer.numbers import canonical
from rag.index.lexical import normalise, pos_tags, tokenize

_CJK = re.compile(r"[\u4e00-\u9fff]")

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
    cjk = len(_CJK.findall(text))
    return cjk >= 2 and cjk >= 0.2 * len(text.strip())


def expected_kind(question: str) -> str | None:
    """The kind of fact the question asks for (money, date, phone, percent, count), if any."""
    for kind, (asks, _) in ANSWER_KINDS.items():
        if asks.search(question):
            return kind
    return None


# Words a policy text may use for the thing a question names (asked 补贴, written 补助).
SYNONYMS = {
    "补贴": ("补助", "资助", "奖补", "扶持资金"),
    "补助": ("补贴", "资助", "奖补"),
    "奖励": ("奖补", "奖金"),
    "奖金": ("奖励",),
    "截止": ("截至",),
    "开始": ("起", "启动", "首届", "首次"),
    "钱": ("资金", "元"),
    "资金": ("元",),
    "联系": ("电话",),
}
_ASK_WORDS = re.compile(
    r"多少|几|哪天|哪一天|哪年|几月|何时|什么|时候|时间|日期|是|的|吗|呢|能|可以|最多|最少|大概|一共|总共"
)
FOCUS_WINDOW = 5


_MONEY_NOUNS = ("补贴", "补助", "奖励", "奖金", "租金", "费用", "经费", "资金", "金额", "钱")
GENERIC_IDF = 1.6  # words in more than about a fifth of all paragraphs (企业, 发展) say nothing specific


def focus_terms(question: str, kind: str | None, idf: Callable[[str], float] | None = None) -> list[str]:
    """The words next to the question word: what exactly is asked about (落户奖励 in 给多少落户奖励).

    For an amount, the kind of money named (补贴, 租金) is the focus when the question names one.
    """
    if kind is None:
        return []
    m = ANSWER_KINDS[kind][0].search(question)
    if m is None:
        return []
    window = question[max(0, m.start() - FOCUS_WINDOW): m.end() + FOCUS_WINDOW]
    if kind == "money":
        nouns = [n for n in _MONEY_NOUNS if n in window]
        if nouns:
            return nouns
    words = [t for t in tokenize(_ASK_WORDS.sub(" ", window)) if len(t) >= 2 and _CJK.search(t)]
    return [t for t in words if idf is None or idf(t) >= GENERIC_IDF]


_PER_UNIT_ASK = re.compile(r"每(?:家|个|场|项|人|名|位|次|年|平方米?|亩|户|所)")
_PER_UNIT_SAY = re.compile(r"每|最高|不超过|最多|按照?|给予|单个|单项|标准")


def per_unit_ok(question: str, text: str) -> bool:
    """A question asking for an amount per firm/event/year needs a sentence stating a rate or a cap,
    not a total (累计安排1.8亿元 does not say what each firm gets)."""
    return not _PER_UNIT_ASK.search(question) or bool(_PER_UNIT_SAY.search(text))


def mentions_focus(text: str, focus: list[str]) -> bool:
    """Whether a sentence speaks of at least one focus word (or a synonym); True when there is none."""
    if not focus:
        return True
    norm = normalise(text)
    return any(f in norm or any(syn in norm for syn in SYNONYMS.get(f, ())) for f in focus)


def states_kind(text: str, kind: str | None) -> bool:
    if kind is None:
        return True
    return bool(ANSWER_KINDS[kind][1].search(canonical(text).lower()))


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
        if len(tok) < 2 and _CJK.match(tok):
            continue
        seen[tok] = df(tok)
    # jieba's search mode also yields the parts of long words: keep a part only when its whole word
    # never occurs in the corpus (then the parts are the best evidence there is).
    kept = [t for t in seen if not any(t != o and t in o and seen[o] > 0 for o in seen)]
    known = sorted(((t, idf(t)) for t in kept if seen[t] > 0), key=lambda tw: -tw[1])
    return QueryTerms(tuple(known), tuple(t for t in kept if seen[t] == 0))


def unknown_places(query: str, occurs: Callable[[str], bool]) -> list[str]:
    """Place names in the question that occur nowhere in the indexed documents.

    A place counts as mentioned when its name without the suffix is (广西省 where the documents say
    广西壮族自治区, 泉州市 where they say 泉州). A word jieba tags as a place only by guessing (上路)
    is a place only when it is in jieba's dictionary as one or ends like a place name.
    """

    from rag.search.english import PLACE_SUFFIX, dictionary_places

    known = dictionary_places()
    out = []
    for w, flag in pos_tags(normalise(query)):
        if flag != "ns" or len(w) < 2 or occurs(w):
            continue
        core = PLACE_SUFFIX.sub("", w)
        if len(core) >= 2 and core != w and occurs(core):
            continue
        if w in known or core != w:
            out.append(w)
    return out


_QUOTED = re.compile(r"[“\"「『]([^”\"」』]{2,30})[”\"」』]")
_CONTACT_LINE = re.compile(
    r"^\W*(联系人|联系电话|联系方式|咨询电话|电话|传真|邮箱|电子邮箱|通讯地址|地址|邮编)\s*[:：]")
# The courtesy lines of official letters and notices: they answer nothing.
_SIGN_OFF = re.compile(r"^\W*(感谢您|衷心感谢|非常感谢|此复|特此函复|特此答复|专此答复|特此通知|特此公告|以上答复)")


def quoted_terms(question: str) -> list[str]:
    """Terms the question puts in quotation marks (“链长制”): asked about exactly, in search form."""
    return [normalise(m.group(1)).strip() for m in _QUOTED.finditer(question) if m.group(1).strip()]


def has_quoted(text: str, quoted: list[str]) -> bool:
    t = normalise(text)
    return any(q in t for q in quoted)


def is_contact_line(sentence: str) -> bool:
    """A line such as "(联系人:…,联系电话:…)": an answer only to a question about contacts."""
    return bool(_CONTACT_LINE.search(sentence))


def is_sign_off(sentence: str) -> bool:
    """"感谢您对…的关心。" / "此复。": courtesy that answers no question."""
    return bool(_SIGN_OFF.search(sentence))

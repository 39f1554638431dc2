"""How well a piece of text supports a question: term coverage and the expected kind of answer.

Pure functions used to pick answer sentences and to decide when the documents do not answer.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rag.index.lexical import normalise, pos_tags, tokenize
from rag.numbers import canonical
from rag.search.terms import ANSWER_KINDS, CJK

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
    words = [t for t in tokenize(_ASK_WORDS.sub(" ", window)) if len(t) >= 2 and CJK.search(t)]
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


_CONTACT_LINE = re.compile(
    r"^\W*(联系人|联系电话|联系方式|咨询电话|电话|传真|邮箱|电子邮箱|通讯地址|地址|邮编)\s*[:：]")
# The courtesy lines of official letters and notices: they answer nothing.
_SIGN_OFF = re.compile(r"^\W*(感谢您|衷心感谢|非常感谢|此复|特此函复|特此答复|专此答复|特此通知|特此公告|以上答复)")


def is_contact_line(sentence: str) -> bool:
    """A line such as "(联系人:…,联系电话:…)": an answer only to a question about contacts."""
    return bool(_CONTACT_LINE.search(sentence))


def is_sign_off(sentence: str) -> bool:
    """"感谢您对…的关心。" / "此复。": courtesy that answers no question."""
    return bool(_SIGN_OFF.search(sentence))

"""Rule-based follow-up handling for the offline mode: carry the topic of the previous turn over,
but only for a question that cannot stand alone.

"那平湖呢？" after a question about Shiling's funding becomes a question about Pinghu's funding: the
earlier question supplies what is asked, the new one what it is asked about. A question with a
subject of its own ("平湖对设计人才有什么奖励？") is answered as asked, whatever came before.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import Any

from rag.index.lexical import in_dictionary, pos_tags
from rag.search.terms import is_chinese

# Words that point back at an earlier turn: "那…呢", "它/该/这些", "类似的", "what about".
_POINTS_BACK = re.compile(
    r"^(那|那么|还有|另外|再问|再说|那边|这边)|^(它|它们|他们|该|这个|这份|这些|那个|那份|上述|其(?!他|它|余))|"
    r"类似|同样的|也有|这方面|上面说的|刚才|前面说的", re.I)
_ONLY_CUE = re.compile(r"^.{0,8}呢\s*[？?]?$")  # "平湖呢？"
_CUE_WORDS = re.compile(r"^(那么|那|还有|另外|再问)|呢(?=\s*[？?]?\s*$)|[？?]\s*$")
_EN_POINTS_BACK = re.compile(r"^(and|what about|how about|also)\b", re.I)
# Pronouns point back only in a question that names nothing of its own (no proper noun after the
# first word: "How many positions did they offer?", not "…did Lucheng's fairs … they offer?").
_EN_PRONOUN = re.compile(r"\b(it|its|they|their|them|those|these|that one|the same)\b", re.I)
_EN_PROPER = re.compile(r"(?<=\s)[A-Z][a-z]{2,}")
_EN_WORD = re.compile(r"[A-Za-z]+")
# Nouns that name no topic of their own: what a follow-up asks about the topic before it.
# What a question asks for, whatever its topic (补贴, 条件, 电话).
_ASKED = {"政策", "文件", "规定", "问题", "情况", "内容", "时候", "时间", "东西", "事情", "方面", "地方",
          "补贴", "补助", "奖励", "资金", "金额", "条件", "标准", "电话", "部门", "单位", "名字",
          "要求", "措施", "办法", "流程", "材料", "期限", "多少", "怎么", "什么"}
_GENERIC = _ASKED | {
            # verbs any question may use
            "申请", "申报", "办理", "提供", "支持", "扶持", "发布", "印发", "到期", "开始", "结束", "需要",
            "可以", "能够", "享受", "给予", "联系", "咨询", "负责", "知道", "告诉", "请问", "还有", "具体",
            "报名", "填写", "提交", "审核", "审批", "参加", "获得", "领取", "兑现", "拨付", "操作", "准备",
            "截止", "上限", "下限", "到账", "叠加", "排队", "批下来", "有效", "满足", "符合",
            # the verbs of a yes-no question
            "有没有", "是不是", "是否", "能否", "可否", "有无", "能不能", "不能", "可不可以", "会不会"}
_TOPICAL = ("n", "vn", "nz", "j", "l", "v", "eng")
# A modal fused with a one-character verb by the segmenter's guess for unknown words ("能补", "能领",
# "可拿", "要交") or tagged a verb ("能到"): what a follow-up asks ("最多能补多少？"), not a topic.
# Dictionary nouns of the same shape (会展, 能源, 想法) are topics.
_MODAL_VERB = re.compile(r"^[能可会要想得][\u4e00-\u9fff]$")


def _modal_verb(word: str, flag: str) -> bool:
    return bool(_MODAL_VERB.match(word)) and (flag == "v" or not in_dictionary(word))
# A quoted term or a named document ("什么是“无接触点餐”？", "《实施意见》…") is a topic of its own.
_QUOTED = re.compile(r"[“\"《「][^”\"》」]{2,}[”\"》」]")


def has_subject(question: str, known: Collection[str] = ()) -> bool:
    """Whether a Chinese question names its own topic: a place, a named document, or at least one
    specific noun (设计人才, 展位费) besides words any follow-up may use (补贴, 条件, 电话)."""
    if any(k and k in question for k in known) or _QUOTED.search(question):
        return True
    # a place or organisation, or any specific content word
    return any(len(w) >= 2 and flag in ("ns", "nt") for w, flag in pos_tags(question)) or bool(_topics(question))


def is_followup(question: str, known: Collection[str] = ()) -> bool:
    """A question that cannot stand alone: it points back ("那…呢", "它", "类似的", "what about") or
    names no topic of its own ("怎么申请？", "有补贴吗？", "How much is it?")."""
    q = question.strip()
    if not q:
        return False
    if _EN_WORD.fullmatch(q.replace(" ", "")[:1] or "x") and len(re.findall(r"[\u4e00-\u9fff]", q)) < 2:
        return (bool(_EN_POINTS_BACK.search(q)) or len(_EN_WORD.findall(q)) < 4
                or bool(_EN_PRONOUN.search(q) and not _EN_PROPER.search(q)))
    return bool(_POINTS_BACK.search(q) or _ONLY_CUE.match(q)) or not has_subject(q, known)


def places_in(text: str, known: Collection[str] = ()) -> list[str]:
    """Place names in text: jieba's place tag, plus the known ones (manifest regions and aliases)."""

    found = [w for w, flag in pos_tags(text) if flag == "ns"]
    return found + [k for k in known if k and k in text and k not in found]


def conversation_places(history: Sequence[dict[str, Any]] | None, known: Collection[str] = ()) -> list[str]:
    """The places of the latest user turn that named any (at most 4 turns back): where the user said
    they are, or what they asked about, until they name another place."""
    asked = [str(t.get("content", "")) for t in (history or []) if t.get("role") == "user"]
    for turn in reversed(asked[-4:]):
        found = places_in(turn, known)
        if found:
            return found
    return []


def condense(question: str, history: Sequence[dict[str, Any]] | None, industries: Collection[str] = (),
             known_places: Collection[str] = ()) -> str:
    """A standalone search query: the question itself, or the previous question re-aimed by this one.

    When the follow-up names a place, the earlier question's places are dropped, so "那平湖呢？"
    after a question about 狮岭 asks the same thing about 平湖 instead of about both; the earlier
    industry words (皮具) go too, since another place's documents speak of their own industry.
    When it names a topic of its own ("人才方面呢？" after "狮岭参加展会有补贴吗？"), that topic takes
    the place of the earlier one: of the earlier question only its places and what it asked for
    (补贴, 条件, 多少) remain.
    """
    asked = [str(t.get("content", "")).strip() for t in (history or []) if t.get("role") == "user"]
    return _condense(question.strip(), [a for a in asked if a][-4:], industries, known_places)


def _condense(q: str, asked: list[str], industries: Collection[str], known_places: Collection[str]) -> str:
    """condense, with the user's earlier questions (oldest first). The question before a follow-up is
    taken as it was understood: a follow-up itself ("人才方面呢？"), condensed against the ones before
    it, so "那平湖呢？" then asks about 平湖's talent support, not about what came before that."""
    if not asked or not is_followup(q, known_places):
        return q
    previous = _condense(asked[-1], asked[:-1], industries, known_places)
    if places_in(q, known_places):
        for word in sorted(set(places_in(previous, known_places)) | set(industries), key=len, reverse=True):
            # with the suffix that belongs to it: 狮岭(镇), 皮具(产业)
            previous = re.sub(re.escape(word) + r"(?:镇|市|区|县|乡|街道|产业|行业|企业)?", "", previous)
    # The words that point back ("那…呢") are not what is asked about.
    own = _CUE_WORDS.sub("", q).strip() or q
    if is_chinese(own) and _topics(own):  # ("And in Shiling?" names a place, not a topic)
        places = set(places_in(previous, known_places))
        previous = " ".join(w for w, flag in pos_tags(previous) if w in places or w in _ASKED or flag in ("ns", "nt"))
    return f"{own} {previous}".strip()


def _topics(text: str) -> list[str]:
    """The specific content words of a question (设计人才, 展位费): not places, not words any question
    may use (补贴, 条件, 申请)."""
    return [w for w, flag in pos_tags(text) if len(w) >= 2 and flag.startswith(_TOPICAL) and flag not in ("ns", "nt")
            and w not in _GENERIC and not _modal_verb(w, flag)]

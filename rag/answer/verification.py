"""Check an LLM answer against the paragraphs it was given, before anyone sees it.

- every [n] must name a paragraph that was given to the model; other markers are removed;
- a Chinese sentence is credited to the paragraphs whose words it uses (rag.answer.attribution), whether
  or not the model wrote [n]: a cited paragraph that does not support it loses the citation, and a
  sentence no paragraph supports is dropped. A sentence in another script than the question's is
  dropped; an English sentence keeps the model's valid [n] (its words cannot be matched to Chinese);
- every figure in a sentence must occur in a paragraph that sentence cites, outside any sentence
  that speaks to the bot (rag.answer.injection);
- a sentence with no valid citation is kept only when it states no fact (e.g. "现有文件未提及…");
- citations are renumbered 1..m in order of first use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.answer.attribution import attribute, grams
from rag.answer.injection import without_bot_sentences
from rag.numbers import as_written, canonical, same_figure

_MARKER = re.compile(r"\[\^?(\d+)\]")
_MULTI = re.compile(r"[\[【]\s*(\d+(?:\s*[,，、;；]\s*\d+)+)\s*[\]】]")
_FULL_MARKER = re.compile(r"【\s*(\d+)\s*】")
_AFTER_END = re.compile(r"([。！？!?；;]|\.(?=\s|$))((?:\s*\[\d+\])+)")
_SPLIT = re.compile(r"(?<=[。！？!?；;])|(?<=\.)\s+|\n+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Sentences that say the documents do not cover something may stand without a citation.
_NO_INFO = re.compile(r"未提及|没有提及|未涉及|没有涉及|没有找到|未找到|未规定|没有规定|未明确|没有明确|无法确定|"
                      r"not (?:mention|specif|state|cover|provide)|no (?:information|mention)|do(?:es)? not say", re.I)
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.、)]|[（(]\d+[)）])\s*")


@dataclass(frozen=True)
class Verified:
    text: str  # the answer with valid, renumbered markers
    cited: tuple[int, ...]  # original paragraph numbers, in the order of the new numbers 1..m
    markers_removed: int
    sentences_dropped: int
    dropped: tuple[str, ...]

    @property
    def has_facts(self) -> bool:
        return bool(self.cited)


def figures(text: str) -> list[str]:
    """The numbers a sentence states in digits (１.８ 亿元 -> 1.8, 3,800 -> 3800). Chinese numerals in
    a model's sentence (三项措施) are words there, not figures to check; in the sources they are."""
    return _NUMBER.findall(as_written(text))


def _has_figure(figure: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(figure)}(?![\d]|\.\d)", text) is not None


def _sentence_figures_ok(body: str, sources: str) -> bool:
    """Each figure of the sentence occurs in its (canonical) sources: as the same digits (1.8亿元 /
    1.8 亿元 / full-width / 二十八万元 -> 28万元), or as the same amount written with another
    magnitude (280000元 for 28万元)."""
    for m in re.finditer(r"(\d+(?:\.\d+)?)(?:万亿|千万|百万|万|亿|千)?", as_written(body)):
        if not (_has_figure(m.group(1), sources) or same_figure(m.group(0), sources)):
            return False
    return True


def _normalise_markers(text: str) -> str:
    text = _MULTI.sub(lambda m: "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), text)
    text = _FULL_MARKER.sub(r"[\1]", text)
    # "……。[1]" -> "……[1]。" so the marker stays with its sentence
    return _AFTER_END.sub(lambda m: re.sub(r"\s+", "", m.group(2)) + m.group(1), text)


_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _chinese(text: str) -> bool:
    return len(_CJK.findall(text)) > 2 * len(_LATIN_WORD.findall(text))  # a word is ~2 characters


# How small models open an answer, in the words of the prompt: no claim, not kept.
_PREAMBLE = re.compile(r"^\s*(?:根据|依据|按照)(?:所给|上述|以上|提供的)?(?:资料|参考段落|文件|原文)"
                       r"(?:内容|所述|中的信息)?[，,：:]?|^\s*(?:资料|文件)(?:显示|中提到|指出)[，,：:]?")


def verify(raw: str, paragraphs: Sequence[str], chinese_question: bool = True, question: str = "") -> Verified:
    text = _normalise_markers(raw.strip())
    asked = grams(question)
    # a sentence that speaks to the bot is no support for anything: a figure only it states is dropped
    clean = [without_bot_sentences(p) for p in paragraphs]
    norm_paragraphs = [canonical(p) for p in clean]
    paragraph_grams = [grams(p) for p in clean]
    kept: list[tuple[str, list[int]]] = []
    removed = dropped_count = 0
    dropped: list[str] = []
    for sentence in (s.strip() for s in _SPLIT.split(text) if s and s.strip()):
        numbers = [int(n) for n in _MARKER.findall(sentence)]
        valid = list(dict.fromkeys(n for n in numbers if 1 <= n <= len(paragraphs)))
        removed += len(numbers) - sum(1 for n in numbers if 1 <= n <= len(paragraphs))
        body = _PREAMBLE.sub("", _MARKER.sub("", sentence)).replace("**", "").strip()
        bare = _BULLET.sub("", body).strip(" ：:，,")
        if not bare or any(body == b for b, _ in kept):  # a sentence said again adds nothing
            continue
        if _chinese(bare) != chinese_question and (_CJK.search(bare) or _LATIN_WORD.search(bare)):
            dropped_count += 1  # the wrong language: a model that forgot what it was asked in
            dropped.append(body)
            continue
        if _chinese(bare):
            valid = attribute(bare, paragraph_grams, valid, asked)
        if not valid:
            if _NO_INFO.search(body) and not figures(_BULLET.sub("", body)):
                kept.append((body, []))
            else:
                dropped_count += 1
                dropped.append(body)
            continue
        sources = "".join(norm_paragraphs[n - 1] for n in valid)
        if _sentence_figures_ok(_BULLET.sub("", body), sources):
            kept.append((body, valid))
        else:
            dropped_count += 1
            dropped.append(body)
    order: dict[int, int] = {}
    lines = []
    for body, valid in kept:
        marks = "".join(f"[{order.setdefault(n, len(order) + 1)}]" for n in valid)
        lines.append(_attach(body, marks))
    return Verified("\n".join(lines), tuple(order), removed, dropped_count, tuple(dropped))


def _attach(body: str, marks: str) -> str:
    """Put markers before the sentence's final punctuation: "……1.8亿元[1]。"."""
    if marks and body and body[-1] in "。！？!?；;.":
        return body[:-1] + marks + body[-1]
    return body + marks

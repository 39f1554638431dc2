"""Check an LLM answer against the paragraphs it cites, before anyone sees it.

- every [n] must name a paragraph that was given to the model; other markers are removed;
- every figure in a sentence must occur in a paragraph that sentence cites;
- a sentence with no valid citation is kept only when it states no fact (e.g. "现有文件未提及…");
- citations are renumbered 1..m in order of first use.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

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


def normalise_figures(text: str) -> str:
    """Full-width digits to half-width, no spaces or thousands separators (1.8 亿元 == 1.8亿元)."""
    t = unicodedata.normalize("NFKC", text)
    t = re.sub(r"(?<=\d),(?=\d{3})", "", t)
    return re.sub(r"\s+", "", t)


def figures(text: str) -> list[str]:
    return _NUMBER.findall(normalise_figures(text))


def _has_figure(figure: str, text: str) -> bool:
    return re.search(rf"(?<![\d.]){re.escape(figure)}(?![\d]|\.\d)", text) is not None


def _normalise_markers(text: str) -> str:
    text = _MULTI.sub(lambda m: "".join(f"[{n}]" for n in re.findall(r"\d+", m.group(1))), text)
    text = _FULL_MARKER.sub(r"[\1]", text)
    # "……。[1]" -> "……[1]。" so the marker stays with its sentence
    return _AFTER_END.sub(lambda m: re.sub(r"\s+", "", m.group(2)) + m.group(1), text)


def verify(raw: str, paragraphs: Sequence[str]) -> Verified:
    text = _normalise_markers(raw.strip())
    norm_paragraphs = [normalise_figures(p) for p in paragraphs]
    kept: list[tuple[str, list[int]]] = []
    removed = dropped_count = 0
    dropped: list[str] = []
    for sentence in (s.strip() for s in _SPLIT.split(text) if s and s.strip()):
        numbers = [int(n) for n in _MARKER.findall(sentence)]
        valid = list(dict.fromkeys(n for n in numbers if 1 <= n <= len(paragraphs)))
        removed += len(numbers) - sum(1 for n in numbers if 1 <= n <= len(paragraphs))
        body = _MARKER.sub("", sentence).strip()
        if not _BULLET.sub("", body).strip(" ：:，,"):
            continue
        if not valid:
            if _NO_INFO.search(body) and not figures(_BULLET.sub("", body)):
                kept.append((body, []))
            else:
                dropped_count += 1
                dropped.append(body)
            continue
        sources = "".join(norm_paragraphs[n - 1] for n in valid)
        if all(_has_figure(f, sources) for f in figures(_BULLET.sub("", body))):
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

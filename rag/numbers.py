"""Figures in Chinese text: one form for 二十八万元 / 28万元 / ２８ 万元 / 280,000元 and 百分之七十 / 70%.

Used wherever code asks whether a text states an amount, a share, a count or a date, and by the LLM
answer check (a figure must occur in the paragraph its sentence cites). Chinese numerals are
converted with cn2an; enumerators (一是, 第三条), 十四五-style plan names and words that merely
contain a numeral character (统一, 万一) are left as they are.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from functools import lru_cache

_DIGITS = "零〇一二两三四五六七八九"
_CN_NUM = rf"[{_DIGITS}十百千]+(?:点[{_DIGITS}]+)?"
# What may follow a Chinese numeral for it to be a figure: a magnitude, a currency, a measure word.
_UNIT = (r"万|亿|元|家|个|名|人|位|项|件|所|条|次|场|亩|平方|年|月|日|号|倍|届|天|小时|岁|周|批|台|套|类|"
         r"种|户|间|栋|层|公里|千米|米|吨|成|分钟|季度|%")
# not inside a word: 唯一一家, 统一年度, 同一批, 单一项, 万一, 进一步
_NOT_AFTER = rf"(?<![第{_DIGITS}十百千万亿唯统同单进划专归逐])"
_CN_FIGURE = re.compile(_NOT_AFTER + rf"(?:(百分之)({_CN_NUM})()|()({_CN_NUM})([万亿]*)(?={_UNIT}))")
_ARABIC = re.compile(r"(\d+(?:\.\d+)?)\s*(万亿|千万|百万|万|亿|千)?")
_MAGNITUDE = {"千": 1e3, "万": 1e4, "百万": 1e6, "千万": 1e7, "亿": 1e8, "万亿": 1e12}


@lru_cache(maxsize=4096)
def _cn_value(numeral: str) -> str | None:
    import cn2an

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = cn2an.cn2an(numeral, "smart")
        except (ValueError, KeyError, IndexError):
            return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _convert(m: re.Match[str]) -> str:
    percent = m.group(1)
    numeral, magnitude = (m.group(2), "") if percent else (m.group(5), m.group(6))
    value = _cn_value(numeral)
    if value is None:
        return m.group(0)
    if percent:
        return f"{value}%{magnitude}"
    return f"{value}{magnitude}"


def as_written(text: str) -> str:
    """Digits as the text writes them: half-width, no thousands separators or spaces inside a
    figure (１.８ 亿元 -> 1.8亿元, 3,800 -> 3800); Chinese numerals stay as they are."""
    t = unicodedata.normalize("NFKC", text)
    t = re.sub(r"(?<=\d),(?=\d{3})", "", t)
    return re.sub(r"(?<=\d)\s+(?=[\d.%万亿千元])|(?<=\d\.)\s+(?=\d)", "", t)


def canonical(text: str) -> str:
    """Search form of the figures in text: as_written(), and Chinese numerals as digits
    (二十八万元 -> 28万元, 百分之七十 -> 70%)."""
    t = as_written(text)
    if re.search(rf"[{_DIGITS}十百千]", t):
        t = _CN_FIGURE.sub(_convert, t)
    return t


def values(text: str) -> list[float]:
    """Every figure in text as a number, magnitudes applied (1.8亿 -> 180000000.0)."""
    out = []
    for m in _ARABIC.finditer(canonical(text)):
        try:
            v = float(m.group(1))
        except ValueError:
            continue
        out.append(v * _MAGNITUDE.get(m.group(2) or "", 1.0))
    return out


def same_figure(figure: str, text: str) -> bool:
    """Whether text states the figure: the same digits, or the same value with magnitude applied
    (28万元 in a text that says 二十八万元 or 280000元)."""
    want = values(figure)
    if not want:
        return True
    have = set(values(text))
    return all(any(abs(w - h) <= 1e-9 * max(1.0, abs(w)) for h in have) for w in want)

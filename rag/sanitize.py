"""Characters no question, name or metadata field should carry: control characters (NUL, \\r, escape),
lone UTF-16 surrogates (unencodable: "\\ud800abc" would fail every write) and bidirectional
controls (U+202E makes "evil\u202etxt.exe" display as "evilexe.txt")."""

from __future__ import annotations

import re
from typing import Any

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LINE_BREAKS = re.compile(r"[\r\n\t]")
SURROGATE = re.compile(r"[\ud800-\udfff]")
BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def clean_input(text: str) -> str:
    """Free text from a user (a question, a history turn, a comment): the unsafe characters dropped."""
    return BIDI.sub("", SURROGATE.sub("", CONTROL.sub("", text or "")))


def unsafe_in_field(text: str) -> str | None:
    """The first character a one-line field (a file name, a title) must not contain, or None."""
    for pattern in (CONTROL, LINE_BREAKS, SURROGATE, BIDI):
        found = pattern.search(text)
        if found:
            return found.group()
    return None


# A cell starting with one of these is a formula to Excel or LibreOffice (=HYPERLINK(...), @SUM, +1, -1,
# or a tab/CR before one): written with a leading apostrophe, as OWASP recommends, it stays text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def csv_safe(value: Any) -> Any:
    text = str(value)
    return "'" + text if text.lstrip(" \n").startswith(_FORMULA_START) else value

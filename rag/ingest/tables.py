"""Tables in a document's text: one line per row, cells separated by " | ", the header row first.

The loader writes .docx tables this way, and markdown tables look the same. A table longer than
one chunk is cut between rows; every part after the one holding the header row gets the header
row as the last entry of its heading path, so a part of a table still says what its columns are
(the heading path is embedded and tokenised with the chunk and shown in source cards).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

CELL_SEP = " | "
_RULE = re.compile(r"\|?(\s*:?-{3,}:?\s*\|)+(\s*:?-{3,}:?\s*)?")  # markdown's |---|---| under the header

Span = tuple[int, int]


def render_row(cells: Sequence[str]) -> str:
    """One table row as one line; a "|" inside a cell becomes "｜" so cells stay apart."""
    return CELL_SEP.join(" ".join(c.replace("|", "｜").split()) for c in cells)


def _is_row(line: str, columns: int) -> bool:
    return line.count("|") == columns and (CELL_SEP in line or _RULE.fullmatch(line) is not None)


def table_end(text: str, lines: Sequence[Span], i: int) -> int:
    """Index after the last row of a table whose header row is lines[i]; i when no table starts there.

    A table is two or more adjacent lines (no blank line between) with the same number of "|".
    """
    header = text[lines[i][0] : lines[i][1]]
    if CELL_SEP not in header:
        return i
    j = i + 1
    while (
        j < len(lines)
        and text.count("\n", lines[j - 1][1], lines[j][0]) <= 1
        and _is_row(text[lines[j][0] : lines[j][1]], header.count("|"))
    ):
        j += 1
    return j if j - i >= 2 else i


def table_parts(rows: Sequence[Span], start: int, max_chars: int) -> list[Span]:
    """Cut a table into spans of whole rows of at most max_chars each (a longer row stays whole).

    The first part begins at start, which may lie before the header row (a caption, headings).
    """
    parts: list[Span] = []
    part_start, part_end = start, rows[0][1]
    for s, e in rows[1:]:
        if e - part_start > max_chars:
            parts.append((part_start, part_end))
            part_start = s
        part_end = e
    parts.append((part_start, part_end))
    return parts

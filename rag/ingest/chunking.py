"""Document -> Chunk[]: paragraphs with their heading path and exact character spans.

Every non-blank line of a document lands in exactly one chunk, so any passage a user may ask about
can be cited. A chunk holds one body paragraph plus the headings and short lines just before it; a
paragraph longer than `max_chars` is cut at sentence ends (。！？；), never inside a number. A table
(rows "cell | cell") is cut between rows, its header row repeated in the heading path (rag.ingest.tables).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rag.ingest.tables import table_end, table_parts
from rag.types import Chunk, Document

SENTENCE_END = "。！？；!?;"
CLOSERS = "”’\"」』）)】"
CN_NUM = "一二三四五六七八九十百零〇两"

# (level, pattern) of numbered headings, outermost first: 第X章/编, 一、, （一）, 1., （1）
_NUMBERED = [
    (0, re.compile(rf"^第[{CN_NUM}\d]+[编章节]")),
    (1, re.compile(rf"^[{CN_NUM}]+[、．.]")),
    (2, re.compile(rf"^[（(][{CN_NUM}]+[）)]")),
    (3, re.compile(r"^\d{1,2}[、．.](?!\d)")),
    (4, re.compile(r"^[（(]\d{1,2}[）)]")),
]
_ARTICLE = re.compile(rf"^第[{CN_NUM}\d]+条")
UNNUMBERED_LEVEL = 9
HEADING_MAX = 40  # a numbered line longer than this is a paragraph that opens a section
LABEL_MAX = 30


@dataclass(frozen=True)
class ChunkingConfig:
    max_chars: int = 500
    min_chars: int = 30  # shorter lines (headings, dates, signatures) join a neighbouring paragraph


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Spans of sentences in text[start:end], cut after 。！？；!?; (and closing quotes) or line breaks.

    Leading/trailing whitespace is excluded from each span; empty sentences are dropped.
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    i = s = start
    while i < end:
        ch = text[i]
        if ch in SENTENCE_END or ch == "\n":
            j = i + 1
            while j < end and (text[j] in SENTENCE_END or text[j] in CLOSERS):
                j += 1
            _add_trimmed(text, s, j, spans)
            s = i = j
        else:
            i += 1
    _add_trimmed(text, s, end, spans)
    return spans


def _add_trimmed(text: str, s: int, e: int, out: list[tuple[int, int]]) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        out.append((s, e))


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """Spans of non-blank lines, trimmed."""
    pos = 0
    for raw in text.splitlines(keepends=True):
        spans: list[tuple[int, int]] = []
        _add_trimmed(text, pos, pos + len(raw), spans)
        yield from spans
        pos += len(raw)


def heading_level(line: str) -> int | None:
    """Level of a heading line, or None for body text."""
    for level, pattern in _NUMBERED:
        if pattern.match(line):
            return level if len(line) <= HEADING_MAX and line[-1] not in "。；;" else None
    if len(line) <= LABEL_MAX and not any(ch in line for ch in SENTENCE_END + "，,：:") and not _ARTICLE.match(line):
        return UNNUMBERED_LEVEL
    return None


def _section_label(line: str) -> tuple[int, str] | None:
    """A long paragraph that starts with 一、/（一） opens a section: its first clause becomes the label."""
    for level, pattern in _NUMBERED:
        if pattern.match(line):
            label = re.split(r"[，,。：:；;]", line, maxsplit=1)[0]
            return level, label[:LABEL_MAX]
    return None


def chunk_document(doc: Document, config: ChunkingConfig | None = None) -> list[Chunk]:
    """Split a document into chunks whose text is exactly doc.text[start:end]."""
    cfg = config or ChunkingConfig()
    text = doc.text
    chunks: list[Chunk] = []
    stack: list[tuple[int, str]] = []  # open headings (level, text)
    buf: list[tuple[int, int]] = []  # line spans waiting to be emitted
    buf_headings: tuple[str, ...] = ()
    has_text = has_long = False  # the buffer holds body text / a body paragraph of min_chars or more

    def flush() -> None:
        nonlocal buf, has_text, has_long
        if buf:
            chunks.extend(_emit(doc, buf[0][0], buf[-1][1], buf_headings, cfg))
        buf, has_text, has_long = [], False, False

    def push(level: int, label: str) -> None:
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, label))

    lines = list(_lines(text))
    i = 0
    while i < len(lines):
        s, e = lines[i]
        end = table_end(text, lines, i)
        if end > i:  # a table: a paragraph before it stays apart, short lines after that (a caption) go along
            path = tuple(h for _, h in stack)
            lead, first_path = buf, (buf_headings if buf else path)
            if has_long:
                k = max(n for n, (a, b) in enumerate(buf) if b - a >= cfg.min_chars) + 1
                buf, lead, first_path = buf[:k], buf[k:], path
                flush()
            chunks.extend(_table_chunks(doc, lines[i:end], lead[0][0] if lead else s, first_path, path, cfg))
            buf, has_text, has_long = [], False, False
            i = end
            continue
        i += 1
        line = text[s:e]
        level = heading_level(line)
        if level is not None:
            if has_text:
                flush()
            push(level, line)
            if not buf:
                buf_headings = tuple(h for _, h in stack)
            buf.append((s, e))
            continue
        long_line = e - s >= cfg.min_chars
        size = (buf[-1][1] - buf[0][0]) if buf else 0
        if has_long and (long_line or size + (e - s) > cfg.max_chars):
            flush()
        section = _section_label(line)
        if section is not None:
            push(*section)
        if not has_text:
            buf_headings = tuple(h for _, h in stack)
        buf.append((s, e))
        has_text, has_long = True, has_long or long_line
    flush()
    return chunks


def _table_chunks(doc: Document, rows: list[tuple[int, int]], start: int, first_path: tuple[str, ...],
                  path: tuple[str, ...], cfg: ChunkingConfig) -> list[Chunk]:
    """A table's parts: the first (from start, holding the header row) under first_path, every other
    one under path plus the header row."""
    header = doc.text[rows[0][0] : rows[0][1]]
    out: list[Chunk] = []
    for n, (s, e) in enumerate(table_parts(rows, start, cfg.max_chars)):
        out.extend(_emit(doc, s, e, first_path if n == 0 else (*path, header), cfg))
    return out


def _emit(doc: Document, start: int, end: int, headings: tuple[str, ...], cfg: ChunkingConfig) -> list[Chunk]:
    if end - start <= cfg.max_chars:
        return [Chunk(doc.doc_id, start, end, doc.text[start:end], headings)]
    # Too long: group whole sentences up to max_chars (a single longer sentence stays whole).
    out: list[Chunk] = []
    piece_start = piece_end = None
    for s, e in sentence_spans(doc.text, start, end):
        if piece_start is not None and piece_end is not None and e - piece_start > cfg.max_chars:
            out.append(Chunk(doc.doc_id, piece_start, piece_end, doc.text[piece_start:piece_end], headings))
            piece_start = None
        if piece_start is None:
            piece_start = s
        piece_end = e
    if piece_start is not None and piece_end is not None:
        out.append(Chunk(doc.doc_id, piece_start, piece_end, doc.text[piece_start:piece_end], headings))
    return out


def search_text(chunk: Chunk, meta: dict[str, Any]) -> str:
    """What is embedded and tokenised for a chunk: its document title and headings give it context."""
    parts = [str(meta.get("title") or ""), chunk.heading_path, chunk.text]
    return "\n".join(p for p in parts if p)

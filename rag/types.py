"""Plain frozen records passed between the stages. No I/O here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any


def book_title(title: str) -> str:
    """《title》, with marks already inside it turned into the inner 〈〉 (never 《《…》…》)."""
    return "《" + title.replace("《", "〈").replace("》", "〉") + "》"


@dataclass(frozen=True)
class Document:
    """One policy document as stored in the corpus folder."""

    doc_id: str  # the file name, unique within a corpus
    text: str  # the text offsets refer to (the decoded file for .txt/.md)
    content_hash: str  # sha256 of the file bytes
    meta: dict[str, Any] = field(default_factory=dict)  # manifest entry: title, issuer, date, region…

    @property
    def title(self) -> str:
        return str(self.meta.get("title") or self.doc_id)


@dataclass(frozen=True)
class Chunk:
    """A paragraph (or a sentence-aligned part of a long one) with its exact span in the document."""

    doc_id: str
    start: int
    end: int
    text: str
    headings: tuple[str, ...] = ()

    @property
    def chunk_id(self) -> str:
        # Readable and stable while the text is unchanged; citable as is.
        return f"{self.doc_id}#{self.start}-{self.end}"

    @property
    def heading_path(self) -> str:
        return " > ".join(self.headings)


@dataclass(frozen=True)
class RetrievedChunk:
    chunk: Chunk
    score: float  # fused score used for ranking
    dense: float | None = None  # cosine similarity, when the dense side saw it
    lexical: float | None = None  # BM25 score, when the lexical side saw it
    meta: dict[str, Any] = field(default_factory=dict)  # document metadata (title, issuer, date…)


@dataclass(frozen=True)
class Citation:
    n: int
    doc: str
    title: str
    start: int
    end: int
    text: str
    issuer: str = ""
    date: str = ""
    status: str = ""
    region: str = ""
    headings: str = ""
    quotes: tuple[tuple[int, int], ...] = ()  # spans (in the document) of the sentences quoted from it
    valid_period: str = ""  # e.g. "2022-2024" for a plan

    @property
    def book_title(self) -> str:
        """The title in book marks, a title inside it in the inner marks: 《〈…的建议〉提案办理情况报道》."""
        return book_title(self.title)

    def caution(self, year: int | None = None) -> str:
        """A short warning for drafts and for plans whose period has ended."""
        notes = []
        if any(word in self.status for word in ("讨论稿", "征求意见")):
            notes.append("征求意见稿，非正式发布")
        m = re.search(r"(\d{4})\D*$", self.valid_period or "")
        if m and int(m.group(1)) < (year or date.today().year):
            notes.append(f"规划期至{m.group(1)}年，已结束")
        return "；".join(notes)

    def to_json(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "doc": self.doc,
            "title": self.title,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "issuer": self.issuer,
            "date": self.date,
            "status": self.status,
            "region": self.region,
            "headings": self.headings,
            "quotes": [list(q) for q in self.quotes],
            "valid_period": self.valid_period,
        }


@dataclass(frozen=True)
class Answer:
    text: str  # sentences each followed by [n]
    citations: tuple[Citation, ...]
    refused: bool
    mode: str  # "extractive" | "llm"
    related: tuple[Citation, ...] = ()  # nearest paragraphs shown with a refusal
    notice: str = ""  # one-line notice (e.g. a fallback happened)
    retrieved: tuple[RetrievedChunk, ...] = ()  # what retrieval returned, best first
    verification: dict[str, int] = field(default_factory=dict)  # LLM mode: markers removed, sentences dropped

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "refused": self.refused,
            "mode": self.mode,
            "citations": [c.to_json() for c in self.citations],
            "related": [c.to_json() for c in self.related],
            "notice": self.notice,
            "verification": dict(self.verification),
        }

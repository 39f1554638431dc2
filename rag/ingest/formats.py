"""Bytes of one file -> its text, per format: .txt/.md (encoding detection), .html, .docx, .pdf.

Every failure is a LoadError whose reason tells the user what is wrong with the file and, where
there is one, what to do about it.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from rag.ingest.tables import render_row

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")


@dataclass(frozen=True)
class Limits:
    """How much one document may unpack to: a small .docx can hold gigabytes of XML (a zip bomb) or
    a hundred thousand paragraphs; either is refused before it is parsed or indexed."""

    max_unpacked_bytes: int = 50 * 2**20  # all members of a .docx together, uncompressed
    max_paragraphs: int = 20_000  # non-empty lines of the extracted text (the largest of 3,423 laws: 1,877)


DEFAULT_LIMITS = Limits()


class LoadError(Exception):
    """A file could not be read as a policy document; the message names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def decode_text(data: bytes, path: Path | str = "<bytes>") -> str:
    """Decode bytes of a text file: UTF-8 (with or without BOM), else GB18030/GBK, else a detected one."""
    if not data.strip():
        raise LoadError(path, "the file is empty")
    if b"\x00" in data[:4096]:
        raise LoadError(path, "the file looks binary (NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")  # a superset of GBK and GB2312
        if _looks_like_text(text):
            return text
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or not _looks_like_text(str(best)):
        raise LoadError(path, "cannot detect the text encoding (tried UTF-8, GB18030 and auto-detection)")
    return str(best)


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    bad = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\n\r\t\f") or ch == "\ufffd")
    return bad / len(text) < 0.01


def _html_text(data: bytes, path: Path) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(data, path), "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    return "\n".join(line for line in lines if line)


def _check_unpacked(data: bytes, path: Path, limits: Limits) -> None:
    """Refuse a zip whose members would unpack to more than the limit (read from its directory,
    nothing is decompressed)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise LoadError(path, f"not a readable .docx file ({type(exc).__name__})") from exc
    if unpacked > limits.max_unpacked_bytes:
        raise LoadError(path, f"the .docx unpacks to {unpacked / 2**20:.0f} MB (the limit is "
                              f"{limits.max_unpacked_bytes / 2**20:g} MB, POLICY_QA_MAX_UNPACKED_MB): refused")


def _docx_text(data: bytes, path: Path, limits: Limits = DEFAULT_LIMITS) -> str:
    _check_unpacked(data, path, limits)
    try:
        import docx  # python-docx
        from docx.document import Document as DocxDocument
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise LoadError(path, "reading .docx needs python-docx (pip install python-docx)") from exc
    try:
        doc: DocxDocument = docx.Document(io.BytesIO(data))
    except Exception as exc:
        raise LoadError(path, f"not a readable .docx file ({type(exc).__name__})") from exc
    lines: list[str] = []
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            if block.text.strip():
                lines.append(block.text.strip())
        elif isinstance(block, Table):
            # One line per row, the header row first: the chunker repeats it with every part (rag.ingest.tables).
            rows = [[c.text for c in row.cells] for row in block.rows]
            lines.extend(render_row(cells) for cells in rows if any(c.strip() for c in cells))
            lines.append("")
    return "\n".join(lines).strip()


def _pdf_text(data: bytes, path: Path) -> str:
    from pypdf import PdfReader

    # A cut-off download may still parse in part, and the rest would be missing without a word.
    if b"%%EOF" not in data.rstrip(b"\x00 \t\r\n")[-1024:]:
        raise LoadError(path, "the PDF is truncated or damaged (no %%EOF end marker); download or export it again")
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:
        raise LoadError(path, f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    text = "\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise LoadError(path, "the PDF has no text layer (scanned pages?); run OCR on it first, then add the result")
    return text


def extract_text(path: Path, data: bytes, limits: Limits = DEFAULT_LIMITS) -> str:
    """The text of a file's bytes, by the file's suffix."""
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md"):
        return decode_text(data, path)
    if suffix in (".html", ".htm"):
        return _html_text(data, path)
    if suffix == ".docx":
        return _docx_text(data, path, limits)
    if suffix == ".pdf":
        return _pdf_text(data, path)
    raise LoadError(path, f"unsupported file type {suffix!r} (supported: {', '.join(SUPPORTED_SUFFIXES)})")

"""Files -> Document: format and encoding detection, manifest metadata.

Offsets everywhere refer to Document.text. For .txt/.md that is the file as stored, decoded; for
.html/.docx/.pdf it is the extracted text (the only text a paragraph can be quoted from).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.manifest import MANIFEST_NAME, ManifestError, load_manifest
from rag.types import Document

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")


class LoadError(Exception):
    """A file could not be read as a policy document; the message names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


@dataclass(frozen=True)
class LoadReport:
    documents: list[Document]
    errors: list[LoadError]


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
        text = data.decode("gb18030")
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


def _docx_text(path: Path) -> str:
    try:
        import docx  # python-docx
        from docx.document import Document as DocxDocument
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - declared dependency
        raise LoadError(path, "reading .docx needs python-docx (pip install python-docx)") from exc
    try:
        doc: DocxDocument = docx.Document(str(path))
    except Exception as exc:
        raise LoadError(path, f"not a readable .docx file ({type(exc).__name__})") from exc
    lines: list[str] = []
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph):
            if block.text.strip():
                lines.append(block.text.strip())
        elif isinstance(block, Table):
            # Each row is one line "cell | cell"; the chunker keeps the header row with every part.
            for row in block.rows:
                cells = [c.text.strip().replace("\n", " ") for c in row.cells]
                lines.append(" | ".join(cells))
            lines.append("")
    return "\n".join(lines).strip()


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:
        raise LoadError(path, f"not a readable PDF ({type(exc).__name__}: {exc})") from exc
    text = "\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise LoadError(path, "the PDF has no text layer (a scan?); run OCR first")
    return text


def extract_text(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md"):
        return decode_text(data, path)
    if suffix in (".html", ".htm"):
        return _html_text(data, path)
    if suffix == ".docx":
        return _docx_text(path)
    if suffix == ".pdf":
        return _pdf_text(path)
    raise LoadError(path, f"unsupported file type {suffix!r} (supported: {', '.join(SUPPORTED_SUFFIXES)})")


def manifest_words(manifest: dict[str, dict[str, Any]]) -> list[str]:
    """Place names, industries, aliases and issuers: words jieba should keep whole."""
    words: list[str] = []
    for entry in manifest.values():
        for key in ("region", "industry", "aliases", "issuer"):
            value = entry.get(key)
            if isinstance(value, str):
                words.extend(value.split())
            elif isinstance(value, list):
                words.extend(str(v) for v in value)
    return words


def load_file(path: Path, meta: dict[str, Any] | None = None) -> Document:
    """Read one file into a Document; raises LoadError naming the file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read the file ({exc.strerror})") from exc
    text = extract_text(path, data)
    if not text.strip():
        raise LoadError(path, "no text found in the file")
    meta = dict(meta or {})
    meta.setdefault("title", _first_line(text) or path.name)
    return Document(doc_id=path.name, text=text, content_hash=hashlib.sha256(data).hexdigest(), meta=meta)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:60]
    return ""


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Files of the corpus folder that are documents (manifest and hidden files excluded)."""
    if not corpus_dir.is_dir():
        raise LoadError(corpus_dir, "corpus folder not found")
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.name != MANIFEST_NAME
    )


def read_manifest(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """The manifest, with a broken one reported as a LoadError naming the file."""
    try:
        return load_manifest(corpus_dir)
    except ManifestError as exc:
        raise LoadError(corpus_dir / MANIFEST_NAME, str(exc).split(": ", 1)[-1]) from exc


def iter_corpus(corpus_dir: Path) -> Iterator[Document | LoadError]:
    """Yield a Document for every readable file and a LoadError for every other one."""
    manifest = read_manifest(corpus_dir)
    for path in corpus_files(corpus_dir):
        try:
            yield load_file(path, manifest.get(path.name))
        except LoadError as err:
            yield err


def load_corpus(corpus_dir: Path) -> LoadReport:
    docs: list[Document] = []
    errors: list[LoadError] = []
    for item in iter_corpus(corpus_dir):
        (errors if isinstance(item, LoadError) else docs).append(item)  # type: ignore[arg-type]
    return LoadReport(docs, errors)

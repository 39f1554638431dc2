"""Files -> Document: size limit, manifest metadata, the corpus folder (formats: rag.ingest.formats).

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

from rag.ingest.formats import DEFAULT_LIMITS, Limits, LoadError, extract_text
from rag.ingest.formats import SUPPORTED_SUFFIXES as SUPPORTED_SUFFIXES
from rag.ingest.manifest import MANIFEST_NAME, ManifestError, load_manifest
from rag.types import Document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadReport:
    documents: list[Document]
    errors: list[LoadError]


def check_size(path: Path, max_bytes: int) -> int:
    """The file's size in bytes, or LoadError when it is over max_bytes (only stat()s, never reads it)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(path, f"cannot read the file ({exc.strerror})") from exc
    if size > max_bytes:
        raise LoadError(
            path,
            f"file too large ({size / 2**20:.1f} MB; the limit is {max_bytes / 2**20:g} MB): split it into "
            "smaller documents or raise POLICY_QA_MAX_FILE_MB",
        )
    return size


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


def load_file(path: Path, meta: dict[str, Any] | None = None, max_bytes: int | None = None,
              limits: Limits = DEFAULT_LIMITS) -> Document:
    """Read one file into a Document; raises LoadError naming the file.

    With max_bytes, a larger file is refused before it is read (see check_size); a file unpacking to
    more than the limits allow is refused before anything is indexed."""
    if max_bytes is not None:
        check_size(path, max_bytes)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LoadError(path, f"cannot read the file ({exc.strerror})") from exc
    text = extract_text(path, data, limits)
    if not text.strip():
        raise LoadError(path, "no text found in the file")
    paragraphs = sum(1 for line in text.splitlines() if line.strip())
    if paragraphs > limits.max_paragraphs:
        raise LoadError(path, f"{paragraphs} paragraphs (the limit is {limits.max_paragraphs}, "
                              "POLICY_QA_MAX_PARAGRAPHS): split it into smaller documents")
    meta = dict(meta or {})
    meta.setdefault("title", _first_line(text) or path.name)
    return Document(doc_id=path.name, text=text, content_hash=hashlib.sha256(data).hexdigest(), meta=meta)


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:60]
    return ""


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Files of the corpus folder that are documents (manifest, hidden files and links excluded)."""
    if not corpus_dir.is_dir():
        raise LoadError(corpus_dir, "corpus folder not found")
    return sorted(
        p
        for p in corpus_dir.iterdir()
        if not p.is_symlink() and p.is_file() and not p.name.startswith(".") and p.name != MANIFEST_NAME
    )


def corpus_links(corpus_dir: Path) -> list[LoadError]:
    """Symbolic links in the corpus folder, each named and skipped: a link can point anywhere
    (corpus/link.txt -> /etc/passwd), and only files inside the folder are documents."""
    return [LoadError(p, "a symbolic link: not followed; copy the file itself into the corpus folder")
            for p in sorted(corpus_dir.iterdir()) if p.is_symlink() and not p.name.startswith(".")]


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

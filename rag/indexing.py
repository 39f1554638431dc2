"""Bring the index in line with a corpus folder: embed new or changed files, skip unchanged ones,
drop removed ones. A file that cannot be read is reported and its earlier index entry is kept."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rag.catalog import Catalog
from rag.chunking import ChunkingConfig, chunk_document
from rag.embeddings import PolicyEmbeddings
from rag.lexical import add_words, tokenize
from rag.loading import LoadError, corpus_files, load_file, manifest_words, read_manifest
from rag.store import ChromaVectorStore
from rag.types import Chunk, Document

PIPELINE_VERSION = "2"  # bump when chunking or search text changes, so every document is redone

Progress = Callable[[float, float], None]  # (work done, work in all), e.g. bytes or paragraphs


class IndexMismatchError(RuntimeError):
    """The index was built by another embedder; the message tells how to rebuild."""


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    errors: list[LoadError] = field(default_factory=list)
    chunks_embedded: int = 0
    seconds: float = 0.0

    @property
    def indexed(self) -> int:
        return len(self.added) + len(self.updated) + len(self.unchanged)


def search_text(chunk: Chunk, meta: dict[str, Any]) -> str:
    """What is embedded and tokenised for a chunk: its document title and headings give it context."""
    parts = [str(meta.get("title") or ""), chunk.heading_path, chunk.text]
    return "\n".join(p for p in parts if p)


class Indexer:
    def __init__(
        self,
        catalog: Catalog,
        store: ChromaVectorStore,
        embedder: PolicyEmbeddings,
        chunking: ChunkingConfig | None = None,
        batch_size: int = 16,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.embedder = embedder
        self.chunking = chunking or ChunkingConfig()
        self.batch_size = batch_size

    def _pipeline_id(self) -> str:
        return f"{PIPELINE_VERSION}:{self.chunking.max_chars}:{self.chunking.min_chars}"

    def check_embedder(self, rebuild: bool = False) -> None:
        built_by = self.catalog.get_info("embedder")
        if rebuild or (built_by and built_by != self.embedder.model_id):
            if not rebuild:
                raise IndexMismatchError(
                    f"the index was built with {built_by!r} but the embedder is now "
                    f"{self.embedder.model_id!r}; run `policy-qa ingest --rebuild` to re-index"
                )
            for rec in self.catalog.documents():
                self.catalog.remove_document(rec.doc_id)
            self.store.reset()
        self.catalog.set_info("embedder", self.embedder.model_id)

    def _key(self, file_hash: str) -> str:
        """What a document record must match to be current: its file and the pipeline that indexed it."""
        return f"{file_hash}:{self._pipeline_id()}"

    def _current(self, recorded: str, file_hash: str) -> bool:
        if recorded == self._key(file_hash):
            return True
        # Indexes written before per-document keys hold the plain file hash and one pipeline for all.
        return recorded == file_hash and self.catalog.get_info("pipeline") == self._pipeline_id()

    def sync(self, corpus_dir: Path, progress: Progress | None = None, rebuild: bool = False) -> IngestReport:
        """Index every readable file of corpus_dir; returns what was added, updated, kept, removed.

        One document at a time: it becomes searchable (BM25 and dense) as soon as its last paragraph
        is stored, so queries work on what is done while the rest is still embedding, memory stays
        bounded whatever the corpus size, and an interrupted run continues where it stopped.
        Progress is reported in bytes of the files still to index.
        """
        t0 = time.perf_counter()
        report = IngestReport()
        self.check_embedder(rebuild)
        manifest = read_manifest(corpus_dir)
        add_words(manifest_words(manifest))
        known = {r.doc_id: r for r in self.catalog.documents()}
        seen: set[str] = set()
        todo: list[tuple[Path, int]] = []
        for path in corpus_files(corpus_dir):
            seen.add(path.name)
            try:
                data = path.read_bytes()
            except OSError as exc:
                report.errors.append(LoadError(path, f"cannot read the file ({exc.strerror})"))
                continue
            rec = known.get(path.name)
            if rec and rec.complete and self._current(rec.content_hash, hashlib.sha256(data).hexdigest()):
                meta = {**manifest.get(path.name, {})}
                meta.setdefault("title", rec.meta.get("title"))
                if meta != rec.meta:
                    self.catalog.update_meta(path.name, meta)
                report.unchanged.append(path.name)
            else:
                todo.append((path, len(data)))
        for doc_id in sorted(set(known) - seen):
            self.remove(doc_id)
            report.removed.append(doc_id)

        total, done = sum(size for _, size in todo), 0
        if progress:
            progress(0, total)
        for path, size in todo:
            try:
                doc = load_file(path, manifest.get(path.name))
            except LoadError as err:  # its earlier index entry, if any, stays as it was
                report.errors.append(err)
            else:
                (report.updated if path.name in known else report.added).append(doc.doc_id)
                pending = self._plan(doc, known.get(doc.doc_id))
                for i in range(0, len(pending), self.batch_size):
                    self._embed_batch(doc, pending[i : i + self.batch_size])
                    report.chunks_embedded += len(pending[i : i + self.batch_size])
                    if progress:
                        progress(done + size * min(1.0, (i + self.batch_size) / len(pending)), total)
                self._finish(doc)
            done += size
            if progress:
                progress(done, total)
        report.seconds = time.perf_counter() - t0
        return report

    def _plan(self, doc: Document, rec: Any) -> list[Chunk]:
        """Record the document's chunks and return those still to embed (resumes an interrupted run)."""
        key = self._key(doc.content_hash)
        if rec is not None and not rec.complete and self._current(rec.content_hash, doc.content_hash):
            return self.catalog.pending_chunks(doc.doc_id)
        chunks = chunk_document(doc, self.chunking)
        old_ids = self.catalog.chunk_ids(doc.doc_id)
        self.catalog.begin_document(dataclasses.replace(doc, content_hash=key), chunks,
                                    [tokenize(search_text(c, doc.meta)) for c in chunks])
        # Old vectors whose span no longer exists; vectors of surviving ids are overwritten by upsert.
        self.store.delete_ids(sorted(old_ids - {c.chunk_id for c in chunks}))
        return chunks

    def _embed_batch(self, doc: Document, batch: Sequence[Chunk]) -> None:
        vectors = self.embedder.embed_passages([search_text(c, doc.meta) for c in batch])
        self.store.add([c.chunk_id for c in batch], vectors, [c.doc_id for c in batch], [c.text for c in batch])
        self.catalog.mark_embedded(c.chunk_id for c in batch)

    def _finish(self, doc: Document) -> None:
        self.catalog.complete_document(doc.doc_id)

    def index_document(self, doc: Document, progress: Progress | None = None) -> int:
        """Index (or re-index) one document, e.g. an upload; returns the number of chunks embedded."""
        self.check_embedder()
        rec = next((r for r in self.catalog.documents() if r.doc_id == doc.doc_id), None)
        pending = self._plan(doc, rec)
        for i in range(0, len(pending), self.batch_size):
            self._embed_batch(doc, pending[i : i + self.batch_size])
            if progress:
                progress(min(i + self.batch_size, len(pending)), len(pending))
        self._finish(doc)
        return len(pending)

    def remove(self, doc_id: str) -> None:
        self.store.delete_doc(doc_id)
        self.catalog.remove_document(doc_id)

"""Bring the index in line with a corpus folder: embed new or changed files, skip unchanged ones,
drop removed ones. A file that cannot be read is reported and its earlier index entry is kept."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

from rag.index.catalog import Catalog, vector_id
from rag.index.catalog_measures import MeasureFinder
from rag.index.consistency import repair
from rag.index.embeddings import PolicyEmbeddings
from rag.index.lexical import add_words, tokenize
from rag.index.store import ChromaVectorStore
from rag.index.writer_lock import WriterLock
from rag.ingest.chunking import ChunkingConfig, chunk_document, search_text
from rag.ingest.corpus import Corpus
from rag.ingest.corpus_scan import IngestReport, scan_corpus
from rag.ingest.formats import DEFAULT_LIMITS, Limits
from rag.ingest.loading import LoadError, load_file, manifest_words
from rag.types import Chunk, Document

PIPELINE_VERSION = "3"  # bump when chunking or search text changes: every document is re-chunked, and
# embedded again only if its paragraphs came out different

Progress = Callable[[float, float], None]  # (work done, work in all), e.g. bytes or paragraphs


class IndexMismatchError(RuntimeError):
    """The index was built by another embedder; the message tells how to rebuild."""


def _within(progress: Progress | None, base: float, size: float, total: float) -> Progress | None:
    """Progress of one document (paragraphs done of all) as bytes of the whole run."""
    if progress is None:
        return None
    return lambda i, n: progress(base + size * i / max(n, 1), total)


class Indexer:
    def __init__(
        self,
        catalog: Catalog,
        store: ChromaVectorStore,
        embedder: PolicyEmbeddings,
        chunking: ChunkingConfig | None = None,
        batch_size: int = 64,
        max_file_bytes: int = 20 * 2**20,
        limits: Limits = DEFAULT_LIMITS,
        measures: MeasureFinder | None = None,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.embedder = embedder
        self.chunking = chunking or ChunkingConfig()
        self.batch_size = batch_size
        self.max_file_bytes = max_file_bytes
        self.limits = limits
        self.measures = measures  # found in each new version's paragraphs and stored with it
        # One writer at a time (an ingest, a background re-index, an upload, a delete), in this
        # process and any other; readers never wait.
        self.writer = WriterLock(catalog.path.parent / "writer.lock")

    def _pipeline_id(self) -> str:
        return f"{PIPELINE_VERSION}:{self.chunking.max_chars}:{self.chunking.min_chars}"

    def check_embedder(self, rebuild: bool = False) -> None:
        """Refuse an index built by another embedder, or (rebuild) empty it to start again."""
        built_by = self.catalog.get_info("embedder")
        if built_by and built_by != self.embedder.model_id:
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

    def sync(self, corpus: Corpus | Path, progress: Progress | None = None, rebuild: bool = False) -> IngestReport:
        """Index every readable file of the corpus (a folder, or the shipped one with staff changes);
        returns what was added, updated, kept, removed.

        One document at a time: a new or changed document becomes searchable (BM25 and dense) when
        its last paragraph is stored, replacing its earlier version in one step, so queries keep
        answering from the earlier version meanwhile. Memory stays bounded whatever the corpus
        size, and an interrupted run continues where it stopped. With rebuild, every document is
        embedded again the same way (or, after a change of embedder, the index is emptied first).
        Progress is reported in bytes of the files still to index.
        """
        with self.writer.held():
            return self._sync(Corpus.of(corpus), progress, rebuild)

    def _sync(self, corpus: Corpus, progress: Progress | None, rebuild: bool) -> IngestReport:
        t0 = time.perf_counter()
        report = IngestReport()
        self.check_embedder(rebuild)
        report.repaired = self.repair()
        manifest = corpus.manifest()
        add_words(manifest_words(manifest))
        records = self.catalog.documents()
        live = {r.doc_id: r for r in records if r.complete}
        scan = scan_corpus(corpus, {d: r.content_hash for d, r in live.items()}, self._current,
                           self.max_file_bytes, force=rebuild)
        report.errors, report.duplicates, report.unchanged = scan.errors, scan.duplicates, scan.unchanged
        for name in scan.unchanged:
            rec = live[name]
            meta = {**manifest.get(name, {})}
            meta.setdefault("title", rec.meta.get("title"))
            if meta != rec.meta:
                self.catalog.update_meta(name, meta)
        todo_names = {p.name for p, _ in scan.todo}
        for rec in records:  # unfinished versions nobody will finish (the file changed back, or went)
            if not rec.complete and rec.doc_id not in todo_names:
                self._discard_pending(rec.doc_id)
        gone = (set(live) | {r.doc_id for r in records}) - (scan.names - {d for d, _ in scan.duplicates})
        for doc_id in sorted(gone):
            self.remove(doc_id)
            if doc_id in live:
                report.removed.append(doc_id)

        total, done, mark = sum(size for _, size in scan.todo), 0, t0
        if progress:
            progress(0, total)
        for path, size in scan.todo:
            try:
                doc = load_file(path, manifest.get(path.name), limits=self.limits)
            except LoadError as err:  # its earlier index entry, if any, stays as it was
                report.errors.append(err)
                self._discard_pending(path.name)
            else:
                (report.updated if path.name in live else report.added).append(doc.doc_id)

                t_doc = time.perf_counter()
                n = self._index_document(doc, _within(progress, done, size, total), rebuild)
                report.chunks_embedded += n
                if n:  # totals over every run, interrupted ones included (bench-laws): time indexing
                    # documents, and wall time since the last one (scanning and loading included)
                    now = time.perf_counter()
                    self.catalog.add_to_info({"ingest_seconds": now - t_doc, "ingest_wall_seconds": now - mark,
                                              "ingest_chunks": n, "ingest_bytes": size})
                    mark = now
            done += size
            if progress:
                progress(done, total)
        if self.measures:  # versions indexed before, or by another finder
            self.catalog.refresh_measures(self.measures)
        report.seconds = time.perf_counter() - t0
        return report

    def index_document(self, doc: Document, progress: Progress | None = None) -> int:
        """Index (or re-index) one document, e.g. an upload; returns the number of chunks embedded.

        Its earlier version, if any, answers queries until the new one is complete."""
        with self.writer.held():
            return self._index_document(doc, progress)

    def _index_document(self, doc: Document, progress: Progress | None, force: bool = False) -> int:
        if not self.catalog.get_info("embedder"):
            self.check_embedder()
        planned = self._plan(doc, force)
        if planned is None:
            return 0
        version, pending = planned
        for i in range(0, len(pending), self.batch_size):
            batch = pending[i : i + self.batch_size]
            vectors = self.embedder.embed_passages([search_text(c, doc.meta) for c in batch])
            ids = [vector_id(c, version) for c in batch]
            self.store.add(ids, vectors, [c.doc_id for c in batch], [c.text for c in batch])
            self.catalog.mark_embedded(ids)
            if progress:
                progress(min(i + self.batch_size, len(pending)), len(pending))
        self.store.delete_ids(sorted(self.catalog.complete_document(doc.doc_id)))
        return len(pending)

    def _plan(self, doc: Document, force: bool = False) -> tuple[str, list[Chunk]] | None:
        """The version to fill and its chunks still to embed: an unfinished run of the same file is
        continued, anything else starts a new version beside the live one. None: nothing to embed,
        the live version already has these paragraphs (unless force)."""
        key = self._key(doc.content_hash)
        chunks = chunk_document(doc, self.chunking)
        if not force and self._same_as_live(doc, chunks):
            self.catalog.set_key(doc.doc_id, key)  # a pipeline change that left this document as it was
            self._discard_pending(doc.doc_id)
            return None
        pending = next(iter(self.catalog.documents(doc.doc_id, complete=False)), None)
        if pending is not None and pending.content_hash == key:
            return self.catalog.pending_chunks(doc.doc_id)
        stale = self.catalog.vector_ids(doc.doc_id, live=False)
        version = self.catalog.begin_document(dataclasses.replace(doc, content_hash=key), chunks,
                                              [tokenize(search_text(c, doc.meta)) for c in chunks])
        self.store.delete_ids(sorted(stale))  # vectors of the unfinished version just replaced
        if self.measures:
            self.catalog.find_measures(self.measures, doc.doc_id, version, chunks)
        return version, chunks

    def _same_as_live(self, doc: Document, chunks: list[Chunk]) -> bool:
        """Whether the live version was built from the same file and meta into the same paragraphs."""
        live = next(iter(self.catalog.documents(doc.doc_id, complete=True)), None)
        if live is None or live.content_hash.split(":")[0] != doc.content_hash or live.meta != doc.meta:
            return False
        return [(c.start, c.end, c.headings) for c in chunks] == self.catalog.live_spans(doc.doc_id)

    def _discard_pending(self, doc_id: str) -> None:
        stale = self.catalog.vector_ids(doc_id, live=False)
        if stale or self.catalog.documents(doc_id, complete=False):
            self.catalog.discard_pending(doc_id)
            self.store.delete_ids(sorted(stale))

    def repair(self) -> int:
        """See rag.index.consistency.repair."""
        return repair(self.catalog, self.store, self.embedder, self.batch_size)

    def remove(self, doc_id: str) -> None:
        with self.writer.held():
            self.catalog.remove_document(doc_id)
            self.store.delete_doc(doc_id)

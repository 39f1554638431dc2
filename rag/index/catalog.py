"""The durable record of what is indexed: documents, their chunks and search tokens (SQLite).

Chroma holds the vectors; this file holds everything needed to cite (document text, spans,
metadata) and to rebuild the BM25 index without re-reading or re-tokenising the corpus.

A document can have two versions: the live one, which queries see, and at most one being indexed.
A new version becomes visible in one transaction once all its chunks are embedded
(`complete_document`), replacing the live one; until then queries keep answering from the old
version, and a crash at any point leaves either the old or the new version visible, never half of
one. Each version's vectors have their own ids (`vector id` = chunk id + "@" + version).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.index.catalog_chunks import ChunkReads, vector_id
from rag.index.catalog_measures import MEASURES_SCHEMA, MeasureRows
from rag.index.catalog_schema import SCHEMA, migrate
from rag.types import Chunk, Document


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    content_hash: str  # what the version was built from: file hash and pipeline
    meta: dict[str, Any]
    n_chunks: int
    complete: bool  # True: the live version; False: a version still being indexed
    version: str = ""


class Catalog(ChunkReads, MeasureRows):
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._tx() as db:
            migrate(db)
            for stmt in (SCHEMA + MEASURES_SCHEMA).split(";"):
                if stmt.strip():
                    db.execute(stmt)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- info ---------------------------------------------------------------------------------
    def get_info(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM info WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_info(self, key: str, value: str) -> None:
        with self._tx() as db:
            db.execute("INSERT OR REPLACE INTO info(key, value) VALUES (?, ?)", (key, value))

    def add_to_info(self, amounts: dict[str, float]) -> None:
        with self._tx() as db:
            for key, amount in amounts.items():
                row = db.execute("SELECT value FROM info WHERE key=?", (key,)).fetchone()
                total = float(row[0]) + amount if row else amount
                db.execute("INSERT OR REPLACE INTO info(key, value) VALUES (?, ?)", (key, repr(total)))

    def generation(self) -> int:
        """Bumped on every change visible to queries, so readers know when to reload."""
        return int(self.get_info("generation") or 0)

    def replacements(self) -> int:
        """Bumped when live paragraphs went away (a document replaced or removed): their vectors are
        deleted next, so a search running meanwhile may have missed some."""
        return int(self.get_info("replaced") or 0)

    def _bump(self, db: sqlite3.Connection, replaced: bool = False) -> None:
        for key in ("generation", "replaced") if replaced else ("generation",):
            db.execute(
                "INSERT INTO info(key, value) VALUES (?, '1') "
                "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1", (key,)
            )

    # -- documents ----------------------------------------------------------------------------
    def documents(self, doc_id: str | None = None, complete: bool | None = None) -> list[DocumentRecord]:
        """Every version (one live and/or one being indexed per document), or those asked for."""
        sql = "SELECT doc_id, content_hash, meta, n_chunks, complete, version FROM documents WHERE 1=1"
        args: list[Any] = []
        if doc_id is not None:
            sql += " AND doc_id=?"
            args.append(doc_id)
        if complete is not None:
            sql += " AND complete=?"
            args.append(int(complete))
        with self._lock:
            rows = self._db.execute(sql + " ORDER BY doc_id, complete DESC", args).fetchall()
        return [DocumentRecord(r[0], r[1], json.loads(r[2]), r[3], bool(r[4]), r[5]) for r in rows]

    def document(self, doc_id: str, version: str | None = None) -> Document | None:
        """A document's text and metadata: the live version unless a version is named."""
        sql = "SELECT doc_id, text, content_hash, meta FROM documents WHERE doc_id=? "
        args: tuple[str, ...] = (doc_id,)
        if version is None:  # what queries see: never a version still being indexed
            sql += "AND complete=1"
        else:
            sql, args = sql + "AND version=?", (doc_id, version)
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return Document(row[0], row[1], row[2], json.loads(row[3])) if row else None

    def begin_document(self, doc: Document, chunks: Sequence[Chunk], tokens: Sequence[Sequence[str]]) -> str:
        """Record a new version of a document, invisible until `complete_document`; returns its version.

        Any other unfinished version of the document is dropped (see `discard_pending`)."""
        version = uuid.uuid4().hex[:10]
        with self._tx() as db:
            self._drop(db, doc.doc_id, complete=False)
            db.execute(
                "INSERT INTO documents(doc_id, version, content_hash, meta, text, n_chunks, complete, indexed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
                (doc.doc_id, version, doc.content_hash, json.dumps(doc.meta, ensure_ascii=False), doc.text,
                 len(chunks), time.time()),
            )
            db.executemany(
                "INSERT INTO chunks(vector_id, doc_id, version, start, end, headings, tokens) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (vector_id(c, version), c.doc_id, version, c.start, c.end,
                     json.dumps(list(c.headings), ensure_ascii=False), " ".join(t))
                    for c, t in zip(chunks, tokens, strict=True)
                ],
            )
        return version

    def _drop(self, db: sqlite3.Connection, doc_id: str, complete: bool) -> None:
        versions = [v for (v,) in db.execute(
            "SELECT version FROM documents WHERE doc_id=? AND complete=?", (doc_id, int(complete)))]
        for v in versions:
            db.execute("DELETE FROM chunks WHERE doc_id=? AND version=?", (doc_id, v))
            db.execute("DELETE FROM documents WHERE doc_id=? AND version=?", (doc_id, v))

    def discard_pending(self, doc_id: str) -> None:
        """Forget an unfinished version (its vectors are then orphans for `ChromaVectorStore` cleanup)."""
        with self._tx() as db:
            self._drop(db, doc_id, complete=False)

    def set_key(self, doc_id: str, content_hash: str) -> None:
        """Record that the live version matches a new pipeline without being rebuilt."""
        with self._tx() as db:
            db.execute("UPDATE documents SET content_hash=? WHERE doc_id=? AND complete=1", (content_hash, doc_id))

    def update_meta(self, doc_id: str, meta: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE documents SET meta=? WHERE doc_id=?", (json.dumps(meta, ensure_ascii=False), doc_id)
            )
            self._bump(db)

    def pending_chunks(self, doc_id: str) -> tuple[str, list[Chunk]]:
        """The unfinished version of a document and its chunks whose vectors are not stored yet."""
        rec = next(iter(self.documents(doc_id, complete=False)), None)
        if rec is None:
            return "", []
        return rec.version, [c for c, embedded in self._chunks_of(doc_id, rec.version) if not embedded]

    def mark_embedded(self, vector_ids: Iterable[str]) -> None:
        with self._tx() as db:
            db.executemany("UPDATE chunks SET embedded=1 WHERE vector_id=?", [(v,) for v in vector_ids])

    def complete_document(self, doc_id: str) -> set[str]:
        """Make the unfinished version live in one step; returns the vector ids of the version it replaced."""
        with self._tx() as db:
            old = {v for (v,) in db.execute(
                "SELECT c.vector_id FROM chunks c JOIN documents d ON d.doc_id=c.doc_id AND d.version=c.version "
                "WHERE c.doc_id=? AND d.complete=1", (doc_id,))}
            self._drop(db, doc_id, complete=True)
            db.execute("UPDATE documents SET complete=1 WHERE doc_id=? AND complete=0", (doc_id,))
            self._bump(db, replaced=bool(old))
        return old

    def remove_document(self, doc_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            self._bump(db, replaced=True)

    def close(self) -> None:
        with self._lock:
            self._db.close()

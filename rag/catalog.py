"""The durable record of what is indexed: documents, their chunks and search tokens (SQLite).

Chroma holds the vectors; this file holds everything needed to cite (document text, spans,
metadata) and to rebuild the BM25 index without re-reading or re-tokenising the corpus. A document
becomes visible to queries only once all its chunks are embedded (`complete`), so a crash mid-way
never shows half a document.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.types import Chunk, Document

SCHEMA = """
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    meta TEXT NOT NULL,
    text TEXT NOT NULL,
    n_chunks INTEGER NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0,
    indexed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    headings TEXT NOT NULL,
    tokens TEXT NOT NULL,
    embedded INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
"""


@dataclass(frozen=True)
class DocumentRecord:
    doc_id: str
    content_hash: str
    meta: dict[str, Any]
    n_chunks: int
    complete: bool


class Catalog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)

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

    def generation(self) -> int:
        """Bumped on every change visible to queries, so readers know when to reload."""
        return int(self.get_info("generation") or 0)

    def _bump(self, db: sqlite3.Connection) -> None:
        db.execute(
            "INSERT INTO info(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # -- documents ----------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT doc_id, content_hash, meta, n_chunks, complete FROM documents ORDER BY doc_id"
            ).fetchall()
        return [DocumentRecord(r[0], r[1], json.loads(r[2]), r[3], bool(r[4])) for r in rows]

    def document(self, doc_id: str) -> Document | None:
        with self._lock:
            row = self._db.execute(
                "SELECT doc_id, text, content_hash, meta FROM documents WHERE doc_id=?", (doc_id,)
            ).fetchone()
        return Document(row[0], row[1], row[2], json.loads(row[3])) if row else None

    def begin_document(self, doc: Document, chunks: Sequence[Chunk], tokens: Sequence[Sequence[str]]) -> None:
        """Replace a document's record and chunks; it stays invisible until `complete_document`."""
        with self._tx() as db:
            was_visible = db.execute(
                "SELECT complete FROM documents WHERE doc_id=?", (doc.doc_id,)
            ).fetchone()
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc.doc_id,))
            db.execute("DELETE FROM documents WHERE doc_id=?", (doc.doc_id,))
            db.execute(
                "INSERT INTO documents(doc_id, content_hash, meta, text, n_chunks, complete, indexed_at) "
                "VALUES (?, ?, ?, ?, ?, 0, ?)",
                (doc.doc_id, doc.content_hash, json.dumps(doc.meta, ensure_ascii=False), doc.text,
                 len(chunks), time.time()),
            )
            db.executemany(
                "INSERT INTO chunks(chunk_id, doc_id, start, end, headings, tokens) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (c.chunk_id, c.doc_id, c.start, c.end, json.dumps(list(c.headings), ensure_ascii=False),
                     " ".join(t))
                    for c, t in zip(chunks, tokens, strict=True)
                ],
            )
            if was_visible and was_visible[0]:
                self._bump(db)

    def update_meta(self, doc_id: str, meta: dict[str, Any]) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE documents SET meta=? WHERE doc_id=?", (json.dumps(meta, ensure_ascii=False), doc_id)
            )
            self._bump(db)

    def pending_chunks(self, doc_id: str) -> list[Chunk]:
        """Chunks of a document whose vectors are not stored yet (what a resumed ingest embeds)."""
        return [c for c, embedded in self._chunks_of(doc_id) if not embedded]

    def mark_embedded(self, chunk_ids: Iterable[str]) -> None:
        with self._tx() as db:
            db.executemany("UPDATE chunks SET embedded=1 WHERE chunk_id=?", [(c,) for c in chunk_ids])

    def complete_document(self, doc_id: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE documents SET complete=1 WHERE doc_id=?", (doc_id,))
            self._bump(db)

    def remove_document(self, doc_id: str) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
            db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            self._bump(db)

    def chunk_ids(self, doc_id: str | None = None) -> set[str]:
        with self._lock:
            if doc_id is None:
                rows = self._db.execute("SELECT chunk_id FROM chunks").fetchall()
            else:
                rows = self._db.execute("SELECT chunk_id FROM chunks WHERE doc_id=?", (doc_id,)).fetchall()
        return {r[0] for r in rows}

    # -- chunks -------------------------------------------------------------------------------
    def _chunks_of(self, doc_id: str) -> list[tuple[Chunk, bool]]:
        doc = self.document(doc_id)
        if doc is None:
            return []
        with self._lock:
            rows = self._db.execute(
                "SELECT start, end, headings, embedded FROM chunks WHERE doc_id=? ORDER BY start", (doc_id,)
            ).fetchall()
        return [
            (Chunk(doc_id, s, e, doc.text[s:e], tuple(json.loads(h))), bool(emb)) for s, e, h, emb in rows
        ]

    def visible_chunks(self) -> Iterator[tuple[Chunk, list[str]]]:
        """(chunk, tokens) of every complete document, in a stable order."""
        with self._lock:
            docs = self._db.execute(
                "SELECT doc_id, text FROM documents WHERE complete=1 ORDER BY doc_id"
            ).fetchall()
            texts = dict(docs)
            rows = self._db.execute(
                "SELECT c.doc_id, c.start, c.end, c.headings, c.tokens FROM chunks c "
                "JOIN documents d ON d.doc_id = c.doc_id WHERE d.complete=1 ORDER BY c.doc_id, c.start"
            ).fetchall()
        for doc_id, s, e, h, toks in rows:
            yield Chunk(doc_id, s, e, texts[doc_id][s:e], tuple(json.loads(h))), toks.split(" ") if toks else []

    def close(self) -> None:
        with self._lock:
            self._db.close()

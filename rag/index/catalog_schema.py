"""The catalog's tables, and the upgrade of catalogs written before documents had versions."""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS info (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT NOT NULL,
    version TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    meta TEXT NOT NULL,
    text TEXT NOT NULL,
    n_chunks INTEGER NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0,
    indexed_at REAL NOT NULL,
    PRIMARY KEY (doc_id, version)
);
CREATE UNIQUE INDEX IF NOT EXISTS documents_one_live ON documents(doc_id) WHERE complete=1;
CREATE UNIQUE INDEX IF NOT EXISTS documents_one_pending ON documents(doc_id) WHERE complete=0;
CREATE TABLE IF NOT EXISTS chunks (
    vector_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    version TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    headings TEXT NOT NULL,
    tokens TEXT NOT NULL,
    embedded INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (doc_id, version) REFERENCES documents(doc_id, version) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id, version);
"""


def migrate(db: sqlite3.Connection) -> None:
    """Catalogs from before versions: every row becomes version "" (its vector ids are the chunk ids)."""
    cols = [r[1] for r in db.execute("PRAGMA table_info(documents)")]
    if not cols or "version" in cols:
        return
    db.execute("ALTER TABLE documents RENAME TO documents_v1")
    db.execute("ALTER TABLE chunks RENAME TO chunks_v1")
    db.execute("DROP INDEX IF EXISTS chunks_doc")
    for stmt in SCHEMA.split(";"):
        if stmt.strip():
            db.execute(stmt)
    db.execute(
        "INSERT INTO documents(doc_id, version, content_hash, meta, text, n_chunks, complete, indexed_at) "
        "SELECT doc_id, '', content_hash, meta, text, n_chunks, complete, indexed_at FROM documents_v1"
    )
    db.execute(
        "INSERT INTO chunks(vector_id, doc_id, version, start, end, headings, tokens, embedded) "
        "SELECT chunk_id, doc_id, '', start, end, headings, tokens, embedded FROM chunks_v1"
    )
    db.execute("DROP TABLE chunks_v1")
    db.execute("DROP TABLE documents_v1")

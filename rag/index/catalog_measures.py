"""The catalog's measures (政策措施): what rag.match finds in a document version at ingest, stored beside
its paragraphs with exact spans, so a match reads them instead of reading every paragraph again.

The index stage stores and returns them without knowing how they are found: the indexer is given
the finder (rag.app wires rag.match.measures in) and its name. Rows go with their document version:
a replaced or removed version takes its measures with it (ON DELETE CASCADE), and rows written by
another finder are found again at the next ingest (`stale_measures`).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from rag.types import Chunk

log = logging.getLogger(__name__)

MEASURES_SCHEMA = """
CREATE TABLE IF NOT EXISTS measure_sets (
    doc_id TEXT NOT NULL,
    version TEXT NOT NULL,
    finder TEXT NOT NULL,
    PRIMARY KEY (doc_id, version),
    FOREIGN KEY (doc_id, version) REFERENCES documents(doc_id, version) ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS measures (
    doc_id TEXT NOT NULL,
    version TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    fields TEXT NOT NULL,
    FOREIGN KEY (doc_id, version) REFERENCES measure_sets(doc_id, version) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS measures_doc ON measures(doc_id, version);
"""


@dataclass(frozen=True)
class MeasureFinder:
    """What finds a document's measures in its paragraphs, and its name (stored with the rows: a
    new name means every document's measures are found again at the next ingest)."""

    name: str
    find: Callable[[Sequence[Chunk]], list[dict[str, Any]]]


class MeasureRows:
    """Mixed into Catalog (which owns the connection, the lock and transactions)."""

    _db: sqlite3.Connection
    _lock: threading.RLock

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        raise NotImplementedError

    def chunks_of(self, doc_id: str, version: str) -> list[Chunk]:
        raise NotImplementedError

    def find_measures(self, finder: MeasureFinder, doc_id: str, version: str,
                      chunks: Sequence[Chunk] | None = None) -> None:
        """Find and record the measures of a document version (its stored paragraphs unless given).
        A finder that fails costs only the record: the document is indexed all the same, a match
        reads its paragraphs instead, and the next ingest tries again."""
        try:
            found = finder.find(self.chunks_of(doc_id, version) if chunks is None else chunks)
        except Exception:
            log.exception("finding the measures of %s failed; they are read from its paragraphs", doc_id)
            return
        self.put_measures(doc_id, version, finder.name, found)

    def refresh_measures(self, finder: MeasureFinder) -> int:
        """Find the measures of live versions that lack this finder's; returns how many documents."""
        stale = list(self.stale_measures(finder.name))
        for doc_id, version in stale:
            self.find_measures(finder, doc_id, version)
        return len(stale)

    def put_measures(self, doc_id: str, version: str, finder: str, rows: Sequence[dict[str, Any]]) -> None:
        """Record the measures of one document version (each row: start, end and any other fields)."""
        with self._tx() as db:
            db.execute("DELETE FROM measure_sets WHERE doc_id=? AND version=?", (doc_id, version))
            if not db.execute("SELECT 1 FROM documents WHERE doc_id=? AND version=?", (doc_id, version)).fetchone():
                return  # the version went meanwhile
            db.execute("INSERT INTO measure_sets(doc_id, version, finder) VALUES (?, ?, ?)", (doc_id, version, finder))
            db.executemany(
                "INSERT INTO measures(doc_id, version, start, end, fields) VALUES (?, ?, ?, ?, ?)",
                [(doc_id, version, int(r["start"]), int(r["end"]),
                  json.dumps({k: v for k, v in r.items() if k not in ("start", "end")}, ensure_ascii=False))
                 for r in rows],
            )

    def live_measures(self, finder: str) -> dict[str, list[dict[str, Any]]]:
        """The measures of every live document version found by this finder, in document order;
        documents without such a record are absent (not the same as having no measures)."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                docs = [d for (d,) in self._db.execute(
                    "SELECT s.doc_id FROM measure_sets s JOIN documents d ON d.doc_id = s.doc_id "
                    "AND d.version = s.version WHERE d.complete=1 AND s.finder=?", (finder,))]
                rows = self._db.execute(
                    "SELECT m.doc_id, m.start, m.end, m.fields FROM measures m JOIN measure_sets s "
                    "ON s.doc_id = m.doc_id AND s.version = m.version JOIN documents d ON d.doc_id = m.doc_id "
                    "AND d.version = m.version WHERE d.complete=1 AND s.finder=? ORDER BY m.doc_id, m.start",
                    (finder,)).fetchall()
            finally:
                self._db.execute("COMMIT")
        out: dict[str, list[dict[str, Any]]] = {d: [] for d in docs}
        for doc_id, start, end, fields in rows:
            out[doc_id].append({"start": start, "end": end, **json.loads(fields)})
        return out

    def stale_measures(self, finder: str) -> Iterator[tuple[str, str]]:
        """(doc id, version) of live versions whose measures this finder has not recorded."""
        with self._lock:
            rows = self._db.execute(
                "SELECT d.doc_id, d.version FROM documents d LEFT JOIN measure_sets s ON s.doc_id = d.doc_id "
                "AND s.version = d.version WHERE d.complete=1 AND (s.finder IS NULL OR s.finder != ?) "
                "ORDER BY d.doc_id", (finder,)).fetchall()
        yield from rows

"""The catalog's reads of paragraphs: what queries see, what the vector store should hold."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from rag.types import Chunk, Document


def vector_id(chunk: Chunk, version: str) -> str:
    return f"{chunk.chunk_id}@{version}" if version else chunk.chunk_id


class ChunkReads:
    """Mixed into Catalog (which owns the connection and the lock)."""

    _db: sqlite3.Connection
    _lock: threading.RLock

    def document(self, doc_id: str, version: str | None = None) -> Document | None:
        raise NotImplementedError

    def unfinished_vectors(self) -> int:
        """How many vectors the store holds for versions still being indexed (not visible to queries).
        Indexed lookups from the few unfinished versions: no scan of the paragraphs."""
        with self._lock:
            return int(self._db.execute(
                "SELECT COUNT(*) FROM documents d CROSS JOIN chunks c ON c.doc_id = d.doc_id "
                "AND c.version = d.version WHERE d.complete=0 AND c.embedded=1").fetchone()[0])

    def live_spans(self, doc_id: str) -> list[tuple[int, int, tuple[str, ...]]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT c.start, c.end, c.headings FROM chunks c JOIN documents d ON d.doc_id = c.doc_id "
                "AND d.version = c.version WHERE c.doc_id=? AND d.complete=1 ORDER BY c.start", (doc_id,)
            ).fetchall()
        return [(s, e, tuple(json.loads(h))) for s, e, h in rows]

    def vector_ids(self, doc_id: str | None = None, embedded_only: bool = False,
                   live: bool | None = None) -> set[str]:
        """Vector ids as Chroma should hold them: of every version, or only the live (or unfinished) ones."""
        sql = ("SELECT c.vector_id FROM chunks c JOIN documents d ON d.doc_id = c.doc_id "
               "AND d.version = c.version WHERE 1=1")
        args: list[Any] = []
        if doc_id is not None:
            sql += " AND c.doc_id=?"
            args.append(doc_id)
        if embedded_only:
            sql += " AND c.embedded=1"
        if live is not None:
            sql += " AND d.complete=?"
            args.append(int(live))
        with self._lock:
            return {r[0] for r in self._db.execute(sql, args).fetchall()}

    def chunks_for(self, vector_ids: Iterable[str]) -> list[tuple[str, Chunk, dict[str, Any]]]:
        """(vector id, chunk, document metadata) for the given vector ids (unknown ids are skipped)."""
        out = []
        for vid in sorted(vector_ids):
            with self._lock:
                row = self._db.execute(
                    "SELECT c.doc_id, c.version, c.start, c.end, c.headings, d.text, d.meta FROM chunks c "
                    "JOIN documents d ON d.doc_id = c.doc_id AND d.version = c.version WHERE c.vector_id=?",
                    (vid,),
                ).fetchone()
            if row:
                doc_id, _, s, e, h, text, meta = row
                out.append((vid, Chunk(doc_id, s, e, text[s:e], tuple(json.loads(h))), json.loads(meta)))
        return out

    # -- chunks -------------------------------------------------------------------------------
    def chunks_of(self, doc_id: str, version: str) -> list[Chunk]:
        """The paragraphs of one version of a document (live or not), in document order."""
        return [c for c, _ in self._chunks_of(doc_id, version)]

    def _chunks_of(self, doc_id: str, version: str) -> list[tuple[Chunk, bool]]:
        doc = self.document(doc_id, version)
        if doc is None:
            return []
        with self._lock:
            rows = self._db.execute(
                "SELECT start, end, headings, embedded FROM chunks WHERE doc_id=? AND version=? ORDER BY start",
                (doc_id, version),
            ).fetchall()
        return [
            (Chunk(doc_id, s, e, doc.text[s:e], tuple(json.loads(h))), bool(emb)) for s, e, h, emb in rows
        ]

    def visible_chunks(self) -> Iterator[tuple[Chunk, list[str], str]]:
        """(chunk, tokens, vector id) of every live document version, in a stable order."""
        with self._lock:  # one read transaction: another process's commit cannot fall in between
            self._db.execute("BEGIN")
            try:
                texts = dict(self._db.execute("SELECT doc_id, text FROM documents WHERE complete=1").fetchall())
                rows = self._db.execute(
                    "SELECT c.doc_id, c.start, c.end, c.headings, c.tokens, c.vector_id FROM chunks c "
                    "JOIN documents d ON d.doc_id = c.doc_id AND d.version = c.version WHERE d.complete=1 "
                    "ORDER BY c.doc_id, c.start"
                ).fetchall()
            finally:
                self._db.execute("COMMIT")
        for doc_id, s, e, h, toks, vid in rows:
            chunk = Chunk(doc_id, s, e, texts[doc_id][s:e], tuple(json.loads(h)))
            yield chunk, (toks.split(" ") if toks else []), vid

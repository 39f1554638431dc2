"""make_vector_store(settings): Chroma embedded (PersistentClient) or a Chroma server (HttpClient).

Vectors are always computed by our embedder and passed in, so Chroma never loads an embedding
function of its own (its default one would try to download weights).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from rag.index.chroma_client import StoreError, make_client, reopen_embedded
from rag.settings import Settings

log = logging.getLogger(__name__)
T = TypeVar("T")
__all__ = ["ChromaVectorStore", "StoreError", "StoreUnavailable", "VectorHit", "make_vector_store"]


class StoreUnavailable(StoreError):
    """The Chroma server cannot be reached just now (down, restarting, not answering); it may return."""

    def __init__(self, server: str, reason: str) -> None:
        super().__init__(f"cannot reach the Chroma server at {server} ({reason})")
        self.server = server  # "host:port", for messages to the user


def _stale(exc: BaseException) -> bool:
    """True for chromadb's error on vectors that another process stored after this one opened the
    folder (other internal errors, e.g. of SQLite, are not cured by reading it again)."""
    from chromadb.errors import InternalError

    return isinstance(exc, InternalError) and "Error finding id" in str(exc)


def _unreachable(exc: BaseException) -> bool:
    """True for a lost connection or a timeout, as opposed to an error the server reported."""
    import httpx

    return isinstance(exc, httpx.TransportError | ConnectionError | TimeoutError)


@dataclass(frozen=True)
class VectorHit:
    chunk_id: str
    similarity: float  # cosine similarity


class ChromaVectorStore:
    """Chunk vectors keyed by chunk id, with the document name as metadata for filtering and deletion."""

    def __init__(self, client: Any, collection: str, embedder_id: str, dim: int, server: str = "") -> None:
        self._client = client
        self._name = collection
        self._embedder_id = embedder_id
        self._dim = dim
        self._server = server  # "host:port" of a Chroma server, "" when embedded
        self._lock = threading.Lock()
        self._down = False  # the server was unreachable at the last call (logged once per outage)
        try:
            self._col = self._open()
        except Exception as exc:
            raise StoreError(f"cannot open Chroma collection {collection!r}: {exc}") from exc
        built_by = (self._col.metadata or {}).get("embedder")
        if built_by and built_by != embedder_id:
            raise StoreError(
                f"the index was built with embedder {built_by!r} but {embedder_id!r} is configured; "
                "re-index with `policy-qa ingest --rebuild` (or set POLICY_QA_EMBEDDER back)"
            )

    def _open(self) -> Any:
        return self._client.get_or_create_collection(
            self._name,
            metadata={"embedder": self._embedder_id, "dim": self._dim},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )

    def _call(self, op: Callable[[Any], T]) -> T:
        """Run op on the collection. A lost server connection is retried once on a fresh collection
        handle; if the server is still unreachable, StoreUnavailable (logged once per outage). An
        embedded store that another process has written to is read afresh, and op run again."""
        col = self._col
        try:
            result = op(col)
        except Exception as exc:
            if self._server and _unreachable(exc):
                result = self._retry(op, exc)
            elif not self._server and _stale(exc):
                result = op(self._fresh(col))
            else:
                raise
        if self._down:
            with self._lock:
                if self._down:
                    self._down = False
                    log.warning("the Chroma server at %s is reachable again", self._server)
        return result

    def _fresh(self, failed: Any) -> Any:
        """The collection read afresh from disk, once per failed handle (other threads that failed on
        the same handle meanwhile use the new one)."""
        with self._lock:
            if self._col is failed:
                log.info("the index folder was changed by another process: reading it afresh")
                self._client = reopen_embedded(self._client)
                self._col = self._open()
            return self._col

    def _retry(self, op: Callable[[Any], T], exc: Exception) -> T:
        if not self._down:  # e.g. restarted since the last call: a new connection and handle may do
            try:
                self._col = self._open()
                return op(self._col)
            except Exception as again:
                if not _unreachable(again):
                    raise
                exc = again
        with self._lock:
            if not self._down:
                self._down = True
                log.error("the Chroma server at %s is unreachable (%s: %s); vector search is off until it "
                          "returns", self._server, type(exc).__name__, exc)
        raise StoreUnavailable(self._server, f"{type(exc).__name__}: {exc}") from exc

    def add(self, ids: Sequence[str], vectors: np.ndarray, doc_ids: Sequence[str], texts: Sequence[str]) -> None:
        if not ids:
            return
        self._call(lambda col: col.upsert(
            ids=list(ids),
            embeddings=np.asarray(vectors, dtype=np.float32),
            metadatas=[{"doc": d} for d in doc_ids],
            documents=list(texts),
        ))

    def delete_doc(self, doc_id: str) -> None:
        self._call(lambda col: col.delete(where={"doc": doc_id}))

    def delete_ids(self, ids: Sequence[str]) -> None:
        if ids:
            self._call(lambda col: col.delete(ids=list(ids)))

    def query(self, vector: np.ndarray, k: int, doc_ids: Sequence[str] | None = None) -> list[VectorHit]:
        if k <= 0:
            return []
        where = None
        if doc_ids is not None:
            if not doc_ids:
                return []
            where = {"doc": {"$in": list(doc_ids)}} if len(doc_ids) > 1 else {"doc": doc_ids[0]}
        res = self._call(lambda col: col.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=k,  # chromadb returns what there is when it holds fewer (and [] when empty)
            where=where,
            # Distances only: metadata rows are read from chroma.sqlite3, whose pages are rarely cached
            # on a 258k-vector index (40 neighbours: 5-26 ms median, up to 155 ms, against 2 ms).
            include=["distances"],
        ))
        ids = res["ids"][0]
        dists = res["distances"][0] if res["distances"] else [1.0] * len(ids)
        return [VectorHit(cid, 1.0 - float(dist)) for cid, dist in zip(ids, dists, strict=True)]

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of the given chunk ids (missing ids are absent from the result)."""
        if not ids:
            return {}
        got = self._call(lambda col: col.get(ids=list(ids), include=["embeddings"]))
        return {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(got["ids"], got["embeddings"], strict=True)}

    def ids(self) -> set[str]:
        got = self._call(lambda col: col.get(include=[]))
        return set(got["ids"])

    def count(self) -> int:
        return int(self._call(lambda col: col.count()))

    def reset(self) -> None:
        """Drop every vector (used by --rebuild, e.g. after changing the embedder)."""
        with self._lock:  # not while another thread reads the folder afresh
            self._client.delete_collection(self._name)
            self._col = self._open()


def make_vector_store(settings: Settings, embedder_id: str, dim: int) -> ChromaVectorStore:
    server = f"{settings.chroma_host}:{settings.chroma_port}" if settings.chroma_host else ""
    return ChromaVectorStore(make_client(settings), settings.collection, embedder_id, dim, server)

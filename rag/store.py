"""make_vector_store(settings): Chroma embedded (PersistentClient) or a Chroma server (HttpClient).

Vectors are always computed by our embedder and passed in, so Chroma never loads an embedding
function of its own (its default one would try to download weights).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rag.settings import Settings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


class StoreError(RuntimeError):
    """The vector store cannot be used as configured; the message says why and what to do."""


@dataclass(frozen=True)
class VectorHit:
    chunk_id: str
    similarity: float  # cosine similarity
    doc_id: str


class ChromaVectorStore:
    """Chunk vectors keyed by chunk id, with the document name as metadata for filtering and deletion."""

    def __init__(self, client: Any, collection: str, embedder_id: str, dim: int) -> None:
        self._client = client
        self._name = collection
        self._embedder_id = embedder_id
        self._dim = dim
        try:
            self._col = client.get_or_create_collection(
                collection,
                metadata={"embedder": embedder_id, "dim": dim},
                configuration={"hnsw": {"space": "cosine"}},
                embedding_function=None,
            )
        except Exception as exc:
            raise StoreError(f"cannot open Chroma collection {collection!r}: {exc}") from exc
        built_by = (self._col.metadata or {}).get("embedder")
        if built_by and built_by != embedder_id:
            raise StoreError(
                f"the index was built with embedder {built_by!r} but {embedder_id!r} is configured; "
                "re-index with `policy-qa ingest --rebuild` (or set POLICY_QA_EMBEDDER back)"
            )

    def add(self, ids: Sequence[str], vectors: np.ndarray, doc_ids: Sequence[str], texts: Sequence[str]) -> None:
        if not ids:
            return
        self._col.upsert(
            ids=list(ids),
            embeddings=np.asarray(vectors, dtype=np.float32),
            metadatas=[{"doc": d} for d in doc_ids],
            documents=list(texts),
        )

    def delete_doc(self, doc_id: str) -> None:
        self._col.delete(where={"doc": doc_id})

    def delete_ids(self, ids: Sequence[str]) -> None:
        if ids:
            self._col.delete(ids=list(ids))

    def query(self, vector: np.ndarray, k: int, doc_ids: Sequence[str] | None = None) -> list[VectorHit]:
        n = self.count()
        if n == 0 or k <= 0:
            return []
        where = None
        if doc_ids is not None:
            if not doc_ids:
                return []
            where = {"doc": {"$in": list(doc_ids)}} if len(doc_ids) > 1 else {"doc": doc_ids[0]}
        res = self._col.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=min(k, n),
            where=where,
            include=["distances", "metadatas"],
        )
        ids = res["ids"][0]
        dists = res["distances"][0] if res["distances"] else [1.0] * len(ids)
        metas = res["metadatas"][0] if res["metadatas"] else [{}] * len(ids)
        return [
            VectorHit(cid, 1.0 - float(dist), str((meta or {}).get("doc", "")))
            for cid, dist, meta in zip(ids, dists, metas, strict=True)
        ]

    def vectors(self, ids: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of the given chunk ids (missing ids are absent from the result)."""
        if not ids:
            return {}
        got = self._col.get(ids=list(ids), include=["embeddings"])
        return {cid: np.asarray(v, dtype=np.float32) for cid, v in zip(got["ids"], got["embeddings"], strict=True)}

    def ids(self) -> set[str]:
        got = self._col.get(include=[])
        return set(got["ids"])

    def count(self) -> int:
        return int(self._col.count())

    def reset(self) -> None:
        """Drop every vector (used by --rebuild, e.g. after changing the embedder)."""
        self._client.delete_collection(self._name)
        self._col = self._client.get_or_create_collection(
            self._name,
            metadata={"embedder": self._embedder_id, "dim": self._dim},
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def make_client(settings: Settings) -> Any:
    """The Chroma client chosen by settings: a server when POLICY_QA_CHROMA_HOST is set, else embedded."""
    import chromadb

    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=_chroma_settings()
            )
            client.heartbeat()
        except Exception as exc:
            raise StoreError(
                f"cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
                f"({type(exc).__name__}); start it with `chroma run` or unset POLICY_QA_CHROMA_HOST"
            ) from exc
        return client
    path = settings.index_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())


def make_vector_store(settings: Settings, embedder_id: str, dim: int) -> ChromaVectorStore:
    return ChromaVectorStore(make_client(settings), settings.collection, embedder_id, dim)

"""What queries see: the chunks of completely indexed documents, their BM25 index, document
metadata and filter facets. Rebuilt from the catalog whenever its generation changes."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rag.index.catalog import Catalog
from rag.index.lexical import BM25, add_words, normalise
from rag.ingest.loading import manifest_words
from rag.types import Chunk


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


def _facets(doc_meta: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    regions, industries, places = set(), set(), set()
    for meta in doc_meta.values():
        regions.update(as_list(meta.get("region")))
        industries.update(as_list(meta.get("industry")))
        places.update(as_list(meta.get("region")) + as_list(meta.get("aliases")))
    return {"regions": sorted(regions), "industries": sorted(industries), "docs": sorted(doc_meta),
            "places": sorted(places)}


@dataclass(frozen=True)
class Snapshot:
    """One consistent state of the visible index; a query uses one snapshot from start to end."""

    generation: int = -1
    chunks: list[Chunk] = field(default_factory=list)
    vector_ids: list[str] = field(default_factory=list)  # Chroma id of each chunk's vector
    bm25: BM25 = field(default_factory=lambda: BM25([]))
    vector_index: dict[str, int] = field(default_factory=dict)  # vector id -> position
    doc_meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    doc_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    text: str = ""
    facets: dict[str, list[str]] = field(default_factory=lambda: _facets({}))

    def occurs(self, term: str) -> bool:
        """Whether a term occurs anywhere in the visible documents (normalised search form)."""
        return normalise(term) in self.text


class LexicalView:
    """BM25 over the visible chunks, rebuilt when the catalog changes; readers take a `snapshot()`
    and keep it for the whole query, so a rebuild never mixes two states in one answer."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.snap = Snapshot()
        self._lock = threading.Lock()

    def snapshot(self, wait: bool = False) -> Snapshot:
        """The current snapshot. While another thread rebuilds it (seconds on a large index), the
        previous one is returned at once unless wait, or unless there is none yet."""
        self.refresh(wait)
        return self.snap

    def refresh(self, wait: bool = False) -> None:
        gen = self.catalog.generation()
        if gen == self.snap.generation:
            return
        if not self._lock.acquire(blocking=wait or self.snap.generation < 0):
            return  # another thread is rebuilding: the previous snapshot stays consistent meanwhile
        try:
            if gen == self.snap.generation:
                return
            chunks: list[Chunk] = []
            vids: list[str] = []

            def tokens() -> Iterator[list[str]]:  # streamed: one paragraph's token list at a time
                for chunk, toks, vid in self.catalog.visible_chunks():
                    chunks.append(chunk)
                    vids.append(vid)
                    yield toks

            bm25 = BM25(tokens())
            doc_meta = {r.doc_id: r.meta for r in self.catalog.documents() if r.complete}
            add_words(manifest_words(doc_meta))  # the same words the indexer taught jieba
            self.snap = Snapshot(
                generation=gen,
                chunks=chunks,
                vector_ids=vids,
                bm25=bm25,
                vector_index={v: i for i, v in enumerate(vids)},
                doc_meta=doc_meta,
                doc_of=np.array([c.doc_id for c in chunks], dtype=object),
                text=normalise("\n".join(c.text for c in chunks)),
                facets=_facets(doc_meta),
            )
        finally:
            self._lock.release()

    # The current snapshot's parts, for callers that read one of them once.
    @property
    def chunks(self) -> list[Chunk]:
        return self.snap.chunks

    @property
    def bm25(self) -> BM25:
        return self.snap.bm25

    @property
    def doc_meta(self) -> dict[str, dict[str, Any]]:
        return self.snap.doc_meta

    @property
    def facets(self) -> dict[str, list[str]]:
        return self.snap.facets

    def occurs(self, term: str) -> bool:
        return self.snap.occurs(term)

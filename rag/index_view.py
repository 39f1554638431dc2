"""What queries see: the chunks of completely indexed documents, their BM25 index, document
metadata and filter facets. Rebuilt from the catalog whenever its generation changes."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from rag.catalog import Catalog
from rag.lexical import BM25, add_words, normalise
from rag.loading import manifest_words
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


class LexicalView:
    """BM25 over the visible chunks, rebuilt when the catalog changes."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.generation = -1
        self.chunks: list[Chunk] = []
        self.bm25 = BM25([])
        self.index_of: dict[str, int] = {}
        self.doc_meta: dict[str, dict[str, Any]] = {}
        self.doc_of: np.ndarray = np.zeros(0, dtype=object)
        self._text = ""
        self.facets: dict[str, list[str]] = _facets({})
        self._lock = threading.Lock()

    def refresh(self) -> None:
        gen = self.catalog.generation()
        if gen == self.generation:
            return
        with self._lock:
            if gen == self.generation:
                return
            pairs = list(self.catalog.visible_chunks())
            self.chunks = [c for c, _ in pairs]
            self.bm25 = BM25([t for _, t in pairs])
            self.index_of = {c.chunk_id: i for i, c in enumerate(self.chunks)}
            self.doc_of = np.array([c.doc_id for c in self.chunks], dtype=object)
            self.doc_meta = {r.doc_id: r.meta for r in self.catalog.documents() if r.complete}
            add_words(manifest_words(self.doc_meta))  # the same words the indexer taught jieba
            self._text = normalise("\n".join(c.text for c in self.chunks))
            self.facets = _facets(self.doc_meta)
            self.generation = gen

    def occurs(self, term: str) -> bool:
        """Whether a term occurs anywhere in the visible documents (normalised search form)."""
        return normalise(term) in self._text

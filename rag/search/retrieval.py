"""query -> RetrievedChunk[]: jieba BM25 and Chroma dense search, fused, with metadata filters."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.index.catalog import Catalog
from rag.index.embeddings import PolicyEmbeddings
from rag.index.index_view import LexicalView, Snapshot, as_list
from rag.index.lexical import tokenize
from rag.index.store import ChromaVectorStore
from rag.types import RetrievedChunk


class FilterError(ValueError):
    """A filter names a region, industry or document the index does not have."""


@dataclass(frozen=True)
class Filters:
    regions: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    docs: tuple[str, ...] = ()
    # Documents searched as if they were not indexed (evaluation: a question whose own document is
    # missing must be refused). Not a user filter: it does not make a filter "set".
    exclude: tuple[str, ...] = ()
    # Paragraphs searched as if they were not indexed: (document, start, end) spans they overlap
    # (evaluation: a figure question whose stating paragraph is missing must be refused).
    exclude_spans: tuple[tuple[str, int, int], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.regions or self.industries or self.docs)

    def without(self, docs: list[str]) -> list[str]:
        return [d for d in docs if d not in self.exclude]


@dataclass(frozen=True)
class FusionConfig:
    dense_weight: float = 0.5  # share of the dense side in the fused score; the rest is BM25
    candidates: int = 40  # taken from each side before fusing
    rrf_k: float = 60.0
    method: str = "score"  # "score": weighted sum of normalised scores | "rrf": reciprocal rank fusion


class Retriever:
    def __init__(
        self,
        catalog: Catalog,
        store: ChromaVectorStore,
        embedder: PolicyEmbeddings,
        fusion: FusionConfig | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.fusion = fusion or FusionConfig()
        self.view = LexicalView(catalog)

    # -- filters ------------------------------------------------------------------------------
    def facets(self) -> dict[str, list[str]]:
        """Values a filter may take (regions, industries, document names) and the place names known."""
        self.view.refresh()
        return self.view.facets

    def docs_about(self, places: Sequence[str]) -> list[str]:
        """Documents whose region or aliases name one of the places (e.g. 平湖 -> the Pinghu document)."""
        self.view.refresh()
        out = []
        for doc_id, meta in self.view.doc_meta.items():
            names = as_list(meta.get("region")) + as_list(meta.get("aliases"))
            if any(p in name for p in places for name in names):
                out.append(doc_id)
        return sorted(out)

    def docs_named(self, text: str) -> list[tuple[str, str]]:
        """(document, alias) for each document a question names by an alias, in order of mention.

        A match inside a longer match ("平湖" in "平湖箱包实施意见") counts once, for the longer one.
        """
        self.view.refresh()
        found: list[tuple[int, str, str]] = []  # (position, alias, doc)
        for doc_id, meta in self.view.doc_meta.items():
            for alias in as_list(meta.get("aliases")):
                pos = text.find(alias) if alias else -1
                if pos >= 0:
                    found.append((pos, alias, doc_id))
        kept = [f for f in found if not any(f[1] != g[1] and f[1] in g[1] and g[0] <= f[0] < g[0] + len(g[1])
                                            for g in found)]
        return list(dict.fromkeys((doc, alias) for _, alias, doc in sorted(kept)))

    def allowed_docs(self, filters: Filters | None) -> list[str] | None:
        """Document names passing the filters (None = no filter); unknown values raise FilterError."""
        if filters is None or not (filters or filters.exclude or filters.exclude_spans):
            return None
        facets = self.facets()
        for name, values, known in (
            ("region", filters.regions, facets["regions"]),
            ("industry", filters.industries, facets["industries"]),
            ("document", filters.docs, facets["docs"]),
        ):
            unknown = [v for v in values if v not in known]
            if unknown:
                raise FilterError(f"unknown {name}: {', '.join(unknown)} (known: {', '.join(known) or 'none'})")
        out = []
        for doc_id, meta in self.view.doc_meta.items():
            if filters.docs and doc_id not in filters.docs:
                continue
            if filters.regions and not set(as_list(meta.get("region"))) & set(filters.regions):
                continue
            if filters.industries and not set(as_list(meta.get("industry"))) & set(filters.industries):
                continue
            if doc_id in filters.exclude:
                continue
            out.append(doc_id)
        return sorted(out)

    # -- search -------------------------------------------------------------------------------
    def retrieve(
        self, query: str, k: int = 8, filters: Filters | None = None, query_vector: np.ndarray | None = None,
        vectors: bool = True,
    ) -> list[RetrievedChunk]:
        """The k best chunks for a query, best first; vectors=False ranks by BM25 alone (the vector
        store is not touched, e.g. while a Chroma server is unreachable)."""
        catalog = self.view.catalog
        for attempt in range(3):
            replaced = catalog.replacements()
            view = self.view.snapshot(wait=attempt > 0)  # a repeated search waits for the new snapshot
            found = self._retrieve(view, query, k, filters, query_vector, vectors)
            # An indexer that replaced a live version meanwhile deletes the old one's vectors right
            # after: a search that overlapped it may have missed some, so it is done again. (Added
            # documents take nothing away: this search stands.)
            if catalog.replacements() == replaced:
                break
        return found

    def first_chunk(self, doc_id: str) -> RetrievedChunk | None:
        """The opening paragraph of a document (its title and letterhead), as a retrieved chunk."""
        view = self.view.snapshot()
        first = min((c for c in view.chunks if c.doc_id == doc_id), key=lambda c: c.start, default=None)
        if first is None:
            return None
        return RetrievedChunk(chunk=first, score=0.0, meta=view.doc_meta.get(doc_id, {}))

    def _retrieve(self, view: Snapshot, query: str, k: int, filters: Filters | None,
                  query_vector: np.ndarray | None, vectors: bool) -> list[RetrievedChunk]:
        if not view.chunks or not query.strip():
            return []
        allowed = self.allowed_docs(filters)
        if allowed is not None and not allowed:
            return []
        n = self.fusion.candidates
        mask = None if allowed is None else np.isin(view.doc_of, allowed)
        hidden = _overlapping(view, filters.exclude_spans) if filters is not None else set()
        if hidden:
            mask = np.ones(len(view.chunks), dtype=bool) if mask is None else mask
            mask[list(hidden)] = False
        lexical = {i: s for i, s in view.bm25.top(tokenize(query), n, mask)}
        dense: dict[int, float] = {}
        if vectors:
            self._dense(view, query, query_vector, allowed, lexical, dense)
            for i in hidden & set(dense):
                del dense[i]
        fused = self._fuse(dense, lexical)
        order = sorted(fused, key=lambda i: (-fused[i], i))[:k]
        return [
            RetrievedChunk(
                chunk=view.chunks[i],
                score=fused[i],
                dense=dense.get(i),
                lexical=lexical.get(i, 0.0),
                meta=view.doc_meta.get(view.chunks[i].doc_id, {}),
            )
            for i in order
        ]

    def _dense(self, view: Snapshot, query: str, qvec: np.ndarray | None, allowed: Sequence[str] | None,
               lexical: dict[int, float], dense: dict[int, float]) -> None:
        """Cosine similarity of the query to the nearest visible chunks and to every lexical hit."""
        n = self.fusion.candidates
        if qvec is None:
            qvec = self.embedder.embed_queries([query])[0]
        # While documents are re-indexed the store also holds their next versions' vectors, which
        # queries must not see yet: ask for that many more so the visible ones still fill n. (The
        # catalog counts them in microseconds; the store's count takes ~10 ms per 100,000 vectors.)
        catalog = self.view.catalog
        hidden = catalog.unfinished_vectors()
        if catalog.generation() != view.generation:  # documents completed since this snapshot: not in it
            hidden += 3 * n
        hits = [(view.vector_index.get(h.chunk_id), h.similarity)
                for h in self.store.query(qvec, min(n + hidden, 4 * n), allowed)]
        visible = sorted(((i, sim) for i, sim in hits if i is not None), key=lambda x: -x[1])
        dense.update(visible[:n])  # a vector of a version still being indexed is not visible yet
        missing = [view.vector_ids[i] for i in lexical if i not in dense]
        for vid, vec in self.store.vectors(missing).items():
            dense[view.vector_index[vid]] = float(vec @ qvec)

    def _fuse(self, dense: dict[int, float], lexical: dict[int, float]) -> dict[int, float]:
        cfg = self.fusion
        ids = set(dense) | set(lexical)
        w = cfg.dense_weight
        if cfg.method == "rrf":
            d_rank = {i: r for r, i in enumerate(sorted(dense, key=lambda i: -dense[i]))}
            l_rank = {i: r for r, i in enumerate(sorted(lexical, key=lambda i: -lexical[i]))}
            return {
                i: w / (cfg.rrf_k + d_rank.get(i, 1000)) + (1 - w) / (cfg.rrf_k + l_rank.get(i, 1000))
                for i in ids
            }
        d_norm = _minmax(dense)
        l_top = max(lexical.values(), default=0.0)
        return {
            i: w * d_norm.get(i, 0.0) + (1 - w) * (lexical.get(i, 0.0) / l_top if l_top > 0 else 0.0) for i in ids
        }


def _overlapping(view: Snapshot, spans: Sequence[tuple[str, int, int]]) -> set[int]:
    """Positions of the chunks that overlap any of the (document, start, end) spans."""
    if not spans:
        return set()
    out = set()
    for i in np.flatnonzero(np.isin(view.doc_of, list({d for d, _, _ in spans}))).tolist():
        c = view.chunks[i]
        if any(c.doc_id == d and c.start < e and c.end > s for d, s, e in spans):
            out.add(i)
    return out


def _minmax(scores: dict[int, float]) -> dict[int, float]:
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if hi - lo < 1e-9:
        return {i: 1.0 for i in scores}
    return {i: (s - lo) / (hi - lo) for i, s in scores.items()}


def doc_ids_of(chunks: Sequence[RetrievedChunk]) -> list[str]:
    return list(dict.fromkeys(rc.chunk.doc_id for rc in chunks))

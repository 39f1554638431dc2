"""Is the index consistent? The checks a crash must never break (`policy-qa check`, tests), and the
repair every ingest runs first."""

from __future__ import annotations

from collections import Counter

from rag.index.catalog import Catalog
from rag.index.embeddings import PolicyEmbeddings
from rag.index.store import ChromaVectorStore
from rag.ingest.chunking import search_text


def problems(catalog: Catalog, store: ChromaVectorStore, settled: bool = True) -> list[str]:
    """What is wrong with the index, in words (empty when consistent).

    Always: every paragraph of a visible document has its vector and its BM25 tokens, and no
    paragraph is visible twice. settled (after an ingest ran to its end): the store holds exactly
    the catalog's vectors and no unfinished versions remain.
    """
    out = []
    for _ in range(5):  # one snapshot: a document going live between the two reads is no problem
        before = catalog.generation()
        stored = store.ids()
        records = catalog.documents()
        visible = list(catalog.visible_chunks())
        if catalog.generation() == before:
            break
    live = [r for r in records if r.complete]
    per_doc = Counter(c.doc_id for c, _, _ in visible)
    for r in live:
        if per_doc[r.doc_id] != r.n_chunks:
            out.append(f"{r.doc_id}: {per_doc[r.doc_id]} of {r.n_chunks} paragraphs visible")
    dup = [cid for cid, n in Counter(c.chunk_id for c, _, _ in visible).items() if n > 1]
    if dup:
        out.append(f"{len(dup)} paragraphs visible more than once, e.g. {dup[0]}")
    no_vector = [vid for _, _, vid in visible if vid not in stored]
    if no_vector:
        out.append(f"{len(no_vector)} visible paragraphs have no vector, e.g. {no_vector[0]}")
    no_tokens = [c.chunk_id for c, toks, _ in visible if c.text.strip() and not toks]
    if no_tokens:
        out.append(f"{len(no_tokens)} visible paragraphs have no BM25 entry, e.g. {no_tokens[0]}")
    if settled:
        known = catalog.vector_ids()
        if stored - known:
            out.append(f"{len(stored - known)} vectors in Chroma belong to no paragraph")
        if known - stored:
            out.append(f"{len(known - stored)} paragraphs have no vector in Chroma")
        pending = [r.doc_id for r in records if not r.complete]
        if pending:
            out.append(f"unfinished versions of {', '.join(pending)}")
    return out


def repair(catalog: Catalog, store: ChromaVectorStore, embedder: PolicyEmbeddings, batch_size: int = 16) -> int:
    """Put the store and the catalog back in step after a crash; returns how many vectors changed.

    Vectors the catalog does not know (written just before a crash, or of a version that was
    replaced or dropped) are deleted; paragraphs marked embedded whose vector is missing are
    embedded again."""
    stored = store.ids()
    orphans = sorted(stored - catalog.vector_ids())
    store.delete_ids(orphans)
    lost = catalog.chunks_for(catalog.vector_ids(embedded_only=True) - stored)
    for i in range(0, len(lost), batch_size):
        batch = lost[i : i + batch_size]
        vectors = embedder.embed_passages([search_text(c, meta) for _, c, meta in batch])
        store.add([v for v, _, _ in batch], vectors, [c.doc_id for _, c, _ in batch], [c.text for _, c, _ in batch])
    return len(orphans) + len(lost)

"""Index: paragraphs in, a searchable snapshot out.

Enters: `Document` and `Chunk` from rag.ingest.
Leaves: the catalog (SQLite: documents, chunks, versions), vectors in Chroma, jieba BM25 postings,
and `IndexView`, the consistent snapshot a search reads; `Indexer.sync` reports what changed.
Uses only rag.ingest of the stages.
"""

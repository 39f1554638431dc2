"""Search: a question in, ranked paragraphs out.

Enters: a question (with filters, and the earlier turns for a follow-up) and an index snapshot.
Leaves: `RetrievedChunk` lists (hybrid dense + BM25 fusion), the standalone form of a follow-up,
Chinese search terms for English and colloquial words. `PolicyRetriever` is the same search as a
LangChain `BaseRetriever`. Uses rag.index and rag.ingest.
"""

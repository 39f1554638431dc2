"""Answer: ranked paragraphs in, a cited answer or a refusal out.

Enters: the question and `RetrievedChunk`s from rag.search.
Leaves: `Evidence` (sentences scored, the refusal decided before any generator runs) and `Answer`
(text with [n], citations with spans); generation/ writes it extractively or by an LLM, and
verification drops what no given paragraph supports. Uses rag.search, rag.index, rag.ingest.
"""

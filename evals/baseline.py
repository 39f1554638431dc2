"""The naive LangChain tutorial recipe, as a yardstick: RecursiveCharacterTextSplitter(500, 50),
Chroma dense search with the same embedder, top-k. No BM25, no headings, no refusal."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from rag.index.embeddings import PolicyEmbeddings
from rag.types import Document


class NaiveRAG:
    def __init__(self, embedder: PolicyEmbeddings, persist_dir: Path, collection: str = "naive_baseline") -> None:
        from langchain_chroma import Chroma

        self.store = Chroma(collection_name=collection, embedding_function=embedder,
                            persist_directory=str(persist_dir), collection_metadata={"hnsw:space": "cosine"})

    def ingest(self, documents: list[Document], batch: int = 64) -> dict[str, float]:
        """Split and embed; returns chunks, characters and seconds."""
        from langchain_core.documents import Document as LCDocument
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50, add_start_index=True)
        pieces = splitter.split_documents(
            [LCDocument(page_content=d.text, metadata={"doc": d.doc_id}) for d in documents]
        )
        t0 = time.perf_counter()
        for i in range(0, len(pieces), batch):
            self.store.add_documents(pieces[i : i + batch])
        seconds = time.perf_counter() - t0
        return {"chunks": len(pieces), "chars": sum(len(p.page_content) for p in pieces), "seconds": seconds}

    def retrieve(self, question: str, k: int = 10) -> list[tuple[str, int, int]]:
        """(doc, start, end) of the top-k chunks."""
        hits: list[Any] = self.store.similarity_search(question, k=k)
        out = []
        for h in hits:
            start = int(h.metadata.get("start_index", 0))
            out.append((str(h.metadata["doc"]), start, start + len(h.page_content)))
        return out

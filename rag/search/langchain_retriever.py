"""The question search as a LangChain retriever, for use in one's own chains."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.search.questions import QuestionSearch, clean_filters, clean_history, clean_question
from rag.search.retrieval import Filters
from rag.types import RetrievedChunk


def as_filters(filters: Filters | Mapping[str, Sequence[str]] | None) -> Filters | None:
    """Filters from their JSON form ({"regions": [...], "industries": [...], "docs": [...]})."""
    if filters is None or isinstance(filters, Filters):
        return filters
    return Filters(regions=tuple(filters.get("regions") or ()), industries=tuple(filters.get("industries") or ()),
                   docs=tuple(filters.get("docs") or ()))


def as_document(rc: RetrievedChunk) -> Document:
    """A paragraph with where it stands (document, span, heading path) and its document's fields."""
    meta = {k: v for k, v in rc.meta.items() if v not in (None, "")}
    return Document(
        id=rc.chunk.chunk_id,
        page_content=rc.chunk.text,
        metadata={**meta, "doc": rc.chunk.doc_id, "start": rc.chunk.start, "end": rc.chunk.end,
                  "title": str(meta.get("title") or rc.chunk.doc_id), "headings": rc.chunk.heading_path,
                  "score": rc.score, "dense": rc.dense, "lexical": rc.lexical},
    )


class PolicyRetriever(BaseRetriever):
    """Hybrid search (e5 dense + jieba BM25, fused and reranked) over the indexed policy documents.

    `invoke(question, k=…, history=[…], filters={…})`: a follow-up ("那平湖呢？") is searched as the
    standalone question it stands for, given the earlier turns.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)
    search: QuestionSearch
    k: int = 4

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None, history: Sequence[dict[str, Any]] | None = None,
                                filters: Filters | Mapping[str, Sequence[str]] | None = None,
                                **_: Any) -> list[Document]:
        k = k or self.k
        question, _notice = clean_question(query)  # the notice is for a chat user
        if not question:
            return []
        found = self.search.search(question, clean_history(history), clean_filters(as_filters(filters)), k=k)
        return [as_document(rc) for rc in found.retrieved[:k]]

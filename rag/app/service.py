"""PolicyQA: the components wired from one Settings object — what the CLI, the UI and evals use."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from rag.answer.answer_model import answer_model
from rag.answer.answering import Answerer
from rag.answer.generation import make_generator
from rag.app.admin import DocumentAdmin
from rag.app.chain import PolicyChain
from rag.app.feedback import FeedbackStore
from rag.index.catalog import Catalog
from rag.index.embeddings import PolicyEmbeddings, make_embedder
from rag.index.indexing import Indexer, IndexMismatchError, IngestReport, Progress
from rag.index.reindex import ReindexJob
from rag.index.store import make_vector_store
from rag.ingest.corpus import Corpus
from rag.match.matching import Matcher, MatchResult, Profile
from rag.match.measures import FINDER
from rag.search.langchain_retriever import PolicyRetriever
from rag.search.retrieval import Filters, Retriever
from rag.settings import Settings
from rag.types import Answer, Document


class PolicyQA:
    def __init__(self, settings: Settings, embedder: PolicyEmbeddings | None = None) -> None:
        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        self.catalog = Catalog(settings.index_dir / "catalog.sqlite")
        built_by = self.catalog.get_info("embedder")
        if built_by and built_by != self.embedder.model_id:
            raise IndexMismatchError(
                f"the index in {settings.index_dir} was built with {built_by!r}, but the configured "
                f"embedder is {self.embedder.model_id!r}; run `policy-qa ingest --rebuild` to re-index"
            )
        self.store = make_vector_store(settings.with_overrides(collection=self._collection(settings)),
                                       self.embedder.model_id, self.embedder.dim)
        self.retriever = Retriever(self.catalog, self.store, self.embedder)
        self.indexer = Indexer(self.catalog, self.store, self.embedder.for_indexing(),
                               batch_size=settings.embed_batch_size, max_file_bytes=settings.max_file_mb * 2**20,
                               limits=settings.limits, measures=FINDER)
        self.answerer = Answerer(self.retriever, make_generator(settings), top_k=settings.top_k,
                                 model=answer_model(settings.answer_model))
        self.matcher = Matcher(self.retriever.view)
        self.feedback = FeedbackStore(settings.data_dir / "feedback.sqlite")
        self.reindex = ReindexJob(lambda corpus, progress, rebuild: self.ingest(corpus, progress, rebuild),
                                  settings.corpus)
        self.admin = DocumentAdmin(settings.corpus, self.catalog, self.indexer,
                                   max_bytes=settings.max_upload_mb * 1024 * 1024)

    def _collection(self, settings: Settings) -> str:
        """The Chroma collection of this index. On a shared Chroma server every index needs its own
        (an ingest deletes vectors its catalog does not know); recorded so it never changes."""
        recorded = self.catalog.get_info("collection")
        if recorded:
            return recorded
        name = settings.collection
        if settings.chroma_host and settings.index_dir.name != "index":
            name = re.sub(r"[^A-Za-z0-9._-]", "-", f"{settings.collection}-{settings.index_dir.name}")[:60]
        self.catalog.set_info("collection", name)
        return name

    def ingest(self, corpus: Corpus | Path | None = None, progress: Progress | None = None,
               rebuild: bool = False) -> IngestReport:
        """Index the corpus (by default the configured one, staff changes included)."""
        return self.indexer.sync(corpus or self.settings.corpus, progress=progress, rebuild=rebuild)

    def ask(self, question: str, history: Sequence[dict[str, Any]] | None = None,
            filters: Filters | None = None) -> Answer:
        return self.answerer.answer(question, history=history, filters=filters)

    def ask_stream(self, question: str, history: Sequence[dict[str, Any]] | None = None,
                   filters: Filters | None = None) -> Iterator[Answer]:
        """ask() as it grows: the extractive answer at once, then the model's verified sentences."""
        return self.answerer.answer_stream(question, history=history, filters=filters)

    def match(self, profile: Profile) -> MatchResult:
        """政策匹配: the measures of the covering documents that serve the profile's needs."""
        return self.matcher.match(profile)

    def as_retriever(self, k: int = 4) -> PolicyRetriever:
        """The question search as a LangChain retriever (Documents with span and document fields)."""
        return PolicyRetriever(search=self.answerer.questions, k=k)

    def as_chain(self) -> PolicyChain:
        """The whole answer pipeline as a LangChain Runnable: invoke() gives ask()'s Answer."""
        return PolicyChain(self.answerer)

    def document(self, doc_id: str) -> Document | None:
        return self.catalog.document(doc_id)

    def documents(self) -> list[dict[str, Any]]:
        """One entry per document: its live version, or the one being indexed if it has none yet."""
        out: dict[str, dict[str, Any]] = {}
        for r in self.catalog.documents():  # live versions come first
            out.setdefault(r.doc_id, {"doc": r.doc_id, "chunks": r.n_chunks, "complete": r.complete, **r.meta})
        return list(out.values())

    def facets(self) -> dict[str, list[str]]:
        return self.retriever.facets()

    @property
    def mode(self) -> str:
        """"llm" or "extractive": what answers are written by (LLM mode asked for may have fallen back)."""
        return str(self.answerer.generator.mode)

    def close(self) -> None:
        server = getattr(self.answerer.generator, "server", None)
        if server is not None:
            server.stop()
        self.feedback.close()
        self.catalog.close()

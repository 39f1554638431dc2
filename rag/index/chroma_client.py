"""Chroma clients: a server (HttpClient, with timeouts) or embedded (PersistentClient), and a fresh
embedded client for a process whose view of the index another process has changed."""

from __future__ import annotations

import os
from typing import Any

from rag.settings import Settings

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# Seconds to connect to / wait for a Chroma server. chromadb's HttpClient would wait forever
# (httpx timeout=None), so a hung server would hang every question.
HTTP_CONNECT_TIMEOUT = 3.0
HTTP_READ_TIMEOUT = 15.0


class StoreError(RuntimeError):
    """The vector store cannot be used as configured; the message says why and what to do."""


def _chroma_settings() -> Any:
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def make_client(settings: Settings) -> Any:
    """The Chroma client chosen by settings: a server when POLICY_QA_CHROMA_HOST is set, else embedded."""
    import chromadb

    if settings.chroma_host:
        try:
            client = chromadb.HttpClient(
                host=settings.chroma_host, port=settings.chroma_port, settings=_chroma_settings()
            )
            session = getattr(getattr(client, "_server", None), "_session", None)
            if session is not None:  # chromadb offers no setting for this
                import httpx

                session.timeout = httpx.Timeout(HTTP_READ_TIMEOUT, connect=HTTP_CONNECT_TIMEOUT)
            client.heartbeat()
        except Exception as exc:
            raise StoreError(
                f"cannot reach the Chroma server at {settings.chroma_host}:{settings.chroma_port} "
                f"({type(exc).__name__}); start it with `chroma run` or unset POLICY_QA_CHROMA_HOST"
            ) from exc
        return client
    path = settings.index_dir / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=_chroma_settings())


def reopen_embedded(client: Any) -> Any:
    """A new embedded client on the same folder, reading it afresh from disk.

    chromadb keeps one in-memory state per folder and process, made when the folder is first
    opened; it does not follow what another process (e.g. `policy-qa ingest` beside a running
    `policy-qa serve`) writes later, and fails with "Error finding id" on those vectors. The cached
    state is dropped so the next client loads the current one. Handles still held on the old state
    keep working until they are released, and the garbage collector frees it then. The old client
    must never be closed: it shares its folder's name in chromadb's registry with the new one, and
    closing it would stop the new state.
    """
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient

    settings = client.get_settings()
    try:
        ident = SharedSystemClient._get_identifier_from_settings(settings)
        SharedSystemClient._identifier_to_system.pop(ident, None)
        SharedSystemClient._identifier_to_refcount.pop(ident, None)
    except AttributeError:  # another chromadb layout: the cached state stays (no worse than before)
        pass
    return chromadb.PersistentClient(path=settings.persist_directory, settings=_chroma_settings())

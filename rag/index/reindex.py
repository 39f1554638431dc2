"""Re-index the corpus in the background of a running server, with a status to poll.

Queries keep answering meanwhile: each document's earlier version stays live until its new
version is complete (see rag.index.catalog), so users never see a half-built index.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from rag.index.indexing import IngestReport, Progress
from rag.ingest.corpus import Corpus

log = logging.getLogger(__name__)

Ingest = Callable[[Corpus, Progress, bool], IngestReport]


class ReindexJob:
    """At most one re-index at a time; `status()` is safe to call from any thread."""

    def __init__(self, ingest: Ingest, corpus: Corpus) -> None:
        self._ingest = ingest
        self._corpus = corpus
        self._lock = threading.Lock()
        self._state: dict[str, Any] = {"running": False, "done": 0.0, "total": 0.0, "error": None,
                                       "report": None, "started": None, "finished": None, "rebuild": False}

    def start(self, rebuild: bool = False) -> bool:
        """Start a re-index; False if one is already running."""
        with self._lock:
            if self._state["running"]:
                return False
            self._state.update(running=True, done=0.0, total=0.0, error=None, report=None,
                               started=time.time(), finished=None, rebuild=rebuild)
        threading.Thread(target=self._run, args=(rebuild,), name="reindex", daemon=True).start()
        return True

    def _progress(self, done: float, total: float) -> None:
        with self._lock:
            self._state.update(done=float(done), total=float(total))

    def _run(self, rebuild: bool) -> None:
        report, error = None, None
        try:
            r = self._ingest(self._corpus, self._progress, rebuild)
            report = {
                "added": r.added, "updated": r.updated, "unchanged": len(r.unchanged), "removed": r.removed,
                "duplicates": [list(d) for d in r.duplicates], "errors": [str(e) for e in r.errors],
                "chunks_embedded": r.chunks_embedded, "seconds": round(r.seconds, 1),
            }
        except Exception as exc:  # reported to whoever polls; the live index is unchanged
            log.exception("re-index of %s failed", self._corpus)
            error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self._state.update(running=False, report=report, error=error, finished=time.time())

    def status(self) -> dict[str, Any]:
        with self._lock:
            return dict(self._state)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no re-index runs (tests, CLI); False on timeout."""
        end = None if timeout is None else time.monotonic() + timeout
        while self.status()["running"]:
            if end is not None and time.monotonic() > end:
                return False
            time.sleep(0.1)
        return True

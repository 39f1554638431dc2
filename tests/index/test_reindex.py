"""A re-index in the background of a running service: queries keep answering from the previous
consistent index the whole time, and the index is consistent when it ends."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys

import pytest

from rag.app.service import PolicyQA
from rag.index.consistency import problems
from tests.conftest import SHILING

SECOND = "002_3ece8e73cf75ce2e.txt"
# Run in a fresh process: is the paragraph containing argv[1] its own nearest neighbour in Chroma?
NEAREST = """
import json, sys
from rag.app.service import PolicyQA
from rag.settings import Settings
qa = PolicyQA(Settings.from_env())
rows = [v for c, _, v in qa.catalog.visible_chunks() if sys.argv[1] in c.text]
vec = qa.store.vectors(rows)[rows[0]]
print(json.dumps({"found": rows[0] in [h.chunk_id for h in qa.store.query(vec, 5)]}))
"""

pytestmark = pytest.mark.slow

QUESTION = "狮岭镇皮具产业有哪些资金扶持？"
ADDED_PARAGRAPH = "\n\n六、补充说明\n\n对新认定的皮具设计工作室，一次性给予开办补助8万元。\n"
ADDED_QUESTION = "皮具设计工作室的开办补助是多少？"


def test_rebuild_in_the_background_never_interrupts_answers(fresh_settings, e5) -> None:
    qa = PolicyQA(fresh_settings.with_overrides(embed_batch_size=4), embedder=e5)
    qa.ingest()
    baseline = qa.ask(QUESTION)
    assert "1.8亿元" in baseline.text and not baseline.refused
    n_docs = len(qa.facets()["docs"])

    assert qa.reindex.start(rebuild=True)
    assert not qa.reindex.start(rebuild=True)  # one at a time
    answers, states, mid_run = 0, set(), 0
    while qa.reindex.status()["running"]:
        answer = qa.ask(QUESTION)
        assert answer.text == baseline.text and answer.citations == baseline.citations  # the same answer
        assert len(qa.facets()["docs"]) == n_docs  # no document disappears while it is redone
        assert problems(qa.catalog, qa.store, settled=False) == []
        status = qa.reindex.status()
        states.add(round(status["done"] / max(status["total"], 1), 1))
        mid_run += 0 < status["done"] < status["total"]
        answers += 1
    status = qa.reindex.status()
    assert status["error"] is None and len(status["report"]["updated"]) == 5, status
    assert status["report"]["chunks_embedded"] == len(qa.catalog.vector_ids())
    assert answers >= 3 and mid_run >= 1, (answers, states)  # the answers really overlapped the rebuild
    assert problems(qa.catalog, qa.store) == []
    assert qa.ask(QUESTION).text == baseline.text
    qa.close()


def test_a_failing_reindex_reports_and_keeps_the_index(fresh_settings, e5) -> None:
    qa = PolicyQA(fresh_settings, embedder=e5)
    qa.ingest()
    qa.reindex._corpus = fresh_settings.corpus_dir / "missing"  # the corpus folder went away
    assert qa.reindex.start()
    assert qa.reindex.wait(timeout=60)
    status = qa.reindex.status()
    assert "corpus folder not found" in status["error"] and status["report"] is None
    assert "1.8亿元" in qa.ask(QUESTION).text and len(qa.facets()["docs"]) == 5
    qa.close()


def test_a_served_index_follows_an_ingest_run_by_another_process(fresh_settings, e5, caplog) -> None:
    """`policy-qa serve` and `policy-qa ingest` in two processes on one embedded index: the serving
    process answers from what the other one stored after it had opened the index (chromadb's
    in-process state does not follow another process's writes until it is read afresh), and when it
    writes itself, what the other one stored stays searchable."""
    caplog.set_level(logging.INFO, logger="rag.index.store")
    corpus = fresh_settings.corpus_dir
    later = corpus / SECOND
    later_text = later.read_text(encoding="utf-8")  # added later, by the other process
    for p in corpus.glob("*.txt"):
        if p.name != SHILING:  # one document is enough, and quick to embed
            p.unlink()
    qa = PolicyQA(fresh_settings, embedder=e5)
    qa.ingest()
    assert "1.8亿元" in qa.ask(QUESTION).text  # the vector store is open and loaded in this process
    assert "8万元" not in qa.ask(ADDED_QUESTION).text
    env = {**os.environ, "POLICY_QA_CORPUS": str(corpus), "POLICY_QA_DATA_DIR": str(fresh_settings.data_dir),
           "POLICY_QA_INDEX_DIR": str(fresh_settings.index_dir)}

    # 1. The other process changes a document; this one only reads.
    doc = corpus / SHILING
    doc.write_text(doc.read_text(encoding="utf-8") + ADDED_PARAGRAPH, encoding="utf-8")
    other_ingest(env)
    answer = qa.ask(ADDED_QUESTION)
    assert "8万元" in answer.text and answer.citations[0].doc == SHILING, answer
    found = [rc for rc in answer.retrieved if "8万元" in rc.chunk.text]
    assert found and found[0].dense is not None  # ranked by both sides, not by keywords alone
    assert "1.8亿元" in qa.ask(QUESTION).text
    assert any("reading it afresh" in r.getMessage() for r in caplog.records)

    # 2. The other process adds a document; this one writes next (an upload), before reading it.
    later.write_text(later_text, encoding="utf-8")
    other_ingest(env)
    doc.write_text(doc.read_text(encoding="utf-8") + "\n\n七、附则\n\n本措施自发布之日起施行。\n", encoding="utf-8")
    assert qa.ingest().updated == [SHILING]
    assert problems(qa.catalog, qa.store) == []
    assert "8万元" in qa.ask(ADDED_QUESTION).text
    qa.close()
    probe = subprocess.run([sys.executable, "-c", NEAREST, later_text.strip()[-20:]], env=env,
                           capture_output=True, text=True, timeout=300)
    assert probe.returncode == 0, probe.stderr
    assert json.loads(probe.stdout)["found"], probe.stdout  # a fresh process finds it by vector search


def other_ingest(env: dict[str, str]) -> None:
    done = subprocess.run([sys.executable, "-m", "rag.app.cli", "ingest"], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr

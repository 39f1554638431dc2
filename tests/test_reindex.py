"""A re-index in the background of a running service: queries keep answering from the previous
consistent index the whole time, and the index is consistent when it ends."""

from __future__ import annotations

import pytest

from rag.consistency import problems
from rag.service import PolicyQA

pytestmark = pytest.mark.slow

QUESTION = "狮岭镇皮具产业有哪些资金扶持？"


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

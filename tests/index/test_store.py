"""One contract for the vector store, run against Chroma embedded and a real Chroma server."""

from pathlib import Path

import numpy as np
import pytest

from rag.index.store import ChromaVectorStore, StoreError, make_vector_store
from rag.settings import Settings


@pytest.fixture(params=["embedded", "server"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    name = f"t-{request.node.name}".replace("[", "-").replace("]", "")[:60]
    if request.param == "server":
        host, port = request.getfixturevalue("chroma_server")
        return Settings(index_dir=tmp_path, chroma_host=host, chroma_port=port, collection=name)
    return Settings(index_dir=tmp_path, collection=name)


def _unit(rows: list[list[float]]) -> np.ndarray:
    m = np.asarray(rows, dtype=np.float32)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _store(settings: Settings, embedder: str = "test/emb") -> ChromaVectorStore:
    return make_vector_store(settings, embedder, 3)


def test_add_query_delete(settings: Settings) -> None:
    store = _store(settings)
    store.add(["a.txt#0-5", "a.txt#5-9", "b.txt#0-4"], _unit([[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
              ["a.txt", "a.txt", "b.txt"], ["甲", "乙", "丙"])
    assert store.count() == 3
    hits = store.query(_unit([[1, 0.1, 0]])[0], 2)
    assert hits[0].chunk_id == "a.txt#0-5" and hits[0].similarity > 0.9
    assert [h.chunk_id for h in store.query(_unit([[1, 0, 0]])[0], 3, ["b.txt"])] == ["b.txt#0-4"]
    assert store.query(_unit([[1, 0, 0]])[0], 3, []) == []
    vec = store.vectors(["b.txt#0-4", "missing"])
    assert list(vec) == ["b.txt#0-4"] and np.allclose(vec["b.txt#0-4"], [0, 0, 1])
    store.delete_doc("a.txt")
    assert store.ids() == {"b.txt#0-4"}
    store.add(["b.txt#0-4"], _unit([[0, 1, 1]]), ["b.txt"], ["丙"])  # upsert, no duplicate
    assert store.count() == 1


def test_persists_across_clients(settings: Settings) -> None:
    _store(settings).add(["a.txt#0-1"], _unit([[1, 1, 0]]), ["a.txt"], ["甲"])
    assert _store(settings).ids() == {"a.txt#0-1"}


def test_other_embedder_is_refused(settings: Settings) -> None:
    _store(settings, "model/one")
    with pytest.raises(StoreError, match="re-index"):
        _store(settings, "model/two")


def test_unreachable_server_is_a_clear_error(tmp_path: Path) -> None:
    from tests.conftest import free_port

    with pytest.raises(StoreError, match="cannot reach the Chroma server"):
        make_vector_store(Settings(index_dir=tmp_path, chroma_host="127.0.0.1", chroma_port=free_port()), "x", 3)


def test_indexes_sharing_a_chroma_server_keep_their_own_vectors(chroma_server, tmp_path: Path, e5) -> None:
    """Each index gets its own collection on a server, so one index's ingest (which deletes vectors
    its catalog does not know) never touches another's."""
    import shutil

    from rag.app.service import PolicyQA
    from tests.conftest import CORPUS, PINGHU, SHILING

    host, port = chroma_server
    qas = []
    for name, doc in (("one", SHILING), ("two", PINGHU)):
        corpus = tmp_path / name / "corpus"
        corpus.mkdir(parents=True)
        shutil.copy(CORPUS / doc, corpus / doc)
        settings = Settings(corpus_dir=corpus, data_dir=tmp_path / name, index_dir=tmp_path / name / f"index-{name}",
                            chroma_host=host, chroma_port=port)
        qa = PolicyQA(settings, embedder=e5)
        qa.ingest()
        qas.append(qa)
    one, two = qas
    assert one.catalog.get_info("collection") != two.catalog.get_info("collection")
    before = two.store.ids()
    assert one.ingest().repaired == 0 and two.store.ids() == before == two.catalog.vector_ids()
    for qa in qas:
        qa.close()

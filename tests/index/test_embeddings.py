"""One contract, run against both backends: the bundled e5-small and a sentence-transformers model."""

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from rag.index.embeddings import EmbedderError, PolicyEmbeddings, SentenceTransformerEmbeddings, make_embedder
from rag.settings import Settings
from tests.conftest import m3e_small_path

FUNDING = "自2023年起，市区各级累计安排花都狮岭镇皮革皮具产业扶持资金超1.8亿元。"
UNRELATED = "加强箱包行业市场监管，坚决打击制假贩假、仿冒侵权等违法违规行为。"


@pytest.fixture(params=["e5", "m3e"])
def embedder(request: pytest.FixtureRequest) -> PolicyEmbeddings:
    return request.getfixturevalue(request.param)


def test_langchain_interface_shapes_and_norms(embedder: PolicyEmbeddings) -> None:
    assert isinstance(embedder, Embeddings)
    docs = embedder.embed_documents([FUNDING, UNRELATED])
    assert len(docs) == 2 and len(docs[0]) == embedder.dim
    q = embedder.embed_query("狮岭皮具产业有多少扶持资金？")
    assert len(q) == embedder.dim
    for v in [*docs, q]:
        assert abs(np.linalg.norm(v) - 1.0) < 1e-3
    assert embedder.embed_passages([]).shape == (0, embedder.dim)


def test_relevant_passage_scores_higher(embedder: PolicyEmbeddings) -> None:
    q = embedder.embed_queries(["狮岭皮具产业有多少扶持资金？"])[0]
    p = embedder.embed_passages([FUNDING, UNRELATED])
    assert p[0] @ q > p[1] @ q


def test_english_question_finds_chinese_passage(e5: PolicyEmbeddings) -> None:
    q = e5.embed_queries(["How much support funding has Shiling's leather industry received?"])[0]
    p = e5.embed_passages([FUNDING, UNRELATED])
    assert p[0] @ q > p[1] @ q


def test_e5_uses_query_and_passage_prefixes(e5: PolicyEmbeddings) -> None:
    # The same text embedded as a query and as a passage differs: the "query: "/"passage: " convention.
    a = e5.embed_queries([FUNDING])[0]
    b = e5.embed_passages([FUNDING])[0]
    assert 0.8 < float(a @ b) < 0.9999


def test_factory_picks_backend_by_one_setting() -> None:
    st = make_embedder(Settings(embedder=str(m3e_small_path())))
    assert isinstance(st, SentenceTransformerEmbeddings)
    assert st.model_id == "sentence-transformers/m3e-small" and st.dim == 512


def test_missing_model_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(EmbedderError, match="nothing is downloaded"):
        make_embedder(Settings(embedder=str(tmp_path / "no-such-model")))

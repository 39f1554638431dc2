import pytest

from rag.app.service import PolicyQA
from rag.search.retrieval import FilterError, Filters
from tests.conftest import PINGHU, SHILING


def test_hybrid_finds_the_funding_paragraph(seed_qa: PolicyQA) -> None:
    hits = seed_qa.retriever.retrieve("狮岭镇皮具产业有哪些资金扶持？", k=5)
    assert hits[0].chunk.doc_id == SHILING and "1.8亿元" in hits[0].chunk.text
    assert hits[0].dense is not None and hits[0].lexical and hits[0].lexical > 0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_english_question_finds_chinese_paragraph(seed_qa: PolicyQA) -> None:
    hits = seed_qa.retriever.retrieve("Which telephone number takes feedback on Pinghu's draft luggage policy?", k=5)
    assert any(h.chunk.doc_id == PINGHU and "0573-85060408" in h.chunk.text for h in hits)


def test_filters_restrict_documents(seed_qa: PolicyQA) -> None:
    facets = seed_qa.facets()
    assert "平湖市" in facets["regions"] and "鞋" in facets["industries"]
    hits = seed_qa.retriever.retrieve("资金扶持", k=8, filters=Filters(regions=("平湖市",)))
    assert hits and {h.chunk.doc_id for h in hits} == {PINGHU}
    hits = seed_qa.retriever.retrieve("资金扶持", k=8, filters=Filters(industries=("鞋",)))
    assert hits and all(h.meta["region"] == "温州市鹿城区" for h in hits)


def test_unknown_filter_value_is_rejected(seed_qa: PolicyQA) -> None:
    with pytest.raises(FilterError, match="东莞"):
        seed_qa.retriever.retrieve("资金扶持", filters=Filters(regions=("东莞市",)))

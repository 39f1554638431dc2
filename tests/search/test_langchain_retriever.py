"""The question search as a LangChain retriever: langchain-tests' standard retriever tests, run on
the seed index with the real e5 model and Chroma, and what a policy search adds (spans, filters,
follow-ups)."""

from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_tests.integration_tests import RetrieversIntegrationTests

from rag.app.service import PolicyQA
from rag.search.langchain_retriever import PolicyRetriever
from rag.search.retrieval import FilterError
from tests.conftest import PINGHU, SHILING


class TestPolicyRetrieverStandard(RetrieversIntegrationTests):
    qa: PolicyQA

    @pytest.fixture(autouse=True)
    def _seed_index(self, seed_qa: PolicyQA) -> None:
        type(self).qa = seed_qa

    @property
    def retriever_constructor(self) -> type[PolicyRetriever]:
        return PolicyRetriever

    @property
    def retriever_constructor_params(self) -> dict[str, Any]:
        return {"search": self.qa.answerer.questions, "k": 2}

    @property
    def retriever_query_example(self) -> str:
        return "狮岭镇皮具产业有哪些资金扶持？"


def test_documents_carry_the_span_and_the_document_fields(seed_qa: PolicyQA) -> None:
    docs = seed_qa.as_retriever(k=3).invoke("狮岭镇皮具产业有哪些资金扶持？")
    assert len(docs) == 3 and all(isinstance(d, Document) for d in docs)
    top = docs[0]
    assert top.metadata["doc"] == SHILING and "1.8亿元" in top.page_content
    text = seed_qa.document(SHILING).text
    assert text[top.metadata["start"]:top.metadata["end"]] == top.page_content
    for field in ("title", "issuer", "date", "region", "headings", "score"):
        assert field in top.metadata, field
    assert top.id == f"{SHILING}#{top.metadata['start']}-{top.metadata['end']}"
    scores = [d.metadata["score"] for d in docs]
    assert scores == sorted(scores, reverse=True)


def test_filters_and_follow_ups_are_those_of_the_chat(seed_qa: PolicyQA) -> None:
    retriever = seed_qa.as_retriever(k=3)
    docs = retriever.invoke("资金扶持", filters={"regions": ["平湖市"]})
    assert docs and {d.metadata["doc"] for d in docs} == {PINGHU}
    with pytest.raises(FilterError, match="东莞"):
        retriever.invoke("资金扶持", filters={"regions": ["东莞市"]})
    history = [{"role": "user", "content": "狮岭镇皮具产业有哪些资金扶持？"},
               {"role": "assistant", "content": "……"}]
    docs = retriever.invoke("那平湖呢？", history=history)
    assert docs and docs[0].metadata["doc"] == PINGHU
    assert retriever.batch(["狮岭镇皮具产业有哪些资金扶持？", "   "]) [1] == []

"""The answer pipeline as a LangChain Runnable: the same Answer as `ask`, streamed as the chat shows
it, each step visible to LangChain callbacks; and README's example, run as written."""

import re
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler

from evals.stub_llm import Reply, StubServer
from rag.app.service import PolicyQA
from rag.search.langchain_retriever import as_filters
from tests.conftest import PINGHU, ROOT, SHILING

QUESTION = "狮岭镇皮具产业有哪些资金扶持？"
HISTORY = [{"role": "user", "content": "鹿城区为招引鞋类设计人才办了什么比赛？"},
           {"role": "assistant", "content": "……"}]


class Steps(BaseCallbackHandler):
    """The names of the runs LangChain reports, in order of start."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.names.append(kwargs.get("name") or (serialized or {}).get("name", "?"))

    def on_chat_model_start(self, serialized: Any, messages: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self.names.append("chat model")


def test_invoke_gives_the_answer_ask_gives(seed_qa: PolicyQA) -> None:
    chain = seed_qa.as_chain()
    for inputs in ({"question": QUESTION}, {"question": "那平湖呢？", "history": HISTORY},
                   {"question": "资金扶持", "filters": {"regions": ["平湖市"]}}):
        got = chain.invoke(inputs)
        want = seed_qa.ask(inputs["question"], inputs.get("history"), as_filters(inputs.get("filters")))
        assert got.to_json() == want.to_json(), inputs
    assert chain.invoke(QUESTION).citations[0].doc == SHILING  # a plain string is a question too
    assert chain.invoke({"question": "那平湖呢？", "history": HISTORY}).citations[0].doc == PINGHU
    refused = chain.invoke({"question": "深圳的皮具企业有什么人才补贴？"})
    assert refused.refused and "深圳" in refused.text
    assert [a.text for a in chain.batch([QUESTION, "  "])][1].startswith("请输入")


def test_callbacks_see_each_step(seed_qa: PolicyQA) -> None:
    steps = Steps()
    seed_qa.as_chain().invoke({"question": QUESTION}, config={"callbacks": [steps]})
    assert steps.names[0] == "policy_qa"
    assert [n for n in steps.names if n in ("prepare", "retrieve", "assess", "answer")] == [
        "prepare", "retrieve", "assess", "answer"]


@pytest.fixture()
def llm_qa(seed_qa: PolicyQA, stub: StubServer) -> PolicyQA:
    stub.clear()
    settings = seed_qa.settings.with_overrides(llm_base_url=stub.base_url, llm_model="stub-model", llm_timeout=4.0)
    return PolicyQA(settings, embedder=seed_qa.embedder)


def test_llm_mode_streams_verified_sentences_and_callbacks_see_the_model(llm_qa: PolicyQA, stub: StubServer) -> None:
    stub.enqueue(Reply("自2023年起，市区各级累计安排花都狮岭镇皮革皮具产业扶持资金超1.8亿元[1]。每家企业补贴999万元[1]。"))
    steps = Steps()
    shown = list(llm_qa.as_chain().stream({"question": QUESTION}, config={"callbacks": [steps]}))
    assert shown[0].mode == "extractive" and "先显示离线摘录" in shown[0].notice  # at once, while the model writes
    final = shown[-1]
    assert final.mode == "llm" and "1.8亿元[1]" in final.text and "999" not in final.text  # the lie is dropped
    assert all("999" not in a.text for a in shown)
    assert final.citations[0].doc == SHILING
    order = [n for n in steps.names if n in ("retrieve", "assess", "answer", "chat model", "verify")]
    assert order == ["retrieve", "assess", "answer", "chat model", "verify"], steps.names


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- example: langchain -->\s*```python\n(.*?)```", text, re.S)
    assert block, "README has the LangChain example"
    return block.group(1)


def test_the_readme_example_runs(seed_qa: PolicyQA, monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    s = seed_qa.settings
    for var, value in (("POLICY_QA_DATA_DIR", s.data_dir), ("POLICY_QA_INDEX_DIR", s.index_dir),
                       ("POLICY_QA_CORPUS", s.corpus_dir)):
        monkeypatch.setenv(var, str(value))
    code = _readme_example()
    assert len(code.strip().splitlines()) <= 16
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("关于推动广州市箱包皮具产业高质量发展") and "[1]" in out
    assert any(line.startswith("extractive ") and "箱包设计大赛" in line for line in lines)  # the follow-up

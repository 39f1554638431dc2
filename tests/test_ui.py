"""The chat as a client sees it: a real Gradio server on 127.0.0.1 driven through gradio_client."""

from collections.abc import Iterator

import pytest

from rag.service import PolicyQA
from rag.types import Answer, Citation
from tests.conftest import SHILING, free_port
from ui.render import answer_markdown, sources_html


@pytest.fixture(scope="module")
def server(seed_qa: PolicyQA) -> Iterator[str]:
    from ui.app import serve

    port = free_port()
    demo = serve(seed_qa, host="127.0.0.1", port=port, block=False)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def test_api_ask_returns_the_cli_json(server: str) -> None:
    from gradio_client import Client

    client = Client(server, verbose=False)
    data = client.predict("狮岭镇皮具产业有哪些资金扶持？", None, None, api_name="/ask")
    assert data["mode"] == "extractive" and not data["refused"]
    assert data["citations"][0]["doc"] == SHILING and "1.8亿元" in data["citations"][0]["text"]
    filtered = client.predict("有哪些资金扶持？", None, {"regions": ["平湖市"]}, api_name="/ask")
    assert all(c["doc"].startswith("003_") for c in filtered["citations"] + filtered["related"])


def test_chat_answers_and_shows_sources(server: str) -> None:
    from gradio_client import Client

    client = Client(server, verbose=False)
    box, messages, sources = client.predict("狮岭镇皮具产业有哪些资金扶持？", [], [], [], [], api_name="/chat")
    assert box == ""
    reply = messages[-1]["content"]
    reply_text = reply if isinstance(reply, str) else "".join(part.get("text", "") for part in reply)
    assert "1.8亿元" in reply_text.replace("\\", "") and "[1]" in reply_text
    assert "广州市工业和信息化局" in sources and "<mark>" in sources and "2025-05-27" in sources
    # A follow-up in the same conversation
    _, messages, sources = client.predict("那平湖呢？", messages, [], [], [], api_name="/chat")
    assert "平湖" in sources


def test_document_text_is_escaped() -> None:
    hostile = "<script>alert('x')</script>[点我](http://evil.example) **粗体**"
    cite = Citation(1, "a.txt", "<b>标题</b>", 0, len(hostile), hostile, quotes=((0, 8),))
    answer = Answer(f"{hostile}[1]", (cite,), False, "extractive")
    html = sources_html(answer)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>标题" not in html
    md = answer_markdown(answer)
    assert "<script>" not in md and "](http" not in md and "\\[点我\\]" in md and "**[1]**" in md

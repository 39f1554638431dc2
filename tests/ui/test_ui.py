"""The chat as a client sees it: a real server on 127.0.0.1 driven through gradio_client and HTTP."""

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from rag.app.service import PolicyQA
from rag.types import Answer, Citation
from tests.conftest import PINGHU, SHILING, served
from ui.render import answer_markdown, caution, document_page, plain_reply, sources_html


@pytest.fixture(scope="module")
def server(seed_qa: PolicyQA) -> Iterator[str]:
    with served(seed_qa) as url:
        yield url


def _post(url: str, payload: dict) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_http_api_ask_returns_the_cli_json(server: str) -> None:
    status, data = _post(server + "api/ask", {"question": "狮岭镇皮具产业有哪些资金扶持？"})
    assert status == 200 and data["mode"] == "extractive" and not data["refused"]
    assert data["citations"][0]["doc"] == SHILING and "1.8亿元" in data["citations"][0]["text"]
    status, data = _post(server + "api/ask", {"question": "企业融资有哪些支持？", "filters": {"regions": ["平湖市"]}})
    assert status == 200 and all(c["doc"] == PINGHU for c in data["citations"] + data["related"])
    status, data = _post(server + "api/ask", {"question": "那平湖呢？", "history": [
        {"role": "user", "content": "狮岭镇皮具产业有哪些资金扶持？"}, {"role": "assistant", "content": "…"}]})
    shown = data["citations"] or data["related"]  # carried over to Pinghu; answered or shown as related
    assert status == 200 and shown and all(c["doc"] == PINGHU for c in shown)
    status, data = _post(server + "api/ask", {"question": "资金", "filters": {"regions": ["火星"]}})
    assert status == 400 and "火星" in data["detail"]


def test_http_api_match(server: str) -> None:
    status, data = _post(server + "api/match", {"region": "花都区狮岭镇", "industry": "皮具", "needs": ["展会", "人才"],
                                                "facts": {"规上": True}})
    assert status == 200 and data["measures"] and data["place"] == ["广东省", "广州市", "花都区", "狮岭镇"]
    first = data["measures"][0]
    for field in ("need", "offer", "conditions", "amount", "fit", "reason", "citation"):
        assert field in first, field
    assert first["citation"]["doc"] == SHILING and first["offer"] in first["citation"]["text"]
    assert all(m["citation"]["doc"] != PINGHU for m in data["measures"])
    status, data = _post(server + "api/match", {"region": "东莞市", "industry": "鞋"})
    assert status == 200 and not data["measures"] and "东莞" in data["notice"]
    status, data = _post(server + "api/match", {"region": "狮岭镇", "needs": ["旅游"]})
    assert status == 400 and "旅游" in data["detail"]
    status, data = _post(server + "api/match", {"region": "狮岭镇", "facts": {"营收万元": "很多"}})
    assert status == 400 and "营收万元" in data["detail"]


def test_gradio_client_ask_and_chat(server: str) -> None:
    from gradio_client import Client

    client = Client(server, verbose=False)
    data = client.predict("狮岭镇皮具产业有哪些资金扶持？", None, None, api_name="/ask")
    assert data["citations"][0]["doc"] == SHILING
    result = client.predict("狮岭镇皮具产业有哪些资金扶持？", [], [], [], [], api_name="/chat")
    box, messages, sources, plain = result[:4]
    reply = messages[-1]["content"]
    reply_text = reply if isinstance(reply, str) else "".join(part.get("text", "") for part in reply)
    assert box == "" and "1.8亿元" in reply_text and 'href="#pq-source-1-1"' in reply_text
    assert "广州市工业和信息化局" in sources and "<mark>" in sources and "查看原文" in sources
    assert plain.startswith(reply_text.split("<a")[0][:10]) and "出处：" in plain and "[1] 《" in plain


def test_document_view_serves_only_indexed_documents(server: str) -> None:
    with urllib.request.urlopen(server + f"doc/{SHILING}?start=755&end=900", timeout=30) as resp:
        page = resp.read().decode()
    assert '<mark id="cited">' in page and "广州市工业和信息化局" in page
    for bad in ("..%2F..%2Fetc%2Fpasswd", "manifest.toml", "nope.txt"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(server + f"doc/{bad}", timeout=30)
        assert err.value.code == 404


def test_feedback_survives_a_restart(seed_qa: PolicyQA) -> None:
    entry = seed_qa.feedback.record("东莞有补贴吗？", seed_qa.ask("东莞厚街的鞋企能享受哪些扶持政策？").to_json())
    assert entry and seed_qa.feedback.rate(entry, -1) and seed_qa.feedback.comment(entry, "希望补充东莞政策")
    from rag.app.feedback import FeedbackStore

    reopened = FeedbackStore(seed_qa.settings.data_dir / "feedback.sqlite")
    gaps = reopened.gaps()
    assert gaps[0][1] == "东莞有补贴吗？" and gaps[0][3] == "是"
    assert gaps[0][4] == "👎" and gaps[0][5] == "希望补充东莞政策"
    csv_text = reopened.gaps_csv()
    assert csv_text.startswith("\ufeff时间,问题") and "东莞有补贴吗？" in csv_text
    reopened.close()


def test_a_gap_records_its_filters_and_turn_and_an_old_log_is_upgraded(tmp_path) -> None:
    import sqlite3

    from rag.app.feedback import FeedbackStore

    old = sqlite3.connect(tmp_path / "fb.sqlite")  # the schema before filters and turns were kept
    old.execute("CREATE TABLE feedback (id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL, question TEXT "
                "NOT NULL, answer TEXT NOT NULL, citations TEXT NOT NULL, mode TEXT NOT NULL, refused INTEGER NOT NULL,"
                " rating INTEGER NOT NULL DEFAULT 0, comment TEXT NOT NULL DEFAULT '')")
    old.execute("INSERT INTO feedback(created, question, answer, citations, mode, refused) "
                "VALUES (1, '旧问题', '…', '[]', 'llm', 1)")
    old.commit()
    old.close()
    store = FeedbackStore(tmp_path / "fb.sqlite")
    store.record("那平湖呢？", {"answer": "…", "refused": True, "mode": "extractive", "citations": []},
                 {"regions": ["平湖市"], "industries": [], "docs": []}, turn=3)
    new, earlier = store.gaps()
    assert new[1] == "那平湖呢？" and new[6] == "离线摘录" and new[7] == "地区：平湖市" and new[8] == 3
    assert earlier[1] == "旧问题" and earlier[6] == "大模型" and earlier[8] == ""
    store.close()


def test_document_text_is_escaped() -> None:
    hostile = "<script>alert('x')</script>[点我](http://evil.example) **粗体**"
    cite = Citation(1, "a.txt", "<b>标题</b>", 0, len(hostile), hostile, quotes=((0, 8),))
    answer = Answer(f"{hostile}[1]", (cite,), False, "extractive")
    html = sources_html(answer)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>标题" not in html
    md = answer_markdown(answer)
    assert "<script>" not in md and "](http" not in md and "\\[点我\\]" in md and 'href="#pq-source-1-1"' in md
    page = document_page("<t>", {"issuer": "<i>"}, hostile, 0, 8)
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "<i>" not in page.split("</style>")[1]
    assert "[1] 《<b>标题</b>》" in plain_reply(answer)  # plain text for a letter: no HTML, nothing to escape


def test_cautions_for_drafts_and_ended_plans() -> None:
    draft = Citation(1, "d.txt", "平湖", 0, 1, "x", status="讨论稿", valid_period="2024-2026")
    assert caution(draft, year=2026) == "征求意见稿，非正式发布"
    ended = Citation(1, "p.txt", "广州", 0, 1, "x", status="正式发布", valid_period="2022-2024")
    assert caution(ended, year=2026) == "规划期至2024年，已结束" and caution(ended, year=2024) == ""


def test_a_title_with_book_marks_of_its_own_nests_them() -> None:
    c = Citation(n=1, doc="002.txt", title="《关于加快推进白云区服装产业高质量发展的建议》提案办理情况报道",
                 start=0, end=4, text="正文段落")
    expected = "《〈关于加快推进白云区服装产业高质量发展的建议〉提案办理情况报道》"
    assert expected in sources_html(Answer("答[1]", (c,), False, "extractive"))
    assert expected in plain_reply(Answer("答[1]", (c,), False, "extractive"))
    assert "《《" not in sources_html(Answer("答[1]", (c,), False, "extractive"))
    plain = Citation(n=1, doc="001.txt", title="广州市时尚产业集群高质量发展三年行动计划", start=0, end=4,
                     text="正文段落")
    assert plain.book_title == "《广州市时尚产业集群高质量发展三年行动计划》"

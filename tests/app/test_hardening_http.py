"""Hardening, over HTTP: what a careful attacker did to the server and what the same request now
gets: forged X-Forwarded-For, staff data behind a password, disk filling and rate limits, lone
surrogates, wrongly typed JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

import httpx
import pytest

from rag.app.service import PolicyQA
from tests.conftest import SHILING
from tests.hardening_env import HEADER, PASSWORD, STAFF

pytestmark = pytest.mark.slow


# 1 -- a forged X-Forwarded-For is not a new client ---------------------------------------------

def test_a_forged_forwarded_for_neither_dodges_nor_aims_the_rate_limit(hard_site: httpx.Client) -> None:
    codes = [hard_site.get("/api/admin/documents", headers={"X-Admin-Password": f"guess{i}",
                                                       "X-Forwarded-For": f"203.0.113.{i}"}).status_code
             for i in range(7)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429, 429]
    # Locked out is this client, whatever address it claims; not the address it names.
    claimed = {**HEADER, "X-Forwarded-For": "198.51.100.7"}
    assert hard_site.get("/api/admin/documents", headers=claimed).status_code == 429


def test_the_staff_password_opens_staff_data_only_and_shares_the_failure_budget() -> None:
    from rag.app.auth import LockedOut, PasswordGate
    from ui.access import login

    class Request:
        class client:  # noqa: N801 - the shape of a Starlette/Gradio request
            host = "192.0.2.1"

    gate = PasswordGate(PASSWORD, staff=STAFF)
    assert login(gate, STAFF, Request, ("admin", "staff"))[0] and not login(gate, STAFF, Request, ("admin",))[0]
    assert not gate.check(STAFF, "192.0.2.1") and gate.check(PASSWORD, "192.0.2.1")
    for i in range(5):  # wrong guesses at either login count together
        assert not login(gate, f"guess{i}", Request, ("admin", "staff") if i % 2 else ("admin",))[0]
    with pytest.raises(LockedOut):
        gate.check(PASSWORD, "192.0.2.1")


# 3 -- staff data is not public -----------------------------------------------------------------

def _queue_call(client: httpx.Client, fn_index: int, data: list) -> dict:
    """Call a Gradio event by number through the queue, as any anonymous script can."""
    session = os.urandom(8).hex()
    join = client.post("/gradio_api/queue/join", json={"data": data, "fn_index": fn_index, "session_hash": session,
                                                       "event_data": None, "trigger_id": None})
    assert join.status_code == 200, join.text
    with client.stream("GET", f"/gradio_api/queue/data?session_hash={session}") as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                msg = json.loads(line[5:])
                if msg.get("msg") == "process_completed":
                    return msg.get("output") or {}
    return {}


def test_staff_data_needs_a_password_and_every_endpoint_is_accounted_for(hard_site: httpx.Client,
                                                                          hard_qa: PolicyQA) -> None:
    secret = "东莞的厂房补贴怎么申请？（内部测试问题）"
    hard_qa.feedback.record(secret, {"answer": "…", "refused": True, "mode": "extractive", "citations": []})
    config = hard_site.get("/config").json()
    assert secret not in json.dumps(config, ensure_ascii=False)
    # The public API is exactly the two question endpoints; every other event is private.
    info = hard_site.get("/gradio_api/info").json()
    assert set(info["named_endpoints"]) == {"/chat", "/ask"} and not info.get("unnamed_endpoints")
    # Called anonymously, even with the login state forged as true, no event hands out the gaps.
    for index, dep in enumerate(config["dependencies"]):
        if dep.get("api_name") in ("chat", "ask") or not dep.get("inputs") and not dep.get("outputs"):
            continue
        out = _queue_call(hard_site, index, [True] * len(dep.get("inputs", [])))
        assert secret not in json.dumps(out, ensure_ascii=False), dep.get("api_name")


# 5 -- anonymous clients cannot fill the disk -----------------------------------------------------

def test_uploads_bodies_and_questions_are_bounded(hard_site: httpx.Client, tmp_path: Path) -> None:
    from rag.app.feedback import FeedbackStore

    big = hard_site.post("/gradio_api/upload", files={"files": ("big.txt", b"x" * (3 * 2**20), "text/plain")})
    assert big.status_code == 413
    huge = hard_site.post("/api/ask", json={"question": "补" * 200_000})
    assert huge.status_code == 413 and "KB" in huge.json()["detail"]
    small = [hard_site.post("/gradio_api/upload", files={"files": (f"f{i}.txt", b"x", "text/plain")}).status_code
             for i in range(20)]
    # 20 anonymous upload attempts per client and hour, the refused big one included
    assert small[:19] == [200] * 19 and small[19] == 429
    chunked = hard_site.post("/api/ask", content=iter([b'{"question": "', b"x" * 1000, b'"}']),
                        headers={"Content-Type": "application/json"})
    assert chunked.status_code == 411
    store = FeedbackStore(tmp_path / "fb.sqlite")
    store.record("问" * 50_000, {"answer": "…", "refused": True, "mode": "extractive", "citations": []})
    assert len(store.gaps()[0][1]) == 2000
    store.close()


def test_questions_are_rate_limited_per_client(hard_site: httpx.Client) -> None:
    from gradio_client import Client

    codes = [hard_site.post("/api/ask", json={"question": "狮岭镇皮具产业有哪些资金扶持？"}) for _ in range(13)]
    assert [c.status_code for c in codes[:12]] == [200] * 12
    last = codes[12]
    assert last.status_code == 429 and "请" in last.json()["detail"] and last.headers["retry-after"]
    # the chat shares the limit: the question stays in the box, with the reason beside it
    chat = Client(str(hard_site.base_url), verbose=False)
    box, *_, status = chat.predict("有补贴吗？", [], [], [], [], api_name="/chat")
    assert box == "有补贴吗？" and "提问过于频繁" in status


# 8 -- lone surrogates ------------------------------------------------------------------------------

def test_a_lone_surrogate_is_cleaned_not_a_500(hard_site: httpx.Client) -> None:
    body = json.dumps({"question": "\ud800狮岭镇皮具产业有哪些资金扶持？",
                       "history": [{"role": "user", "content": "\udfff你好"}]})
    r = hard_site.post("/api/ask", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200 and r.json()["citations"][0]["doc"] == SHILING
    bad_filter = json.dumps({"question": "资金", "filters": {"regions": ["\ud800火星"]}})
    r = hard_site.post("/api/ask", content=bad_filter, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "火星" in r.json()["detail"]


# 12 -- types of JSON fields; the same message on both APIs --------------------------------------------

def test_wrongly_typed_fields_are_a_400_naming_the_field(hard_site: httpx.Client) -> None:
    for body in ({"rebuild": "false"}, {"rebuild": "true"}, {"rebuild": 1}, {"rebild": True}):
        r = hard_site.post("/api/admin/reindex", json=body, headers=HEADER)
        assert r.status_code == 400 and ("rebuild" in r.json()["detail"] or "rebild" in r.json()["detail"]), body
    r = hard_site.post("/api/ask", json={"question": ["补贴"]})
    assert r.status_code == 400 and "question" in r.json()["detail"]
    r = hard_site.post("/api/ask", content=b'{"question": ', headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "JSON" in r.json()["detail"]


def test_gradio_ask_gives_the_same_error_message_as_the_http_api(hard_site: httpx.Client) -> None:
    from gradio_client import Client

    http = hard_site.post("/api/ask", json={"question": "资金", "filters": {"regions": ["火星"]}})
    assert http.status_code == 400
    with pytest.raises(Exception) as err:
        Client(str(hard_site.base_url), verbose=False).predict("资金", None, {"regions": ["火星"]}, api_name="/ask")
    assert http.json()["detail"] in str(err.value)

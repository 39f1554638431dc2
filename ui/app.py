"""Build and serve the Gradio app. Wiring only: answers come from rag, formatting from ui.render."""

from __future__ import annotations

import os
import threading

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
import uvicorn  # noqa: E402

from rag.app.auth import PasswordGate  # noqa: E402
from rag.app.ratelimit import RateLimit  # noqa: E402
from rag.app.service import PolicyQA  # noqa: E402
from ui.admin import build_admin  # noqa: E402
from ui.chat import build_chat  # noqa: E402
from ui.match import build_match  # noqa: E402
from ui.server import make_app  # noqa: E402
from ui.staff import build_staff  # noqa: E402


def make_gate(qa: PolicyQA) -> PasswordGate:
    return PasswordGate(qa.settings.admin_password, staff=qa.settings.staff_password)


def build(qa: PolicyQA, gate: PasswordGate | None = None, questions: RateLimit | None = None) -> gr.Blocks:
    gate = gate or make_gate(qa)
    questions = questions or RateLimit(qa.settings.questions_per_minute)
    # uploaded temporary files (the admin tab's) are deleted after an hour
    with gr.Blocks(title="政策问答", analytics_enabled=False, delete_cache=(600, 3600)) as demo:
        gr.Markdown("## 政策问答")
        with gr.Tab("问答", elem_id="pq-tab-chat"):
            build_chat(qa, demo, questions)
        with gr.Tab("政策匹配", elem_id="pq-tab-match"):
            build_match(qa, questions)
        with gr.Tab("知识缺口", elem_id="pq-tab-gaps"):
            build_staff(qa, gate)
        with gr.Tab("文档管理", elem_id="pq-tab-admin"):
            build_admin(qa, gate)
    demo.queue(default_concurrency_limit=4)
    return demo


class Server:
    """A running server; `stop()` ends it (used by tests and `serve(block=False)`)."""

    def __init__(self, server: uvicorn.Server, thread: threading.Thread | None) -> None:
        self._server, self._thread = server, thread

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread:
            self._thread.join(timeout=10)


def serve(qa: PolicyQA, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> Server:
    gate = make_gate(qa)  # one failure record for the admin and staff tabs and the HTTP API
    questions = RateLimit(qa.settings.questions_per_minute)  # and one for questions asked either way
    app = make_app(qa, build(qa, gate, questions), gate, questions)
    # X-Forwarded-For is believed only from the proxies named in POLICY_QA_TRUSTED_PROXIES (none by
    # default): otherwise every forged value would count as a new client.
    proxies = [p.strip() for p in qa.settings.trusted_proxies.split(",") if p.strip()]
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=2,
                            proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None)
    server = uvicorn.Server(config)
    if block:
        print(f"政策问答 running on http://{host}:{port}", flush=True)
        server.run()
        return Server(server, None)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started and thread.is_alive():
        threading.Event().wait(0.05)
    return Server(server, thread)

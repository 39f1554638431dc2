"""The 知识缺口 tab: refused questions and 👎 answers, newest first, exportable as CSV. Staff data:
shown only after a login with the staff (or admin) password, checked on the server for every call;
nothing of it is in the page or behind a public endpoint before that."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from rag.app.auth import PasswordGate
from rag.app.feedback import COLUMNS
from rag.app.service import PolicyQA
from ui.access import login as check_login

log = logging.getLogger(__name__)
# 时间, 问题, 答复, 是否未能回答, 评价, 意见, 模式, 筛选, 第几问, 出处
WIDTHS: list[str | int] = ["10%", "15%", "20%", "7%", "5%", "12%", "7%", "9%", "5%", "10%"]


def build_staff(qa: PolicyQA, gate: PasswordGate) -> None:
    if not gate.staff_enabled:
        gr.Markdown("知识缺口未启用：设置环境变量 `POLICY_QA_STAFF_PASSWORD`（或管理密码）后重启服务。",
                    elem_id="pq-gaps-off")
        return

    def csv_file() -> str | None:
        try:
            path = Path(tempfile.mkdtemp(prefix="pq-gaps-")) / "知识缺口.csv"
            path.write_text(qa.feedback.gaps_csv(), encoding="utf-8")
        except OSError as exc:  # e.g. a full disk: the table still shows, the export is not offered
            log.error("could not write the knowledge-gap CSV: %s", exc)
            return None
        return str(path)

    authed = gr.State(False)
    with gr.Row(elem_id="pq-staff-login") as login_row:
        password = gr.Textbox(label="工作人员密码", type="password", elem_id="pq-staff-password")
        login = gr.Button("登录", elem_id="pq-staff-login-btn")
    message = gr.Markdown(elem_id="pq-staff-msg")
    with gr.Column(visible=False, elem_id="pq-gaps-panel") as panel:
        gr.Markdown("用户提出而文件未能回答的问题，以及被点 👎 的回答（最新在前）。点“刷新”获取最新记录。")
        # every column on a 1366 px screen: long cells are cut at 60 characters (a click shows all)
        table = gr.Dataframe(headers=COLUMNS, value=[], interactive=False, wrap=True, elem_id="pq-gaps",
                             max_chars=60, column_widths=WIDTHS)
        with gr.Row():
            refresh = gr.Button("刷新", elem_id="pq-gaps-refresh")
            export = gr.DownloadButton("导出 CSV", value=None, elem_id="pq-gaps-export")

    def do_login(attempt: str, request: gr.Request) -> tuple[Any, ...]:
        ok, message = check_login(gate, attempt, request, ("admin", "staff"))
        if not ok:
            return False, message, gr.skip(), gr.skip(), gr.skip(), gr.skip(), ""
        return True, "", gr.update(visible=True), gr.update(visible=False), qa.feedback.gaps(), csv_file(), ""

    def do_refresh(ok: bool) -> tuple[Any, Any]:
        if not ok:
            return [], None
        return qa.feedback.gaps(), csv_file()

    private: dict[str, Any] = {"api_visibility": "private"}
    login.click(do_login, [password], [authed, message, panel, login_row, table, export, password], **private)
    refresh.click(do_refresh, [authed], [table, export], **private)

"""The 文档管理 tab: behind POLICY_QA_ADMIN_PASSWORD. List, upload, replace, delete, edit metadata.

Every action checks the session's login on the server side; the hidden panel is not the guard.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from rag.app.admin import EDITABLE_FIELDS, FIELD_LABELS, LIST_FIELDS, AdminError
from rag.app.auth import PasswordGate
from rag.app.service import PolicyQA
from ui.access import login as check_login
from ui.match_render import measures_markdown

HINTS = {"industry": "（逗号分隔）", "status": "（如 讨论稿）", "aliases": "（逗号分隔）"}
LABELS = {k: FIELD_LABELS[k] + HINTS.get(k, "") for k in EDITABLE_FIELDS}
DOC_COLUMNS = ["文件", "标题", "发文机关", "日期", "状态", "地区", "段落数"]


def _rows(qa: PolicyQA) -> list[list[Any]]:
    return [[d["doc"], d.get("title", ""), d.get("issuer", ""), d.get("date", ""), d.get("status", ""),
             d.get("region", ""), d["chunks"]] for d in qa.documents()]


def _field(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key, "")
    return "，".join(map(str, value)) if key in LIST_FIELDS and isinstance(value, list) else str(value or "")


def build_admin(qa: PolicyQA, gate: PasswordGate) -> None:
    if not gate.enabled:
        gr.Markdown("文档管理未启用：设置环境变量 `POLICY_QA_ADMIN_PASSWORD` 后重启服务。", elem_id="pq-admin-off")
        return
    authed = gr.State(False)
    with gr.Row(elem_id="pq-login") as login_row:
        password = gr.Textbox(label="管理密码", type="password", elem_id="pq-password")
        login = gr.Button("登录", elem_id="pq-login-btn")
    message = gr.Markdown(elem_id="pq-admin-msg")
    with gr.Column(visible=False, elem_id="pq-admin-panel") as panel:
        with gr.Row():
            gr.Markdown("已登录文档管理。")
            logout = gr.Button("退出登录", size="sm", scale=0, min_width=100, elem_id="pq-logout")
        # every column on a 1366 px screen: long titles are cut at 40 characters (a click shows all)
        table = gr.Dataframe(headers=DOC_COLUMNS, value=[], interactive=False, elem_id="pq-docs", wrap=True,
                             max_chars=40, column_widths=["20%", "30%", "14%", "9%", "8%", "12%", "7%"])
        with gr.Accordion("上传或替换文件", open=True):
            upload = gr.File(label="文件（txt/md/html/docx/pdf）", file_types=[".txt", ".md", ".html", ".htm", ".docx",
                                                                          ".pdf"], elem_id="pq-upload")
            replace = gr.Checkbox(label="替换同名文件", elem_id="pq-replace")
            with gr.Row():
                up_fields = {k: gr.Textbox(label=LABELS[k], elem_id=f"pq-up-{k}") for k in
                             ("title", "issuer", "date", "region", "industry", "doc_type", "status")}
            do_upload = gr.Button("上传并索引", variant="primary", elem_id="pq-do-upload")
        with gr.Accordion("编辑元数据 / 删除", open=False):
            pick = gr.Dropdown([], label="文件", elem_id="pq-pick")
            ed_fields = {k: gr.Textbox(label=LABELS[k], elem_id=f"pq-ed-{k}") for k in EDITABLE_FIELDS}
            with gr.Row():
                save = gr.Button("保存元数据", elem_id="pq-save-meta")
                delete = gr.Button("删除文件", variant="stop", elem_id="pq-delete")
            measures = gr.Markdown(elem_id="pq-doc-measures")  # what 政策匹配 finds in the document

    def refreshed() -> tuple[Any, Any]:
        docs = [d["doc"] for d in qa.documents()]
        return _rows(qa), gr.update(choices=docs, value=None)

    def do_login(attempt: str, request: gr.Request) -> tuple[Any, ...]:
        ok, message = check_login(gate, attempt, request, ("admin",))
        if not ok:
            return False, message, gr.skip(), gr.skip(), gr.skip(), gr.skip(), ""
        rows, choices = refreshed()
        return True, message, gr.update(visible=True), gr.update(visible=False), rows, choices, ""

    def do_upload_fn(ok: bool, file: Any, repl: bool, *values: str,
                     progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:  # noqa: B008
        keep = (gr.skip(),) * (2 + len(values))  # the file and the fields stay for another try
        if not ok:
            return "请先登录。", gr.skip(), gr.skip(), *keep
        if not file:
            return "请选择要上传的文件。", gr.skip(), gr.skip(), *keep
        path = Path(file if isinstance(file, str) else file.name)
        meta = {k: v for k, v in zip(up_fields, values, strict=True) if v and v.strip()}
        try:
            result = qa.admin.upload(path.name, path.read_bytes(), meta, replace=repl,
                                     progress=lambda done, total: progress(done / max(total, 1), desc="索引中"))
        except AdminError as exc:
            return f"未完成：{exc}", gr.skip(), gr.skip(), *keep
        rows, choices = refreshed()
        verb = "已替换" if result.replaced else "已上传"
        cleared = (None, False, *[""] * len(values))  # a fresh form for the next document
        return f"成功：{verb} {result.doc_id}，索引 {result.chunks} 个段落。", rows, choices, *cleared

    def load_meta(ok: bool, doc_id: str) -> list[Any]:
        meta = next((d for d in qa.documents() if d["doc"] == doc_id), {}) if ok and doc_id else {}
        return [_field(meta, k) for k in EDITABLE_FIELDS]

    def load_measures(ok: bool, doc_id: str) -> str:
        return measures_markdown(qa.matcher.measures(doc_id)) if ok and doc_id else ""

    def save_meta(ok: bool, doc_id: str, *values: str) -> tuple[Any, ...]:
        if not ok:
            return "请先登录。", gr.skip()
        try:
            qa.admin.update_meta(doc_id or "", dict(zip(EDITABLE_FIELDS, values, strict=True)))
        except AdminError as exc:
            return f"未完成：{exc}", gr.skip()
        return f"成功：已保存 {doc_id} 的元数据。", _rows(qa)

    def delete_doc(ok: bool, doc_id: str) -> tuple[Any, ...]:
        if not ok:
            return "请先登录。", gr.skip(), gr.skip()
        try:
            qa.admin.delete(doc_id or "")
        except AdminError as exc:
            return f"未完成：{exc}", gr.skip(), gr.skip()
        rows, choices = refreshed()
        return f"成功：已删除 {doc_id}。", rows, choices

    private: dict[str, Any] = {"api_visibility": "private"}
    login.click(do_login, [password], [authed, message, panel, login_row, table, pick, password], **private)
    do_upload.click(do_upload_fn, [authed, upload, replace, *up_fields.values()],
                    [message, table, pick, upload, replace, *up_fields.values()], **private)
    logout.click(lambda: (False, "已退出登录。", gr.update(visible=False), gr.update(visible=True), [],
                          gr.update(choices=[], value=None)),
                 None, [authed, message, panel, login_row, table, pick], **private)
    pick.change(load_meta, [authed, pick], list(ed_fields.values()), **private)
    pick.change(load_measures, [authed, pick], [measures], **private)
    save.click(save_meta, [authed, pick, *ed_fields.values()], [message, table], **private)
    delete.click(delete_doc, [authed, pick], [message, table, pick], **private)

"""The 知识缺口 tab: refused questions and 👎 answers, newest first, exportable as CSV."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import gradio as gr

from rag.feedback import COLUMNS
from rag.service import PolicyQA

log = logging.getLogger(__name__)


def build_staff(qa: PolicyQA) -> None:
    def csv_file() -> str | None:
        try:
            path = Path(tempfile.mkdtemp(prefix="pq-gaps-")) / "知识缺口.csv"
            path.write_text(qa.feedback.gaps_csv(), encoding="utf-8")
        except OSError as exc:  # e.g. a full disk: the table still shows, the export is not offered
            log.error("could not write the knowledge-gap CSV: %s", exc)
            return None
        return str(path)

    gr.Markdown("用户提出而文件未能回答的问题，以及被点 👎 的回答（最新在前）。点“刷新”获取最新记录。")
    table = gr.Dataframe(headers=COLUMNS, value=qa.feedback.gaps(), interactive=False, wrap=True,
                         elem_id="pq-gaps")
    with gr.Row():
        refresh = gr.Button("刷新", elem_id="pq-gaps-refresh")
        export = gr.DownloadButton("导出 CSV", value=csv_file, elem_id="pq-gaps-export")

    refresh.click(lambda: (qa.feedback.gaps(), csv_file()), None, [table, export], api_visibility="private")

"""Build and launch the Gradio chat. Wiring only: answers come from rag, formatting from ui.render."""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

from rag.retrieval import FilterError, Filters  # noqa: E402
from rag.service import PolicyQA  # noqa: E402
from ui.render import CSS, MODE_BADGE, answer_markdown, escape_markdown, sources_html  # noqa: E402

EXAMPLES = [
    "狮岭镇皮具产业有哪些资金扶持？",
    "平湖箱包企业参加境外展会有什么支持？",
    "广州时尚产业集群三年行动计划的发展目标是什么？",
    "鹿城区在鞋业人才引进方面做了哪些工作？",
]


def _text(content: Any) -> str:
    if isinstance(content, list):  # Gradio 6 sends message content as a list of parts
        return "".join(_text(part) for part in content)
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return str(content or "")


def _history(messages: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    return [{"role": m["role"], "content": _text(m.get("content"))} for m in messages or [] if "role" in m]


def build(qa: PolicyQA) -> gr.Blocks:
    facets = qa.facets()
    titles = {d["doc"]: d.get("title") or d["doc"] for d in qa.documents()}
    mode = "llm" if qa.settings.llm_enabled else "extractive"

    def respond(message: str, messages: list[dict[str, Any]], regions: list[str], industries: list[str],
                docs: list[str]) -> tuple[str, list[dict[str, Any]], str]:
        filters = Filters(tuple(regions or ()), tuple(industries or ()), tuple(docs or ()))
        try:
            answer = qa.ask(message, history=_history(messages), filters=filters)
        except FilterError as exc:
            reply = escape_markdown(f"筛选条件有误：{exc}")
            return message, [*messages, {"role": "user", "content": message},
                             {"role": "assistant", "content": reply}], sources_html(None)
        shown = [*messages, {"role": "user", "content": message},
                 {"role": "assistant", "content": answer_markdown(answer)}]
        return "", shown, sources_html(answer)

    def ask(question: str, history: list[dict[str, Any]] | None = None,
            filters: dict[str, list[str]] | None = None) -> dict[str, Any]:
        """The same JSON as `policy-qa ask --json`."""
        f = filters or {}
        answer = qa.ask(question, history=history or [],
                        filters=Filters(tuple(f.get("regions", ())), tuple(f.get("industries", ())),
                                        tuple(f.get("docs", ()))))
        return answer.to_json()

    with gr.Blocks(title="政策问答", analytics_enabled=False) as demo:
        gr.Markdown(f"## 政策问答\n每句回答都标注出处 [n]，可在右侧核对原文。当前：**{MODE_BADGE[mode]}**")
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="对话", height=480, buttons=["copy"], feedback_options=None)
                box = gr.Textbox(label="您的问题", placeholder="例如：狮岭镇皮具产业有哪些资金扶持？", lines=2)
                with gr.Row():
                    send = gr.Button("提问", variant="primary")
                    clear = gr.Button("清空对话")
                gr.Examples(EXAMPLES, inputs=box, label="示例问题")
                with gr.Accordion("筛选（可选）", open=False):
                    regions = gr.Dropdown(facets["regions"], multiselect=True, label="地区")
                    industries = gr.Dropdown(facets["industries"], multiselect=True, label="行业")
                    docs = gr.Dropdown([(titles.get(d, d), d) for d in facets["docs"]], multiselect=True,
                                       label="文件")
            with gr.Column(scale=2):
                sources = gr.HTML(sources_html(None), label="出处")
        inputs = [box, chat, regions, industries, docs]
        send.click(respond, inputs, [box, chat, sources], api_name="chat")
        box.submit(respond, inputs, [box, chat, sources], api_visibility="private")
        clear.click(lambda: ([], sources_html(None)), None, [chat, sources], api_visibility="private")
        gr.api(ask, api_name="ask")
    return demo


def serve(qa: PolicyQA, host: str = "127.0.0.1", port: int = 7860, block: bool = True) -> gr.Blocks:
    demo = build(qa)
    demo.queue(default_concurrency_limit=4).launch(
        server_name=host, server_port=port, css=CSS, show_error=False, prevent_thread_lock=not block,
        footer_links=["api"], quiet=not block,
    )
    return demo

"""The 问答 tab: chat with streamed answers, source cards, filters, copy and 👍/👎 feedback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag.app.ratelimit import RateLimit, RateLimited
from rag.app.service import PolicyQA
from rag.search.retrieval import FilterError, Filters
from ui.access import client_host
from ui.render import MODE_BADGE, answer_markdown, escape_markdown, plain_reply, sources_html, sources_panel

EXAMPLES = [
    "狮岭镇皮具产业有哪些资金扶持？",
    "平湖箱包企业参加境外展会有什么支持？",
    "广州时尚产业集群三年行动计划的发展目标是什么？",
    "鹿城区在鞋业人才引进方面做了哪些工作？",
]
COPY_JS = "(text) => { if (text) { navigator.clipboard.writeText(text); } return text; }"


def _text(content: Any) -> str:
    if isinstance(content, list):  # Gradio 6 sends message content as a list of parts
        return "".join(_text(part) for part in content)
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return str(content or "")


def _history(messages: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    return [{"role": m["role"], "content": _text(m.get("content"))} for m in messages or [] if "role" in m]


def _filter_choices(qa: PolicyQA) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    facets = qa.facets()
    titles = {d["doc"]: d.get("title") or d["doc"] for d in qa.documents()}
    return facets["regions"], facets["industries"], [(titles.get(d, d), d) for d in facets["docs"]]


def build_chat(qa: PolicyQA, demo: gr.Blocks, questions: RateLimit | None = None) -> None:
    """Lay out the chat tab inside the current Blocks context and wire its events. `questions`:
    the per-client limit on questions, shared with the HTTP API."""
    questions = questions or RateLimit(qa.settings.questions_per_minute)
    region_choices, industry_choices, doc_choices = _filter_choices(qa)
    mode = qa.mode

    badge = f'<span class="pq-badge" id="pq-mode">{MODE_BADGE[mode]}</span>'
    gr.Markdown(f"每句回答都标注出处 [n]，点击可核对原文。{badge}")
    empty = "⚠ 索引中还没有任何文件，所有问题都会被拒答：请在“文档管理”上传文件，或运行 `policy-qa ingest`。"
    banner = gr.Markdown(empty if not qa.documents() else "", elem_id="pq-empty-index")
    # The answer, then its sources (side by side on a wide screen, one after the other on a phone),
    # then the question box and the rest: sources never come after examples and filters.
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chat = gr.Chatbot(label="对话", height=460, buttons=["copy"], elem_id="pq-chat")
            status = gr.Markdown(elem_id="pq-status")  # right under 👍/👎: what became of a rating
        with gr.Column(scale=2):
            sources = gr.HTML(sources_html(None), elem_id="pq-sources")
    # one line that grows: Enter sends, Shift+Enter breaks the line (the chat convention)
    box = gr.Textbox(label="您的问题", placeholder="例如：狮岭镇皮具产业有哪些资金扶持？", lines=1, max_lines=6,
                     info="Enter 发送，Shift+Enter 换行", elem_id="pq-question")
    with gr.Row():
        send = gr.Button("提问", variant="primary", elem_id="pq-send")
        copy = gr.Button("复制答复", elem_id="pq-copy")
        clear = gr.Button("清空对话", elem_id="pq-clear")
    with gr.Row():
        comment = gr.Textbox(label="对上一条回答的意见（可选）", lines=1, scale=4, elem_id="pq-comment")
        send_comment = gr.Button("提交意见", scale=1, elem_id="pq-send-comment")
    gr.Examples(EXAMPLES, inputs=box, label="示例问题")
    with gr.Accordion("筛选（可选）", open=False, elem_id="pq-filters"):
        regions = gr.Dropdown(region_choices, multiselect=True, label="地区", elem_id="pq-region")
        industries = gr.Dropdown(industry_choices, multiselect=True, label="行业", elem_id="pq-industry")
        docs = gr.Dropdown(doc_choices, multiselect=True, label="文件", elem_id="pq-doc")
    plain = gr.Textbox(visible=False)
    entries = gr.State({})  # chat message index -> feedback entry id (None: not logged)
    turns = gr.State([])  # (turn, question, Answer) of every answer shown: each keeps its own cards

    def respond(message: str, messages: list[dict[str, Any]], regions: list[str], industries: list[str],
                docs: list[str], entries: dict[int, int | None], turns: list[tuple[int, str, Any]],
                request: gr.Request = None) -> Iterator[tuple[Any, ...]]:  # type: ignore[assignment]
        messages = list(messages or [])
        turns = list(turns or [])
        if not (message or "").strip():
            yield message, messages, gr.skip(), gr.skip(), entries, turns, "请输入问题。"
            return
        try:
            questions.hit(client_host(request))
        except RateLimited as exc:  # the question stays in the box to send again
            yield message, messages, gr.skip(), gr.skip(), entries, turns, f"{exc}。"
            return
        shown = [*messages, {"role": "user", "content": message}, {"role": "assistant", "content": "正在查找相关文件…"}]
        yield "", shown, gr.skip(), gr.skip(), entries, turns, ""
        filters = Filters(tuple(regions or ()), tuple(industries or ()), tuple(docs or ()))
        turn = (turns[-1][0] if turns else 0) + 1
        answer = None
        try:
            # the extractive answer at once; with a model, its verified sentences replace it as they come
            for answer in qa.ask_stream(message, history=_history(messages), filters=filters):
                shown[-1] = {"role": "assistant", "content": answer_markdown(answer, turn)}
                now = [*turns, (turn, message, answer)]
                yield "", shown, sources_panel(now), plain_reply(answer), entries, now, ""
        except FilterError as exc:
            shown[-1] = {"role": "assistant", "content": escape_markdown(f"筛选条件有误：{exc}")}
            yield "", shown, sources_panel(turns), "", entries, turns, ""
            return
        if answer is None:
            return
        # None when the answer log could not be written (e.g. disk full, logged): the answer is still
        # shown, and a rating of it says it could not be saved.
        asked_under = {"regions": regions or [], "industries": industries or [], "docs": docs or []}
        entries = {**entries, len(shown) - 1: qa.feedback.record(message, answer.to_json(), asked_under, turn)}
        turns = [*turns, (turn, message, answer)]
        yield "", shown, sources_panel(turns), plain_reply(answer), entries, turns, ""

    def like(data: gr.LikeData, entries: dict[int, int | None]) -> str:
        index = data.index[0] if isinstance(data.index, list | tuple) else data.index
        if int(index) not in entries:
            return ""
        entry = entries[int(index)]
        ok = entry is not None and qa.feedback.rate(entry, 1 if data.liked else -1)
        return ("感谢反馈！" if data.liked else "已记录，我们会改进。") if ok else "反馈未能保存，请稍后再试。"

    def add_comment(text: str, entries: dict[int, int | None]) -> tuple[str, str]:
        if not text.strip() or not entries:
            return text, "请先提问并输入意见。"
        entry = entries[max(entries)]
        ok = entry is not None and qa.feedback.comment(entry, text)
        return ("", "意见已记录，谢谢！") if ok else (text, "意见未能保存，请稍后再试。")

    inputs = [box, chat, regions, industries, docs, entries, turns]
    outputs = [box, chat, sources, plain, entries, turns, status]
    send.click(respond, inputs, outputs, api_name="chat")
    box.submit(respond, inputs, outputs, api_visibility="private")
    chat.like(like, [entries], [status], api_visibility="private")
    send_comment.click(add_comment, [comment, entries], [comment, status], api_visibility="private")
    copy.click(None, [plain], [plain], js=COPY_JS, api_visibility="private")
    clear.click(lambda: ([], sources_html(None), "", {}, [], ""), None,
                [chat, sources, plain, entries, turns, status],
                api_visibility="private")

    def ask(question: str, history: list[dict[str, Any]] | None = None,
            filters: dict[str, list[str]] | None = None,
            request: gr.Request = None) -> dict[str, Any]:  # type: ignore[assignment]
        """The same JSON as `policy-qa ask --json`; errors carry the same message as POST /api/ask."""
        f = filters or {}
        try:
            questions.hit(client_host(request))
            answer = qa.ask(question, history=history or [],
                            filters=Filters(tuple(f.get("regions", ())), tuple(f.get("industries", ())),
                                            tuple(f.get("docs", ()))))
        except (FilterError, RateLimited) as exc:
            raise gr.Error(str(exc), print_exception=False) from None
        return answer.to_json()

    gr.api(ask, api_name="ask")

    def refresh_filters() -> tuple[Any, Any, Any, Any]:
        """Documents uploaded since the server started appear in the filters on the next page load;
        an index emptied meanwhile says so."""
        r, i, d = _filter_choices(qa)
        return gr.update(choices=r), gr.update(choices=i), gr.update(choices=d), "" if qa.documents() else empty

    demo.load(refresh_filters, None, [regions, industries, docs, banner], api_visibility="private")

"""The 政策匹配 tab: a business profile in, the measures that may apply out, with export."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import gradio as gr

from rag.app.ratelimit import RateLimit, RateLimited
from rag.app.service import PolicyQA
from rag.index.index_view import as_list
from rag.match.export import to_csv, to_markdown
from rag.match.matching import NEEDS, Profile
from rag.sanitize import clean_input
from rag.search.places import path_of
from ui.access import client_host
from ui.chat import COPY_JS
from ui.match_render import match_html

SIZE = {"未填": None, "规上企业": True, "规下企业": False}


def _choices(qa: PolicyQA) -> tuple[list[str], list[str]]:
    """Places (each document's region and the places containing it) and industries, for pick lists."""
    places: set[str] = set()
    industries: set[str] = set()
    for d in qa.documents():
        path = path_of(str(d.get("region") or ""))
        places.update("".join(path[:i]) for i in range(1, len(path) + 1))
        industries.update(as_list(d.get("industry")))
    return sorted(places, key=lambda p: (len(p), p)), sorted(industries)


def build_match(qa: PolicyQA, questions: RateLimit | None = None) -> None:
    questions = questions or RateLimit(qa.settings.questions_per_minute)
    places, industries = _choices(qa)
    gr.Markdown("填写企业情况，列出可能适用的政策措施：每条写明提供什么、适用条件、金额，并附原文出处。")
    with gr.Row():
        region = gr.Dropdown(places, label="所在地（可输入镇、区、市）", allow_custom_value=True,
                             value=None, elem_id="pq-match-region")
        industry = gr.Dropdown(industries, label="行业", allow_custom_value=True, value=None,
                               elem_id="pq-match-industry")
    needs = gr.CheckboxGroup(list(NEEDS), label="需求（可多选，不选即全部）", elem_id="pq-match-needs")
    with gr.Accordion("企业规模（可选，用于判断是否符合条件）", open=False, elem_id="pq-match-facts"):
        with gr.Row():
            size = gr.Radio(list(SIZE), value="未填", label="规模", elem_id="pq-match-size")
            revenue = gr.Number(label="上年营收（万元）", value=None, minimum=0, elem_id="pq-match-revenue")
            staff = gr.Number(label="员工数", value=None, minimum=0, elem_id="pq-match-staff")
            years = gr.Number(label="成立年限（年）", value=None, minimum=0, elem_id="pq-match-years")
    with gr.Row():
        run = gr.Button("匹配政策", variant="primary", elem_id="pq-match-run")
        copy = gr.Button("复制清单", elem_id="pq-match-copy")
    status = gr.Markdown(elem_id="pq-match-status")
    result = gr.HTML(match_html(None), elem_id="pq-match-result-panel")
    export = gr.File(label="导出清单（CSV / Markdown）", file_count="multiple", elem_id="pq-match-export")
    markdown = gr.Textbox(visible=False)

    def match(region: Any, industry: Any, needs: Any, size: Any, revenue: Any, staff: Any, years: Any,
              request: gr.Request = None) -> tuple[Any, ...]:  # type: ignore[assignment]
        place = clean_input(str(region or "")).strip()
        if not place:
            return match_html(None), "", None, "请填写所在地。"
        try:
            questions.hit(client_host(request))
        except RateLimited as exc:
            return gr.skip(), gr.skip(), gr.skip(), f"{exc}。"
        facts: dict[str, Any] = {}
        if SIZE.get(str(size)) is not None:
            facts["规上"] = SIZE[str(size)]
        for key, value in (("营收万元", revenue), ("员工数", staff), ("成立年限", years)):
            if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
                facts[key] = value
        chosen = tuple(n for n in (needs if isinstance(needs, list) else []) if n in NEEDS)
        found = qa.match(Profile(place, clean_input(str(industry or "")).strip(), chosen, facts))
        folder = Path(tempfile.mkdtemp(prefix="pq-match-"))
        files = []
        if found.matches:
            for name, text in (("政策匹配清单.csv", to_csv(found)), ("政策匹配清单.md", to_markdown(found))):
                (folder / name).write_text(text, encoding="utf-8")
                files.append(str(folder / name))
        return match_html(found), to_markdown(found), files or None, ""

    private: dict[str, Any] = {"api_visibility": "private"}
    run.click(match, [region, industry, needs, size, revenue, staff, years], [result, markdown, export, status],
              **private)
    copy.click(None, [markdown], [markdown], js=COPY_JS, **private)

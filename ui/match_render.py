"""A match result as HTML: measures grouped by need, each with its fit and its source card. Pure."""

from __future__ import annotations

import html

from rag.match.matching import MatchResult
from rag.match.measures import Measure
from ui.render import escape_markdown, source_card

FIT_CLASS = {"符合": "pq-fit-yes", "可能符合": "pq-fit-maybe", "不符合": "pq-fit-no"}
MATCH_CSS = """
.pq-measure{border-left:4px solid #0969da;padding:4px 10px;margin:10px 0}
.pq-offer{font-weight:600}
.pq-fields{font-size:0.92em;color:#333;margin:4px 0}
.pq-fit{border-radius:10px;padding:1px 8px;font-size:0.85em;white-space:nowrap;margin-right:6px}
.pq-fit-yes{background:#dafbe1;color:#1a7f37}.pq-fit-maybe{background:#fff8c5;color:#9a6700}
.pq-fit-no{background:#ffebe9;color:#cf222e}
.pq-need{margin-top:14px}
.pq-src summary{cursor:pointer;color:#0969da;font-size:0.92em}
.pq-caution{color:#9a6700;font-size:0.92em;margin:2px 0}
"""


def match_html(result: MatchResult | None) -> str:
    if result is None:
        return ('<div class="pq-empty">填写所在地、行业和需求后点击“匹配政策”，'
                '这里列出可能适用的政策措施及原文出处。</div>')
    place = html.escape("".join(result.place) or result.profile.region)
    head = f'<div class="pq-head">所在地：{place}　共 {len(result.matches)} 条措施</div>'
    if not result.matches:
        return f'<div class="pq-sources">{head}<div class="pq-empty">{html.escape(result.notice)}</div></div>'
    parts = [head]
    need = None
    for i, m in enumerate(result.matches, 1):
        if m.need != need:
            need = m.need
            count = sum(1 for x in result.matches if x.need == need)
            parts.append(f'<h3 class="pq-need">{html.escape(need)}（{count}条）</h3>')
        fields = [f"条件：{'；'.join(m.measure.conditions)}" if m.measure.conditions else "",
                  f"金额：{'、'.join(m.measure.amounts) or '未写明金额'}",
                  f"期限：{m.measure.period}" if m.measure.period else "",
                  f"联系：{m.contact}" if m.contact else ""]
        fit = f'<span class="pq-fit {FIT_CLASS.get(m.fit, "")}">{html.escape(m.fit)}</span>'
        caution = m.citation.caution()  # a draft, or a plan whose period has ended: seen without opening
        warn = f'<div class="pq-caution">⚠ {html.escape(caution)}</div>' if caution else ""
        parts.append(
            f'<div class="pq-measure" id="pq-measure-{i}">'
            f'<div class="pq-offer">{i}. {html.escape(m.measure.text)}</div>'
            f'<div class="pq-fields">{fit}{html.escape("　".join(f for f in fields if f))}</div>'
            f'<div class="pq-fields">匹配理由：{html.escape(m.reason)}</div>{warn}'
            f'<details class="pq-src"><summary>出处：{html.escape(m.citation.book_title)}'
            f'{html.escape(" " + m.citation.headings if m.citation.headings else "")}（展开原文段落）</summary>'
            f'{source_card(m.citation, label=f"出处{i}", turn=0)}</details></div>')
    return f'<div class="pq-sources" id="pq-match-result">{"".join(parts)}</div>'


def measures_markdown(measures: list[Measure]) -> str:
    """A document's measures as 政策匹配 finds them, for the document admin."""
    if not measures:
        return "**政策措施**：本文件中没有识别出政策措施。"
    lines = [f"**政策措施（{len(measures)} 条，政策匹配据此列出）**"]
    for m in measures:
        amount = "、".join(m.amounts) or "未写明金额"
        lines.append(f"- 【{'、'.join(m.needs)}】{escape_markdown(m.text)}（{escape_markdown(amount)}；"
                     f"第{m.start}–{m.end}字）")
    return "\n".join(lines)

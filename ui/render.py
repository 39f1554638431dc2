"""Answer -> Markdown for the chat and HTML for the source cards. Pure functions, no Gradio.

Document text is always escaped: a paragraph containing <script> or markdown links shows as text.
"""

from __future__ import annotations

import html
import re

from rag.types import Answer, Citation

MODE_BADGE = {"extractive": "离线摘录模式", "llm": "大模型模式"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()#|<>~])")
_MARKER = re.compile(r"\\\[(\d+)\\\]")


def escape_markdown(text: str) -> str:
    """Text shown literally by a Markdown renderer (and with no HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def answer_markdown(answer: Answer) -> str:
    """The chat message: answer lines with [n] markers, or the refusal with the nearest paragraphs."""
    lines = [_MARKER.sub(r"**[\1]**", escape_markdown(line)) for line in answer.text.splitlines() if line.strip()]
    body = "\n\n".join(lines)
    if answer.refused and answer.related:
        body += "\n\n" + "\n".join(
            f"- 《{escape_markdown(c.title)}》：{escape_markdown(_excerpt(c.text))}" for c in answer.related
        )
    if answer.notice:
        body += f"\n\n*{escape_markdown(answer.notice)}*"
    return body


def _excerpt(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def _highlighted(c: Citation) -> str:
    """The paragraph, escaped, with the quoted sentences marked."""
    spans = sorted((max(s, c.start) - c.start, min(e, c.end) - c.start) for s, e in c.quotes if e > c.start)
    out, pos = [], 0
    for s, e in spans:
        if s < pos:
            continue
        out.append(html.escape(c.text[pos:s]))
        out.append(f"<mark>{html.escape(c.text[s:e])}</mark>")
        pos = e
    out.append(html.escape(c.text[pos:]))
    return "".join(out).replace("\n", "<br>")


def source_card(c: Citation, label: str = "") -> str:
    meta = " · ".join(html.escape(x) for x in (c.issuer, c.date, c.status, c.region) if x)
    where = html.escape(f"{c.doc} 第{c.start}–{c.end}字")
    heading = f'<div class="pq-heading">{html.escape(c.headings)}</div>' if c.headings else ""
    return (
        f'<div class="pq-card" id="pq-source-{c.n}">'
        f'<div class="pq-title"><span class="pq-n">{label or f"[{c.n}]"}</span> 《{html.escape(c.title)}》</div>'
        f'<div class="pq-meta">{meta}</div>{heading}'
        f'<blockquote class="pq-text">{_highlighted(c)}</blockquote>'
        f'<div class="pq-where">{where}</div></div>'
    )


def sources_html(answer: Answer | None) -> str:
    """Cards for the cited paragraphs (or, with a refusal, the nearest related ones)."""
    if answer is None:
        return '<div class="pq-empty">提问后，这里显示答案引用的原文段落。</div>'
    if answer.citations:
        head = "引用的原文段落"
        cards = [source_card(c) for c in answer.citations]
    elif answer.related:
        head = "最接近的相关段落（未能回答，仅供参考）"
        cards = [source_card(c, label="相关") for c in answer.related]
    else:
        return '<div class="pq-empty">没有可引用的段落。</div>'
    badge = MODE_BADGE.get(answer.mode, answer.mode)
    head_html = f'<div class="pq-head">{head} <span class="pq-badge">{badge}</span></div>'
    return f'<div class="pq-sources">{head_html}{"".join(cards)}</div>'


CSS = """
.pq-card{border:1px solid #d0d7de;border-radius:8px;padding:10px 12px;margin:8px 0;background:#fff}
.pq-title{font-weight:600}.pq-n{color:#0969da;margin-right:4px}
.pq-meta,.pq-where,.pq-heading{color:#57606a;font-size:0.85em}
.pq-text{margin:6px 0;padding-left:10px;border-left:3px solid #d0d7de;line-height:1.6}
.pq-text mark{background:#fff3b0}
.pq-head{font-weight:600;margin-bottom:4px}
.pq-badge{font-size:0.8em;background:#ddf4ff;color:#0969da;border-radius:10px;padding:1px 8px;margin-left:6px}
.pq-empty{color:#57606a}
"""

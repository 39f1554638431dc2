"""Answer -> Markdown for the chat and HTML for the source cards. Pure functions, no Gradio.

Document text is always escaped: a paragraph containing <script> or markdown links shows as text.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from rag.types import Answer, Citation, book_title

MODE_BADGE = {"extractive": "离线摘录模式", "llm": "大模型模式"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()#|<>~])")
_MARKER = re.compile(r"\\\[(\d+)\\\]")


def escape_markdown(text: str) -> str:
    """Text shown literally by a Markdown renderer (and with no HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def card_id(turn: int, n: int) -> str:
    """The source card of citation n of the turn-th answer: each answer's [n] opens its own card."""
    return f"pq-source-{turn}-{n}"


def _ref(turn: int, n: int | str, label: str = "") -> str:
    return f'<a class="pq-ref" href="#{card_id(turn, int(n))}">{label or f"[{n}]"}</a>'


def answer_markdown(answer: Answer, turn: int = 1) -> str:
    """The chat message: answer lines with [n] markers linking to this answer's source cards, or the
    refusal with links to the nearest paragraphs' cards (marked as related, not as an answer)."""
    lines = [_MARKER.sub(lambda m: _ref(turn, m.group(1)), escape_markdown(line))
             for line in answer.text.splitlines() if line.strip()]
    body = "\n\n".join(lines)
    if answer.refused and answer.related:
        body += "\n\n" + "\n".join(
            f"- {_ref(turn, c.n, f'相关{c.n}')} {escape_markdown(c.book_title)}（仅供参考，不是答案）"
            for c in answer.related)
    if answer.notice:
        body += f"\n\n*{escape_markdown(answer.notice)}*"
    return body


def caution(c: Citation, year: int | None = None) -> str:
    """A short warning for drafts and for plans whose period has ended."""
    return c.caution(year)


def plain_reply(answer: Answer) -> str:
    """Answer and numbered sources as plain text, for pasting into a reply letter."""
    lines = [answer.text]
    if answer.notice:
        lines.append(f"（{answer.notice}）")
    shown = answer.citations or answer.related
    if shown:
        lines.append("")
        lines.append("出处：" if answer.citations else "相关段落：")
    for c in shown:
        about = "，".join(x for x in (c.issuer, c.date, c.status) if x)
        lines.append(f"[{c.n}] {c.book_title}" + (f"（{about}）" if about else ""))
        lines.append("    " + " ".join(c.text.split()))
    return "\n".join(lines)


def _highlighted(c: Citation) -> str:
    """The paragraph, escaped, with the quoted sentences marked."""
    spans: list[tuple[int, int]] = []
    for s, e in sorted((max(s, c.start) - c.start, min(e, c.end) - c.start) for s, e in c.quotes if e > c.start):
        if spans and not c.text[spans[-1][1]:s].strip():  # neighbouring sentences: one highlight
            spans[-1] = (spans[-1][0], max(e, spans[-1][1]))
        else:
            spans.append((s, e))
    out, pos = [], 0
    for s, e in spans:
        if s < pos:
            continue
        out.append(html.escape(c.text[pos:s]))
        out.append(f"<mark>{html.escape(c.text[s:e])}</mark>")
        pos = e
    out.append(html.escape(c.text[pos:]))
    return "".join(out).replace("\n", "<br>")


def source_card(c: Citation, label: str = "", turn: int = 1) -> str:
    meta = " · ".join(html.escape(x) for x in (c.issuer, c.date, c.status, c.region) if x)
    where = html.escape(f"{c.doc} 第{c.start}–{c.end}字")
    heading = f'<div class="pq-heading">{html.escape(c.headings)}</div>' if c.headings else ""
    warn = caution(c)
    warn_html = f'<div class="pq-caution">⚠ {html.escape(warn)}</div>' if warn else ""
    link = (f'<a class="pq-open" target="_blank" href="doc/{quote(c.doc)}?start={c.start}&end={c.end}#cited">'
            "查看原文</a>")
    return (
        f'<div class="pq-card{" pq-related" if label else ""}" id="{card_id(turn, c.n)}">'
        f'<div class="pq-title"><span class="pq-n">{label or f"[{c.n}]"}</span> {html.escape(c.book_title)}</div>'
        f'<div class="pq-meta">{meta}</div>{warn_html}{heading}'
        f'<blockquote class="pq-text">{_highlighted(c)}</blockquote>'
        f'<div class="pq-where">{where} · {link}</div></div>'
    )


def sources_html(answer: Answer | None, turn: int = 1, question: str = "") -> str:
    """Cards for the cited paragraphs of one answer (or, with a refusal, the nearest related ones)."""
    if answer is None:
        return '<div class="pq-empty">提问后，这里显示答案引用的原文段落。</div>'
    asked = f'<div class="pq-asked">第{turn}问：{html.escape(question)}</div>' if question else ""
    if answer.citations:
        head = "引用的原文段落"
        cards = [source_card(c, turn=turn) for c in answer.citations]
    elif answer.related:
        head = "最接近的相关段落（未能回答，仅供参考，不是答案）"
        cards = [source_card(c, label=f"相关{c.n}", turn=turn) for c in answer.related]
    else:
        return f'<div class="pq-sources">{asked}<div class="pq-empty">没有可引用的段落。</div></div>'
    badge = MODE_BADGE.get(answer.mode, answer.mode)
    head_html = f'<div class="pq-head">{head} <span class="pq-badge">{badge}</span></div>'
    return f'<div class="pq-sources" id="pq-turn-{turn}">{asked}{head_html}{"".join(cards)}</div>'


def sources_panel(turns: list[tuple[int, str, Answer]]) -> str:
    """Every answer's cards, newest first: an older answer's [n] still opens its own paragraph."""
    if not turns:
        return sources_html(None)
    return "".join(sources_html(a, turn, q) for turn, q, a in reversed(turns))


def document_page(title: str, meta: dict[str, object], text: str, start: int, end: int, heading: str = "") -> str:
    """The whole document, escaped, with the cited paragraph marked and scrolled into view; a bar
    that stays at the top names the document and the heading the paragraph sits under."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    about = " · ".join(html.escape(str(meta[k])) for k in ("issuer", "date", "status", "region") if meta.get(k))
    body = (html.escape(text[:start]) + '<mark id="cited">' + html.escape(text[start:end]) + "</mark>"
            + html.escape(text[end:]))
    return (
        '<!doctype html><html lang="zh"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{DOC_CSS}</style></head><body>"
        f'<div class="bar" id="where">{html.escape(book_title(title))}'
        f'{f" › {html.escape(heading)}" if heading else ""}</div>'
        f"<h1>{html.escape(title)}</h1><div class=meta>{about}</div><pre>{body}</pre>"
        '<script>document.getElementById("cited").scrollIntoView({block:"center"});</script>'
        "</body></html>"
    )


DOC_CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC",sans-serif;max-width:860px;margin:2em auto;padding:0 1em;
color:#1f2328}
h1{font-size:1.3em}.meta{color:#57606a;margin-bottom:1em}
pre{white-space:pre-wrap;font-family:inherit;line-height:1.8}
mark{background:#fff3b0;outline:2px solid #e3b341}
#cited{scroll-margin-top:35vh}
.bar{position:sticky;top:0;background:#f6f8fa;border-bottom:1px solid #d0d7de;padding:6px 8px;font-size:0.9em;
color:#57606a;z-index:1}
"""

CSS = """
.pq-card{border:1px solid #d0d7de;border-radius:8px;padding:10px 12px;margin:8px 0;background:#fff}
.pq-title{font-weight:600}.pq-n{color:#0969da;margin-right:4px}
.pq-meta,.pq-where,.pq-heading{color:#57606a;font-size:0.85em}
.pq-text{margin:6px 0;padding-left:10px;border-left:3px solid #d0d7de;line-height:1.6}
.pq-text mark{background:#fff3b0}
.pq-head{font-weight:600;margin-bottom:4px}
.pq-badge{font-size:0.8em;background:#ddf4ff;color:#0969da;border-radius:10px;padding:1px 8px;margin-left:6px}
.pq-empty{color:#57606a}
.pq-caution{color:#9a6700;background:#fff8c5;border-radius:4px;padding:2px 6px;margin:4px 0;font-size:0.85em}
.pq-card:target{outline:3px solid #0969da}
.pq-ref{color:#0969da;font-weight:600;text-decoration:none}
.pq-asked{font-weight:600;color:#1f2328;margin:14px 0 2px;padding-top:8px;border-top:2px solid #d0d7de}
.pq-related{border-style:dashed;background:#f6f8fa}
.pq-badge,.pq-n{white-space:nowrap}
#pq-sources{max-height:560px !important;overflow-y:auto !important}
@media (max-width:640px){#pq-sources{max-height:none !important}}
"""

"""A match result as a checklist for a reply letter or an application plan: Markdown or CSV (opens
in Excel; a cell that would start a formula gets a leading apostrophe)."""

from __future__ import annotations

import csv
import io

from rag.match.matching import MatchResult
from rag.sanitize import csv_safe

CSV_COLUMNS = ["需求", "措施", "适用条件", "金额/比例", "期限", "是否符合", "匹配理由", "文件", "发文单位", "日期",
               "状态", "提示", "联系方式", "出处"]


def to_markdown(result: MatchResult) -> str:
    p = result.profile
    head = f"# 政策匹配清单\n\n所在地：{''.join(result.place) or p.region}　行业：{p.industry or '未填'}　" \
           f"需求：{'、'.join(p.needs) or '全部'}\n"
    if not result.matches:
        return head + f"\n{result.notice}\n"
    lines = [head]
    need = None
    for i, m in enumerate(result.matches, 1):
        if m.need != need:
            need = m.need
            lines.append(f"\n## {need}\n")
        c = m.citation
        lines.append(f"{i}. **{m.measure.text}**")
        if m.measure.conditions:
            lines.append(f"   - 条件：{'；'.join(m.measure.conditions)}")
        lines.append(f"   - 金额：{'、'.join(m.measure.amounts) or '未写明金额'}")
        if m.measure.period:
            lines.append(f"   - 期限：{m.measure.period}")
        lines.append(f"   - {m.fit}{('：' + m.reason) if m.reason else ''}")
        caution = c.caution()
        lines.append(f"   - 出处：{c.book_title}{('（' + c.issuer + '，' + c.date + '）') if c.issuer else ''}"
                     f"{c.headings and ' ' + c.headings}{('　⚠ ' + caution) if caution else ''}")
        if m.contact:
            lines.append(f"   - 联系：{m.contact}")
    return "\n".join(lines) + "\n"


def to_csv(result: MatchResult) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 with a BOM
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for m in result.matches:
        c = m.citation
        row = [m.need, m.measure.text, "；".join(m.measure.conditions), "、".join(m.measure.amounts) or "未写明金额",
               m.measure.period, m.fit, m.reason, c.title, c.issuer, c.date, c.status, c.caution(), m.contact,
               f"{c.doc}#{c.start}-{c.end}"]
        writer.writerow([csv_safe(cell) for cell in row])
    return out.getvalue()

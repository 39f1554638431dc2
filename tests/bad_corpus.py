"""The bad-file corpus of tests/test_bad_files.py, built from the project's own seed documents."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import CORPUS, SHILING

BAIYUN = "002_3ece8e73cf75ce2e.txt"  # 白云区服装产业
FASHION = "001_4cc97f4c278e948c.txt"  # 广州市时尚产业集群三年行动计划
PINGHU = "003_a4fedecb2657bce9.txt"  # 平湖市箱包产业实施意见 (contains ™, which GBK cannot encode)
LUCHENG = "004_5c0ad6af60aa3ab1.txt"  # 鹿城区鞋业提案答复

CHINESE_NAME = "广州 皮具 政策 说明.txt"
TABLE_HEADER = "序号 | 展会名称 | 展会类别 | 补助标准"
CITIES = ["米兰", "巴黎", "香港", "东京", "纽约", "杜塞尔多夫", "拉斯维加斯", "迪拜", "莫斯科", "圣保罗", "新加坡",
          "首尔"]
FAIRS = ["国际皮革展", "箱包展", "鞋业展", "时装周", "面料辅料展"]
UNREADABLE = {  # file name -> words its reason must contain
    "empty.txt": ["empty"],
    "junk.txt": ["binary"],
    "huge.txt": ["too large", "50.0 MB", "20 MB", "POLICY_QA_MAX_FILE_MB"],
    "truncated.pdf": ["truncated"],
    "scanned.pdf": ["no text layer", "OCR"],
}
READABLE = {"notice_gbk.txt", "notice_gb18030.txt", "notice_utf8_bom.txt", CHINESE_NAME, "dup_a.txt",
            "policy.html", "exhibition_table.docx"}  # dup_b.txt is dup_a.txt again: indexed once
SOURCES = {  # file -> (seed document, first line, end line): a different passage each, so no two are duplicates
    "notice_gbk.txt": (SHILING, 0, 8),
    "notice_gb18030.txt": (PINGHU, 21, 27),
    "notice_utf8_bom.txt": (LUCHENG, 0, 7),
    CHINESE_NAME: (BAIYUN, 8, 17),
    "dup_a.txt": (FASHION, 40, 46),
}


def seed(name: str, first: int = 0, last: int | None = None) -> str:
    """Non-blank lines first..last-1 of a seed document, one per line."""
    lines = [line for line in (CORPUS / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    return "\n".join(lines[first:last]) + "\n"


def source(name: str) -> str:
    return seed(*SOURCES[name])


# -- building the corpus ---------------------------------------------------------------------------
def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file of these objects, numbered from 1; object 1 is the catalog."""
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def _stream(entries: bytes, data: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n" % (entries, len(data)) + data + b"\nendstream"


def _page(contents: int, resources: bytes) -> bytes:
    return b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R /Resources %s >>" % (
        contents, resources)


def text_pdf(lines: list[str]) -> bytes:
    """One page per line, each with a text layer (Helvetica, so ASCII)."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    kids = []
    for line in lines:
        objs.append(_stream(b"", b"BT /F1 11 Tf 60 780 Td (%s) Tj ET" % line.encode("ascii")))
        objs.append(_page(len(objs), b"<< /Font << /F1 3 0 R >> >>"))
        kids.append(b"%d 0 R" % len(objs))
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    return _pdf(objs)


def scanned_pdf() -> bytes:
    """One page that only shows an image, as a scanner makes it: no text layer."""
    pixels = bytes(range(256)) * 16  # 64 x 64 grey
    return _pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        _page(4, b"<< /XObject << /Im1 5 0 R >> >>"),
        _stream(b"", b"q 475 0 0 475 60 300 cm /Im1 Do Q"),
        _stream(b"/Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray "
                b"/BitsPerComponent 8", pixels),
    ])


def table_rows() -> list[list[str]]:
    """60 overseas trade fairs and their subsidies: about five chunks' worth of rows."""
    rows = []
    for i in range(60):
        fair = CITIES[i // 5] + FAIRS[i % 5]
        rows.append([str(i + 1), fair, "境外展会", f"按展位费的{50 + i % 3 * 10}%补助，每家最高{i % 7 + 2}万元"])
    return rows


def table_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    for line in seed(FASHION, 6, 8).splitlines():
        d.add_paragraph(line)
    d.add_paragraph("附表：境外展会补助标准")
    rows = [TABLE_HEADER.split(" | "), *table_rows()]
    table = d.add_table(rows=len(rows), cols=4)
    for r, cells in enumerate(rows):
        for c, value in enumerate(cells):
            table.cell(r, c).text = value
    d.add_paragraph("以上补助按年度申报，由市商务局会同市财政局审核后拨付。")
    d.save(str(path))


def policy_html() -> str:
    body = "".join(f'<p style="text-indent:2em;font-family:宋体">{line}</p>\n'
                   for line in seed(PINGHU, 31, 37).splitlines())
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>平湖市箱包产业主要任务</title>\n'
        "<style>p { color: #c00; margin: 0 } .hidden { display: none }</style>\n"
        "<script>var tracker = 'SCRIPT_TEXT'; document.write('脚本里的文字');</script></head>\n"
        f'<body onload="init()"><div style="width:800px">\n{body}'
        '<script type="text/javascript">window.alert("弹窗脚本");</script>\n'
        "<style>.footer{background:url(x.png)}</style></div></body></html>\n"
    )


def build_bad_corpus(dest: Path) -> Path:
    dest.mkdir(parents=True)
    (dest / "notice_gbk.txt").write_bytes(source("notice_gbk.txt").encode("gbk"))
    (dest / "notice_gb18030.txt").write_bytes(source("notice_gb18030.txt").encode("gb18030"))
    (dest / "notice_utf8_bom.txt").write_bytes(source("notice_utf8_bom.txt").encode("utf-8-sig"))
    (dest / CHINESE_NAME).write_text(source(CHINESE_NAME), encoding="utf-8")
    dup = source("dup_a.txt").encode("utf-8")
    (dest / "dup_a.txt").write_bytes(dup)
    (dest / "dup_b.txt").write_bytes(dup)
    (dest / "policy.html").write_text(policy_html(), encoding="utf-8")
    table_docx(dest / "exhibition_table.docx")
    (dest / "empty.txt").write_bytes(b"")
    (dest / "junk.txt").write_bytes(os.urandom(64 * 1024))
    pdf = text_pdf([f"Page {i}: trade fair subsidy of {i}0000 yuan per company" for i in range(1, 9)])
    (dest / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    (dest / "scanned.pdf").write_bytes(scanned_pdf())
    block = seed(FASHION).encode("utf-8")
    with (dest / "huge.txt").open("wb") as f:
        for _ in range(50 * 2**20 // len(block) + 1):
            f.write(block)
    return dest

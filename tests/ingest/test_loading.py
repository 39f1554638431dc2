from pathlib import Path

import pytest

from rag.ingest.loading import LoadError, load_corpus, load_file, load_manifest
from tests.conftest import CORPUS

TEXT = "平湖市推动箱包产业高质量发展，每年举办箱包设计大赛。"


def test_seed_corpus_and_manifest() -> None:
    report = load_corpus(CORPUS)
    assert not report.errors and len(report.documents) == 5
    manifest = load_manifest(CORPUS)
    assert set(manifest) == {d.doc_id for d in report.documents}
    for entry in manifest.values():
        for field in ("title", "issuer", "date", "region", "industry", "doc_type", "status", "contact"):
            assert field in entry
    pinghu = next(d for d in report.documents if d.doc_id.startswith("003_"))
    assert pinghu.meta["status"] == "讨论稿" and pinghu.meta["region"] == "平湖市"
    # offsets refer to the file as stored
    raw = (CORPUS / pinghu.doc_id).read_text(encoding="utf-8")
    assert pinghu.text == raw


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8"])
def test_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    p = tmp_path / "doc.txt"
    p.write_bytes(TEXT.encode(encoding))
    assert load_file(p).text == TEXT


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [("empty.txt", b"", "empty"), ("junk.txt", bytes(range(256)) * 20, "binary"), ("x.xlsx", b"abc", "unsupported")],
)
def test_unreadable_files_raise_naming_the_file(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(LoadError) as err:
        load_file(p)
    assert name in str(err.value) and reason in str(err.value)


def test_html_drops_script_and_style(tmp_path: Path) -> None:
    p = tmp_path / "page.html"
    p.write_text(f"<html><head><style>p{{color:red}}</style><script>alert(1)</script></head>"
                 f"<body><h1>标题</h1><p>{TEXT}</p></body></html>", encoding="utf-8")
    text = load_file(p).text
    assert TEXT in text and "alert" not in text and "color" not in text


def test_docx_keeps_tables_with_header_row(tmp_path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph(TEXT)
    table = d.add_table(rows=3, cols=2)
    for r, (a, b) in enumerate([("项目", "补助标准"), ("境外展会", "5万元"), ("国内展会", "2万元")]):
        table.cell(r, 0).text, table.cell(r, 1).text = a, b
    p = tmp_path / "规定 附表.docx"
    d.save(p)
    text = load_file(p).text
    assert TEXT in text and "项目 | 补助标准" in text and "境外展会 | 5万元" in text


def _pdf_with_text(text: str) -> bytes:
    """A minimal one-page PDF whose text layer holds `text` (ASCII)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return out


def test_pdf_text_layer_and_broken_pdf(tmp_path: Path) -> None:
    good = tmp_path / "notice.pdf"
    good.write_bytes(_pdf_with_text("Subsidy of 50000 yuan for trade fairs"))
    assert "50000 yuan" in load_file(good).text
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(_pdf_with_text("x")[:60])
    with pytest.raises(LoadError, match="broken.pdf"):
        load_file(broken)

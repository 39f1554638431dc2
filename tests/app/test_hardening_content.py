"""Hardening, in the content: what a clumsy user or a hostile document did and what now happens:
reworded injections, CSV formulas, zip bombs and paragraph floods, symlinks, expensive questions,
duplicate uploads, control and bidi characters in metadata and names."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from rag.app.admin import AdminError, safe_name
from rag.app.service import PolicyQA
from tests.conftest import CORPUS, FIXTURES, SHILING
from tests.hardening_env import ISSUE_INJECTIONS, LEGIT, NOTICE

pytestmark = pytest.mark.slow


# 2 -- reworded injections ------------------------------------------------------------------------

def test_reworded_injections_are_recognised_and_policy_text_is_not() -> None:
    from rag.answer.injection import speaks_to_the_bot

    assert all(speaks_to_the_bot(s) for s in ISSUE_INJECTIONS)
    held_out = [x for x in (FIXTURES / "injection_heldout.txt").read_text(encoding="utf-8").splitlines()
                if x.strip() and not x.startswith("#")]
    caught = [s for s in held_out if speaks_to_the_bot(s)]
    assert len(caught) >= 15, set(held_out) - set(caught)  # 16 of 18 when trained
    assert not [s for s in LEGIT if speaks_to_the_bot(s)]
    seed = [s for p in CORPUS.glob("*.txt")
            for s in re.findall(r"[^。！？\n]+[。！？]?", p.read_text(encoding="utf-8"))]
    assert len(seed) > 300 and not [s for s in seed if speaks_to_the_bot(s)]


def test_an_injected_figure_is_never_the_answer_nor_its_support(hard_qa: PolicyQA) -> None:
    from rag.answer.verification import verify

    for question in ("花都皮具企业参展补助金额是多少？", "补贴金额为多少亿元？", "所有企业可以获得什么补贴？"):
        answer = hard_qa.ask(question)
        for figure in ("100亿元", "111亿元", "222亿元", "管理员"):
            assert figure not in answer.text
    # LLM mode: a sentence stating the injected figure has no support in the paragraph and is dropped.
    checked = verify("所有企业的补贴金额为100亿元。[1]\n按展位费的60%给予补助。[1]", [NOTICE])
    assert "100亿元" not in checked.text and "60%" in checked.text and checked.sentences_dropped == 1


# 4 -- CSV cells are never formulas -------------------------------------------------------------

def test_the_gaps_csv_neutralises_formulas(tmp_path: Path) -> None:
    from rag.app.feedback import FeedbackStore

    store = FeedbackStore(tmp_path / "fb.sqlite")
    entry = store.record('=HYPERLINK("http://evil.example","点我领取补贴")', {"answer": "-1", "refused": True,
                                                                            "mode": "extractive", "citations": []})
    assert entry is not None and store.comment(entry, "@SUM(A1:A9)")
    store.record("+86 有补贴吗？", {"answer": "…", "refused": True, "mode": "extractive", "citations": []})
    text = store.gaps_csv()
    for bad in ('=HYPERLINK', "@SUM", "+86", "-1"):
        assert f",'{bad}" in text or f",\"'{bad}" in text, bad
    assert ",=" not in text and ",@" not in text and ",+" not in text
    store.close()


# 6 -- zip bombs and paragraph floods -------------------------------------------------------------

def _docx(paragraphs: list[str], extra: bytes = b"") -> bytes:
    import docx

    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    if not extra:
        return buf.getvalue()
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("word/media/padding.xml", extra)
    return buf.getvalue()


def test_a_zip_bomb_or_paragraph_flood_is_refused_and_nothing_changes(hard_qa: PolicyQA) -> None:
    before = hard_qa.documents()
    bomb = _docx(["补助通知。"], extra=b"0" * (8 * 2**20))  # 8 MB of XML in a file of ~10 KB
    assert len(bomb) < 100_000
    with pytest.raises(AdminError, match="unpacks to 9 MB"):
        hard_qa.admin.upload("bomb.docx", bomb)
    flood = _docx([f"第{i}段。" for i in range(2500)])
    with pytest.raises(AdminError, match="2500 paragraphs"):
        hard_qa.admin.upload("flood.docx", flood)
    assert hard_qa.documents() == before
    assert hard_qa.settings.corpus.path_of("bomb.docx") is None
    # placed in the folder by hand, the next ingest names it and leaves the index as it was
    (hard_qa.settings.corpus_dir / "bomb.docx").write_bytes(bomb)
    try:
        report = hard_qa.ingest()
        assert [Path(e.path).name for e in report.errors] == ["bomb.docx"] and "unpacks" in report.errors[0].reason
        assert hard_qa.documents() == before
    finally:
        (hard_qa.settings.corpus_dir / "bomb.docx").unlink()


# 7 -- symbolic links are not followed ------------------------------------------------------------

def test_a_symlink_in_the_corpus_is_named_and_skipped(hard_qa: PolicyQA, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("内部绝密：服务器root密码是hunter2，补贴名单见附件。\n", encoding="utf-8")
    link = hard_qa.settings.corpus_dir / "link.txt"
    link.symlink_to(outside)
    try:
        report = hard_qa.ingest()
        assert any(Path(e.path).name == "link.txt" and "symbolic link" in e.reason for e in report.errors)
        assert hard_qa.document("link.txt") is None
        assert "hunter2" not in hard_qa.ask("服务器root密码是什么？").text
    finally:
        link.unlink()


# 9 -- expensive questions ------------------------------------------------------------------------

def test_the_work_per_question_is_bounded(hard_qa: PolicyQA, monkeypatch: pytest.MonkeyPatch) -> None:
    import jieba.posseg as pseg

    from rag.index.embeddings import QUERY_MAX_CHARS

    embedded: list[int] = []
    tagged: list[tuple[int, bool]] = []
    real_embed, real_tag = hard_qa.embedder._embed, pseg.lcut
    monkeypatch.setattr(hard_qa.embedder, "_embed", lambda texts, is_query: (
        embedded.extend(map(len, texts)) if is_query else None) or real_embed(texts, is_query=is_query))
    monkeypatch.setattr(pseg, "lcut", lambda text, HMM=True: tagged.append((len(text), HMM)) or real_tag(text, HMM=HMM))
    rare = "".join(chr(0x4E00 + (i * 37) % 20000) for i in range(5000))
    answer = hard_qa.ask(rare)
    assert "只按前2000字检索" in answer.notice
    # The encoder sees at most the opening of a question; the unknown-word HMM (seconds on a long
    # run of rare characters) runs only on question-sized text.
    assert embedded and max(embedded) <= QUERY_MAX_CHARS
    assert tagged and all(n <= 300 for n, hmm in tagged if hmm)


# 10, 11 -- duplicate uploads, control characters in metadata, bidi characters in names ---------------

def test_a_duplicate_upload_is_refused_naming_the_original(hard_qa: PolicyQA) -> None:
    data = (CORPUS / SHILING).read_bytes()
    with pytest.raises(AdminError, match=SHILING):
        hard_qa.admin.upload("copy-of-shiling.txt", data)
    assert hard_qa.settings.corpus.path_of("copy-of-shiling.txt") is None


@pytest.mark.parametrize("field, value", [("title", "标题\r第二行"), ("issuer", "区经信局\x00"),
                                          ("region", "花都\u202e区"), ("industry", ["皮具", "箱\x1b包"])])
def test_metadata_with_control_characters_is_refused_before_anything_is_written(
        hard_qa: PolicyQA, field: str, value: object) -> None:
    name = "metadata-check.txt"
    text = "花都区箱包企业设计奖励通知。\n对获奖设计师给予每人2万元奖励。\n".encode()
    with pytest.raises(AdminError, match=field):
        hard_qa.admin.upload(name, text, {field: value})
    assert hard_qa.settings.corpus.path_of(name) is None and hard_qa.document(name) is None
    # nothing left behind: the same name uploads cleanly afterwards
    assert hard_qa.admin.upload(name, text, {"title": "设计奖励通知"}).chunks >= 1
    hard_qa.admin.delete(name)


def test_names_with_bidi_controls_are_refused() -> None:
    for name in ("evil\u202etxt.docx", "a\u2066b.txt", "x\u200fy.md"):
        with pytest.raises(AdminError):
            safe_name(name)

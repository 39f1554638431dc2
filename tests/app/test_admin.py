from pathlib import Path

import pytest

from rag.app.admin import AdminError, safe_name
from rag.app.auth import LockedOut, PasswordGate
from rag.app.service import PolicyQA
from rag.ingest.manifest import load_manifest
from rag.settings import Settings
from tests.conftest import PINGHU


@pytest.fixture()
def qa(fresh_settings: Settings, e5) -> PolicyQA:
    q = PolicyQA(fresh_settings, embedder=e5)
    q.ingest()
    return q


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


def test_upload_replace_delete_and_metadata(qa: PolicyQA) -> None:
    seed, staff = qa.settings.corpus_dir, qa.settings.corpus.writable
    shipped = _tree(seed)
    text = "鹿城区鞋企展会补助\n参加国际鞋展的鹿城鞋企，每家每年最高补助5万元。\n".encode()
    result = qa.admin.upload("展会 补助.txt", text, {"title": "鹿城鞋企展会补助", "industry": "鞋，时尚"})
    assert result.doc_id == "展会 补助.txt" and not result.replaced and result.chunks >= 1
    assert "5万元" in qa.ask("鹿城鞋企参加国际鞋展每家最高补助多少？").text
    assert (staff / "展会 补助.txt").read_bytes() == text
    assert load_manifest(staff)["展会 补助.txt"]["industry"] == ["鞋", "时尚"]
    with pytest.raises(AdminError, match="已存在"):
        qa.admin.upload("展会 补助.txt", text)
    qa.admin.upload("展会 补助.txt", text.replace("5万元".encode(), "6万元".encode()), replace=True)
    assert "6万元" in qa.ask("鹿城鞋企参加国际鞋展每家最高补助多少？").text
    qa.admin.update_meta(PINGHU, {"status": "正式发布", "aliases": "平湖，平湖箱包"})
    assert load_manifest(staff)[PINGHU] == {"status": "正式发布", "aliases": ["平湖", "平湖箱包"]}
    assert next(d for d in qa.documents() if d["doc"] == PINGHU)["status"] == "正式发布"
    qa.admin.delete("展会 补助.txt")
    assert not (staff / "展会 补助.txt").exists() and "展会 补助.txt" not in load_manifest(staff)
    assert all(not c.startswith("展会") for c in qa.store.ids())
    assert qa.ingest().chunks_embedded == 0  # the corpus and the index agree
    assert _tree(seed) == shipped  # the shipped folder was never written
    assert next(d for d in qa.documents() if d["doc"] == PINGHU)["status"] == "正式发布"  # edits outlive ingest


def test_shipped_documents_replaced_and_withdrawn_in_the_staff_folder(qa: PolicyQA) -> None:
    seed, staff = qa.settings.corpus_dir, qa.settings.corpus.writable
    shipped = _tree(seed)
    new = "平湖市箱包产业政策（修订）\n平湖箱包企业参加境外展会，每家最高补助7万元。\n".encode()
    assert qa.admin.upload(PINGHU, new, replace=True).replaced
    assert (staff / PINGHU).read_bytes() == new and "7万元" in qa.ask("平湖箱包企业参加境外展会最高补助多少？").text
    assert qa.ingest().chunks_embedded == 0  # the staff file stands for the shipped one
    qa.admin.delete(PINGHU)
    assert qa.document(PINGHU) is None and load_manifest(staff)[PINGHU] == {"withdrawn": True}
    report = qa.ingest()
    assert PINGHU not in report.added and qa.document(PINGHU) is None  # not brought back by ingest
    assert _tree(seed) == shipped
    qa.admin.upload(PINGHU, shipped[PINGHU])  # uploading it again lifts the withdrawal
    assert qa.document(PINGHU) is not None and PINGHU not in load_manifest(staff)
    assert qa.ingest().chunks_embedded == 0


def test_bad_upload_is_rejected_and_the_index_untouched(qa: PolicyQA) -> None:
    folders = (qa.settings.corpus_dir, qa.settings.corpus.writable)
    before = (qa.store.ids(), qa.catalog.vector_ids(), [_tree(f) for f in folders])
    for name, data, reason in [
        ("broken.pdf", b"%PDF-1.4 truncated", "无法读取"),
        ("empty.txt", b"", "无法读取"),
        ("junk.txt", bytes(range(256)) * 10, "无法读取"),
        ("virus.exe", b"MZ", "不支持的文件类型"),
        ("../../etc/passwd.txt", b"x", "不允许的文件名"),
        (".hidden.txt", b"x", "不允许的文件名"),
        ("manifest.toml", b"x", "manifest"),
    ]:
        with pytest.raises(AdminError, match=reason):
            qa.admin.upload(name, data)
    with pytest.raises(AdminError, match="过大"):
        qa.admin.upload("big.txt", b"a" * (qa.admin.max_bytes + 1))
    after = (qa.store.ids(), qa.catalog.vector_ids(), [_tree(f) for f in folders])
    assert after == before


def test_safe_names() -> None:
    assert safe_name("平湖 箱包 (2024).docx") == "平湖 箱包 (2024).docx"
    for bad in ("a/b.txt", "..", "C:\\x.txt", "a\x00.txt", ""):
        with pytest.raises(AdminError):
            safe_name(bad)


def test_password_gate_rate_limits_failures() -> None:
    gate = PasswordGate("right", max_failures=3, window_s=60)
    assert not PasswordGate("").enabled and not PasswordGate("").check("")
    assert gate.check("right", "a")
    for _ in range(3):
        assert not gate.check("wrong", "a")
    with pytest.raises(LockedOut):
        gate.check("right", "a")
    assert gate.check("right", "b")  # another client is not locked out


def test_manifest_roundtrip(tmp_path: Path) -> None:
    from rag.ingest.manifest import save_manifest

    data = {"a \"b\".txt": {"title": 'x"y\\z', "industry": ["鞋", "皮具"], "n": 3}}
    save_manifest(tmp_path, data)
    assert load_manifest(tmp_path) == data

from pathlib import Path

import pytest

from rag.admin import AdminError, safe_name
from rag.auth import LockedOut, PasswordGate
from rag.manifest import load_manifest
from rag.service import PolicyQA
from rag.settings import Settings
from tests.conftest import PINGHU


@pytest.fixture()
def qa(fresh_settings: Settings, e5) -> PolicyQA:
    q = PolicyQA(fresh_settings, embedder=e5)
    q.ingest()
    return q


def test_upload_replace_delete_and_metadata(qa: PolicyQA) -> None:
    text = "鹿城区鞋企展会补助\n参加国际鞋展的鹿城鞋企，每家每年最高补助5万元。\n".encode()
    result = qa.admin.upload("展会 补助.txt", text, {"title": "鹿城鞋企展会补助", "industry": "鞋，时尚"})
    assert result.doc_id == "展会 补助.txt" and not result.replaced and result.chunks >= 1
    assert "5万元" in qa.ask("鹿城鞋企参加国际鞋展每家最高补助多少？").text
    manifest = load_manifest(qa.settings.corpus_dir)
    assert manifest["展会 补助.txt"]["industry"] == ["鞋", "时尚"] and PINGHU in manifest
    with pytest.raises(AdminError, match="已存在"):
        qa.admin.upload("展会 补助.txt", text)
    qa.admin.upload("展会 补助.txt", text.replace("5万元".encode(), "6万元".encode()), replace=True)
    assert "6万元" in qa.ask("鹿城鞋企参加国际鞋展每家最高补助多少？").text
    qa.admin.update_meta(PINGHU, {"status": "正式发布", "aliases": "平湖，平湖箱包"})
    assert load_manifest(qa.settings.corpus_dir)[PINGHU]["status"] == "正式发布"
    assert next(d for d in qa.documents() if d["doc"] == PINGHU)["status"] == "正式发布"
    qa.admin.delete("展会 补助.txt")
    assert not (qa.settings.corpus_dir / "展会 补助.txt").exists()
    assert "展会 补助.txt" not in load_manifest(qa.settings.corpus_dir)
    assert all(not c.startswith("展会") for c in qa.store.ids())
    assert qa.ingest().chunks_embedded == 0  # the corpus folder and the index agree


def test_bad_upload_is_rejected_and_the_index_untouched(qa: PolicyQA) -> None:
    before = (qa.store.ids(), qa.catalog.vector_ids(), sorted(p.name for p in qa.settings.corpus_dir.iterdir()))
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
    after = (qa.store.ids(), qa.catalog.vector_ids(), sorted(p.name for p in qa.settings.corpus_dir.iterdir()))
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
    from rag.manifest import save_manifest

    data = {"a \"b\".txt": {"title": 'x"y\\z', "industry": ["鞋", "皮具"], "n": 3}}
    save_manifest(tmp_path, data)
    assert load_manifest(tmp_path) == data

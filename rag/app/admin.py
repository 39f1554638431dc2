"""Document administration: upload, replace and delete documents, edit their metadata.

Every change is validated before it touches the corpus or the index: a file that cannot be read
is rejected with the reason and the existing index stays as it was.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rag.index.catalog import Catalog
from rag.index.indexing import Indexer, Progress
from rag.index.lexical import add_words
from rag.index.writer_lock import IndexBusyError
from rag.ingest.corpus import WITHDRAWN, Corpus
from rag.ingest.loading import SUPPORTED_SUFFIXES, LoadError, load_file, manifest_words
from rag.ingest.manifest import MANIFEST_NAME
from rag.sanitize import unsafe_in_field

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
EDITABLE_FIELDS = ("title", "issuer", "doc_number", "date", "region", "industry", "doc_type", "status",
                   "valid_period", "contact", "aliases")
LIST_FIELDS = ("industry", "aliases")
_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


class AdminError(ValueError):
    """A request the admin cannot carry out; the message is meant for the user."""


@dataclass(frozen=True)
class UploadResult:
    doc_id: str
    replaced: bool
    chunks: int


def safe_name(name: str) -> str:
    """A plain file name inside the corpus folder, or AdminError: no paths, no hidden files."""
    base = (name or "").strip()
    if not base or base != Path(base).name or base in (".", "..") or base.startswith("."):
        raise AdminError(f"不允许的文件名：{name!r}（只能是文件名，不能含路径）")
    too_long = len(base.encode("utf-8", "replace")) > 200  # file systems count bytes
    if _BAD_NAME.search(base) or unsafe_in_field(base) or too_long:
        raise AdminError(f"不允许的文件名：{name!r}（含不允许的字符或过长）")
    if base == MANIFEST_NAME:
        raise AdminError("不能上传或删除 manifest.toml")
    if Path(base).suffix.lower() not in SUPPORTED_SUFFIXES:
        suffix = Path(base).suffix or "（无扩展名）"
        raise AdminError(f"不支持的文件类型 {suffix}，支持：{'、'.join(SUPPORTED_SUFFIXES)}")
    return base


def clean_meta(fields: dict[str, Any]) -> dict[str, Any]:
    """Only known fields; lists from comma-separated text; surrounding spaces trimmed. A field holding
    a control, line-break or bidi character is refused naming the field (before anything is written)."""
    meta: dict[str, Any] = {}
    for key in EDITABLE_FIELDS:
        if key not in fields or fields[key] is None:
            continue
        value = fields[key]
        if key in LIST_FIELDS:
            items = value if isinstance(value, list | tuple) else re.split(r"[,，、;；\s]+", str(value))
            meta[key] = [str(v).strip() for v in items if str(v).strip()]
        else:
            meta[key] = str(value).strip()
        name = f"元数据字段 {key}（{FIELD_LABELS.get(key, key)}）"
        for item in meta[key] if key in LIST_FIELDS else [meta[key]]:
            bad = unsafe_in_field(item)
            if bad is not None:
                raise AdminError(f"{name}含不允许的字符 U+{ord(bad):04X}，未保存")
            if len(item) > 500:
                raise AdminError(f"{name}过长（{len(item)} 字，上限 500），未保存")
    return meta


FIELD_LABELS = {"title": "标题", "issuer": "发文机关", "doc_number": "文号", "date": "日期", "region": "地区",
          "industry": "行业", "doc_type": "文件类型", "status": "状态", "valid_period": "有效期",
          "contact": "联系方式", "aliases": "简称"}


class DocumentAdmin:
    """Writes only to the corpus's staff folder: the shipped corpus/ stays as it is in git."""

    def __init__(self, corpus: Corpus, catalog: Catalog, indexer: Indexer,
                 max_bytes: int = MAX_UPLOAD_BYTES) -> None:
        self.corpus = corpus
        self.catalog = catalog
        self.indexer = indexer
        self.max_bytes = max_bytes

    def upload(self, name: str, data: bytes, meta: dict[str, Any] | None = None, replace: bool = False,
               progress: Progress | None = None) -> UploadResult:
        """Add (or replace) a document and index it; nothing changes if the file cannot be read."""
        doc_id = safe_name(name)
        if len(data) > self.max_bytes:
            size, limit = len(data) / 2**20, self.max_bytes / 2**20
            raise AdminError(f"{doc_id}：文件过大（{size:.1f} MB，上限 {limit:.0f} MB）")
        folder = self.corpus.writable
        target = folder / doc_id
        exists = self.corpus.path_of(doc_id) is not None or target.is_symlink()
        if exists and not replace:
            raise AdminError(f"{doc_id} 已存在；如需更新，请选择“替换”")
        fields = clean_meta(meta or {})  # refused before anything is written
        digest = hashlib.sha256(data).hexdigest()
        same = sorted({r.doc_id for r in self.catalog.documents()
                       if r.content_hash.split(":")[0] == digest and r.doc_id != doc_id})
        if same:
            raise AdminError(f"{doc_id}：与已有文件 {same[0]} 内容完全相同，未上传")
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=Path(doc_id).suffix, dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            entry = {**self.corpus.manifest().get(doc_id, {}), **fields}
            try:
                doc = load_file(Path(tmp), entry, limits=self.indexer.limits)
            except LoadError as err:
                raise AdminError(f"{doc_id}：无法读取（{err.reason}），已拒绝，现有索引未改动") from err
            previous = self.corpus.overlay()
            overlay = dict(previous)
            staff = {k: v for k, v in overlay.pop(doc_id, {}).items() if k != WITHDRAWN} | fields
            if staff:
                overlay[doc_id] = staff
            if overlay != previous:  # a shipped document uploaded again is no longer withdrawn
                self.corpus.save_overlay(overlay)
            try:
                os.replace(tmp, target)
            except BaseException:
                if overlay != previous:
                    self.corpus.save_overlay(previous)  # a failure leaves neither file nor entry
                raise
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        doc = dataclasses.replace(doc, doc_id=doc_id)
        add_words(manifest_words({doc_id: entry}))
        try:
            chunks = self.indexer.index_document(doc, progress=progress)
        except IndexBusyError as exc:  # the file is in place; the next ingest indexes it
            raise AdminError(f"{doc_id} 已保存，但索引正被另一个进程写入，稍后重新索引即可（{exc}）") from exc
        return UploadResult(doc_id, exists, chunks)

    def delete(self, doc_id: str) -> None:
        """Remove a document from the index; a shipped one is marked withdrawn, never deleted."""
        doc_id = safe_name(doc_id)
        if self.catalog.document(doc_id) is None and self.corpus.path_of(doc_id) is None:
            raise AdminError(f"没有名为 {doc_id} 的文件")
        self.indexer.remove(doc_id)
        (self.corpus.writable / doc_id).unlink(missing_ok=True)
        overlay = self.corpus.overlay()
        if self.corpus.shipped(doc_id):
            overlay[doc_id] = {WITHDRAWN: True}
        elif overlay.pop(doc_id, None) is None:
            return
        self.corpus.save_overlay(overlay)

    def update_meta(self, doc_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Write edited metadata to the staff manifest and the index (no re-embedding needed)."""
        doc_id = safe_name(doc_id)
        if self.catalog.document(doc_id) is None:
            raise AdminError(f"索引中没有 {doc_id}")
        changed = clean_meta(fields)
        overlay = self.corpus.overlay()
        overlay[doc_id] = {**overlay.get(doc_id, {}), **changed}
        self.corpus.save_overlay(overlay)
        entry = self.corpus.manifest()[doc_id]
        self.catalog.update_meta(doc_id, entry)
        add_words(manifest_words({doc_id: entry}))
        return entry

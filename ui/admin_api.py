"""The document admin over HTTP: list, upload, delete, re-index. Every call needs the admin password
in the `X-Admin-Password` header, checked by the same gate as the admin tab (constant time, failures
rate-limited per client). A password that is not plain ASCII is sent percent-encoded (UTF-8)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Body, FastAPI, File, Form, Header, HTTPException, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, StrictBool

from rag.app.admin import AdminError
from rag.app.auth import LockedOut, PasswordGate
from rag.app.ratelimit import RateLimit, RateLimited
from rag.app.service import PolicyQA
from ui.access import client_host


def limit_bodies(app: FastAPI, upload_bytes: int, request_bytes: int) -> None:
    """Refuse a request body over its limit (or of unknown length) before it is read: uploads (the
    admin API, Gradio's upload route) up to the upload limit, anything else (a question with its
    history) up to request_bytes. FastAPI parses a multipart body before a route could check it."""
    uploads = ("/api/admin/", "/gradio_api/upload")
    # Gradio's upload route needs no password (the admin tab's file box uses it): its files stay in a
    # temporary folder for an hour, so each client may send only so many.
    anonymous_uploads = RateLimit(20, window_s=3600)

    @app.middleware("http")
    async def _limit(request: Request, call_next: Any) -> Any:
        if request.method == "POST" and request.url.path.startswith("/gradio_api/upload"):
            try:
                anonymous_uploads.hit(client_host(request))
            except RateLimited as exc:
                return JSONResponse({"detail": f"上传过于频繁，请 {exc.wait_s} 秒后再试"}, status_code=429)
        if request.method in ("POST", "PUT", "PATCH"):
            limit = upload_bytes + 64 * 1024 if request.url.path.startswith(uploads) else request_bytes
            length = request.headers.get("content-length")
            if length is None or not length.isdigit():
                return JSONResponse({"detail": "需要 Content-Length"}, status_code=411)
            if int(length) > limit:
                what = f"文件过大（上限 {upload_bytes // 2**20} MB）" if limit > request_bytes else \
                    f"请求过大（上限 {request_bytes // 1024} KB）"
                return JSONResponse({"detail": what}, status_code=413)
        return await call_next(request)


class ReindexIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rebuild: StrictBool = False  # "false" (a string) is refused, not taken as true


def admin_routes(qa: PolicyQA, gate: PasswordGate) -> APIRouter:
    router = APIRouter(prefix="/api/admin")
    limit = qa.settings.max_upload_mb * 2**20

    def authorise(request: Request, password: str | None) -> None:
        if not gate.enabled:
            raise HTTPException(status_code=403, detail="文档管理未启用：请设置 POLICY_QA_ADMIN_PASSWORD")
        client = client_host(request)
        # HTTP headers are ASCII: a password with other characters is sent percent-encoded (UTF-8).
        raw = password or ""
        decoded = unquote(raw) if "%" in raw else raw
        try:
            ok = gate.check(raw, client, *([decoded] if decoded != raw else []))
        except LockedOut as exc:
            raise HTTPException(status_code=429, detail=str(exc)) from None
        if not ok:
            raise HTTPException(status_code=401, detail="管理密码错误")

    @router.get("/documents")
    def documents(request: Request, x_admin_password: str | None = Header(None)) -> list[dict[str, Any]]:
        authorise(request, x_admin_password)
        return qa.documents()

    def not_during_reindex() -> None:
        if qa.reindex.status()["running"]:
            raise HTTPException(status_code=409, detail="重新索引进行中，请稍后再试")

    @router.post("/documents", status_code=201)
    def upload(request: Request, file: UploadFile = File(...), replace: bool = Form(False),  # noqa: B008
               x_admin_password: str | None = Header(None)) -> dict[str, Any]:
        # A plain def: FastAPI runs it in a worker thread, so indexing never blocks the event loop.
        authorise(request, x_admin_password)
        not_during_reindex()
        data = file.file.read(limit + 1)  # never more than the limit in memory
        try:
            result = qa.admin.upload(file.filename or "", data, replace=replace)
        except AdminError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        return {"doc": result.doc_id, "replaced": result.replaced, "chunks": result.chunks}

    @router.delete("/documents/{doc_id}")
    def delete(doc_id: str, request: Request, x_admin_password: str | None = Header(None)) -> dict[str, Any]:
        authorise(request, x_admin_password)
        not_during_reindex()
        try:
            qa.admin.delete(doc_id)
        except AdminError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        return {"deleted": doc_id}

    @router.post("/reindex", status_code=202)
    def reindex(request: Request, body: ReindexIn = Body(default_factory=ReindexIn),  # noqa: B008
                x_admin_password: str | None = Header(None)) -> dict[str, Any]:
        """Re-index the corpus folder in the background (rebuild: embed every document again);
        queries keep answering from the current index meanwhile."""
        authorise(request, x_admin_password)
        if not qa.reindex.start(rebuild=body.rebuild):
            raise HTTPException(status_code=409, detail="已有重新索引在进行中")
        return {"status": "started"}

    @router.get("/reindex")
    def reindex_status(request: Request, x_admin_password: str | None = Header(None)) -> dict[str, Any]:
        authorise(request, x_admin_password)
        return qa.reindex.status()

    return router

"""The document admin over HTTP: list, upload, delete, re-index. Every call needs the admin password
in the `X-Admin-Password` header, checked by the same gate as the admin tab (constant time, failures
rate-limited per client). A password that is not plain ASCII is sent percent-encoded (UTF-8)."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Body, File, Form, Header, HTTPException, Request, UploadFile

from rag.admin import AdminError
from rag.auth import LockedOut, PasswordGate
from rag.service import PolicyQA


def admin_routes(qa: PolicyQA, gate: PasswordGate) -> APIRouter:
    router = APIRouter(prefix="/api/admin")
    limit = qa.settings.max_upload_mb * 2**20

    def authorise(request: Request, password: str | None) -> None:
        if not gate.enabled:
            raise HTTPException(status_code=403, detail="文档管理未启用：请设置 POLICY_QA_ADMIN_PASSWORD")
        client = request.client.host if request.client else ""
        # HTTP headers are ASCII: a password with other characters is sent percent-encoded (UTF-8).
        attempt = unquote(password or "") if "%" in (password or "") else (password or "")
        try:
            ok = gate.check(attempt, client)
        except LockedOut as exc:
            raise HTTPException(status_code=429, detail=str(exc)) from None
        if not ok:
            raise HTTPException(status_code=401, detail="管理密码错误")

    @router.get("/documents")
    def documents(request: Request, x_admin_password: str | None = Header(None)) -> list[dict[str, Any]]:
        authorise(request, x_admin_password)
        return qa.documents()

    @router.post("/documents", status_code=201)
    async def upload(request: Request, file: UploadFile = File(...), replace: bool = Form(False),  # noqa: B008
                     x_admin_password: str | None = Header(None)) -> dict[str, Any]:
        authorise(request, x_admin_password)
        data = await file.read(limit + 1)  # never more than the limit in memory
        try:
            result = qa.admin.upload(file.filename or "", data, replace=replace)
        except AdminError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        return {"doc": result.doc_id, "replaced": result.replaced, "chunks": result.chunks}

    @router.delete("/documents/{doc_id}")
    def delete(doc_id: str, request: Request, x_admin_password: str | None = Header(None)) -> dict[str, Any]:
        authorise(request, x_admin_password)
        try:
            qa.admin.delete(doc_id)
        except AdminError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        return {"deleted": doc_id}

    @router.post("/reindex", status_code=202)
    def reindex(request: Request, body: dict[str, Any] = Body(default_factory=dict),  # noqa: B008
                x_admin_password: str | None = Header(None)) -> dict[str, Any]:
        """Re-index the corpus folder in the background (rebuild: embed every document again);
        queries keep answering from the current index meanwhile."""
        authorise(request, x_admin_password)
        if not qa.reindex.start(rebuild=bool(body.get("rebuild"))):
            raise HTTPException(status_code=409, detail="已有重新索引在进行中")
        return {"status": "started"}

    @router.get("/reindex")
    def reindex_status(request: Request, x_admin_password: str | None = Header(None)) -> dict[str, Any]:
        authorise(request, x_admin_password)
        return qa.reindex.status()

    return router

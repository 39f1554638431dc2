"""The HTTP side: FastAPI with the JSON API and the document view, the Gradio app mounted at /."""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr
from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from rag.app.auth import PasswordGate
from rag.app.ratelimit import RateLimit, RateLimited
from rag.app.service import PolicyQA
from rag.ingest.chunking import chunk_document
from rag.match.matching import Profile
from rag.sanitize import clean_input
from rag.search.retrieval import FilterError, Filters
from ui.access import client_host
from ui.admin_api import admin_routes, limit_bodies
from ui.match_render import MATCH_CSS
from ui.render import CSS, document_page

log = logging.getLogger(__name__)


class FiltersIn(BaseModel):
    regions: list[str] = Field(default_factory=list)
    industries: list[str] = Field(default_factory=list)
    docs: list[str] = Field(default_factory=list)


class AskIn(BaseModel):
    question: str
    history: list[dict[str, Any]] = Field(default_factory=list)
    filters: FiltersIn | None = None


class MatchIn(BaseModel):
    region: str = Field(max_length=100)
    industry: str = Field(default="", max_length=100)
    needs: list[str] = Field(default_factory=list, max_length=8)
    facts: dict[str, Any] = Field(default_factory=dict)


def make_app(qa: PolicyQA, demo: gr.Blocks, gate: PasswordGate | None = None,
             questions: RateLimit | None = None) -> FastAPI:
    app = FastAPI(title="政策问答 API", docs_url="/api/docs", openapi_url="/api/openapi.json")
    gate = gate or PasswordGate(qa.settings.admin_password, staff=qa.settings.staff_password)
    app.include_router(admin_routes(qa, gate))
    upload_bytes = qa.settings.max_upload_mb * 2**20
    limit_bodies(app, upload_bytes, qa.settings.max_request_kb * 1024)
    questions = questions or RateLimit(qa.settings.questions_per_minute)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        """400 naming the field and what is wrong with it (not FastAPI's 422 list)."""
        first = exc.errors()[0] if exc.errors() else {}
        if first.get("type") == "json_invalid":
            return JSONResponse({"detail": "请求体不是有效的 JSON"}, status_code=400)
        field = ".".join(str(x) for x in first.get("loc", ()) if x != "body") or "body"
        return JSONResponse({"detail": f"字段 {field}：{first.get('msg', '格式不对')}"}, status_code=400)

    if not qa.settings.trusted_proxies:
        warned: list[bool] = []

        @app.middleware("http")
        async def _forwarded(request: Request, call_next: Any) -> Any:
            """A proxy in front that is not named: every user would share its address (one rate limit,
            one lock-out). Said once in the log, with the setting that fixes it."""
            if not warned and "x-forwarded-for" in request.headers:
                warned.append(True)
                log.warning("requests from %s carry X-Forwarded-For, which is ignored; if it is your proxy, "
                            "set POLICY_QA_TRUSTED_PROXIES=%s", client_host(request), client_host(request))
            return await call_next(request)

    @app.post("/api/ask")
    def ask(body: AskIn, request: Request) -> dict[str, Any]:
        """Answer a question: the same JSON as `policy-qa ask --json`."""
        try:
            questions.hit(client_host(request))
        except RateLimited as exc:
            raise HTTPException(status_code=429, detail=str(exc), headers={"Retry-After": str(exc.wait_s)}) from None
        f = body.filters or FiltersIn()
        try:
            answer = qa.ask(body.question, history=body.history,
                            filters=Filters(tuple(f.regions), tuple(f.industries), tuple(f.docs)))
        except FilterError as exc:
            raise HTTPException(status_code=400, detail=str(exc)) from None
        return answer.to_json()

    @app.post("/api/match")
    def match(body: MatchIn, request: Request) -> dict[str, Any]:
        """政策匹配: the measures that may apply to a business profile, the same JSON as
        `policy-qa match --format json`."""
        try:
            questions.hit(client_host(request))
        except RateLimited as exc:
            raise HTTPException(status_code=429, detail=str(exc), headers={"Retry-After": str(exc.wait_s)}) from None
        profile = Profile(clean_input(body.region), clean_input(body.industry),
                          tuple(clean_input(n) for n in body.needs), body.facts)
        try:
            return qa.match(profile).to_json()
        except ValueError as exc:  # an unknown need or fact, named
            raise HTTPException(status_code=400, detail=str(exc)) from None

    @app.get("/doc/{doc_id}", response_class=HTMLResponse)
    def document(doc_id: str, start: int = 0, end: int = 0) -> HTMLResponse:
        """The whole document with one paragraph marked (only documents in the index are served)."""
        doc = qa.document(doc_id)
        if doc is None:
            raise HTTPException(status_code=404, detail="没有这个文件")
        heading = next((c.heading_path for c in chunk_document(doc) if c.start <= start < c.end), "")
        return HTMLResponse(document_page(doc.title, doc.meta, doc.text, start, end, heading))

    return gr.mount_gradio_app(app, demo, path="/", css=CSS + MATCH_CSS, footer_links=["api"], show_error=False,
                               max_file_size=upload_bytes)

"""Who is asking, and logging in: the client's address and one login check for every tab."""

from __future__ import annotations

from typing import Any

from rag.app.auth import LockedOut, PasswordGate


def client_host(request: Any) -> str:
    """The client's address (a Starlette or Gradio request); X-Forwarded-For only counts when
    uvicorn was told to trust the proxy (POLICY_QA_TRUSTED_PROXIES)."""
    return getattr(getattr(request, "client", None), "host", "") or ""


def login(gate: PasswordGate, attempt: str, request: Any, roles: tuple[str, ...]) -> tuple[bool, str]:
    """(logged in, message): the password must give one of roles; failures count per client."""
    try:
        role = gate.role(attempt, client_host(request))
    except LockedOut as exc:
        return False, str(exc)
    if role not in roles:
        return False, "密码错误。"
    return True, "已登录。"

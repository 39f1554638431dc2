"""The admin password: compared in constant time, with failed attempts rate-limited per client."""

from __future__ import annotations

import hmac
import threading
import time
from collections import defaultdict, deque


class LockedOut(PermissionError):
    """Too many wrong passwords from one client; the message says how long to wait."""


class PasswordGate:
    def __init__(self, password: str, max_failures: int = 5, window_s: float = 300.0) -> None:
        self._password = password.encode()
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self._password)

    def check(self, attempt: str, client: str = "") -> bool:
        """True for the right password. Raises LockedOut after too many recent failures."""
        if not self.enabled:
            return False
        now = time.monotonic()
        with self._lock:
            recent = self._failures[client]
            while recent and now - recent[0] > self.window_s:
                recent.popleft()
            if len(recent) >= self.max_failures:
                wait = int(self.window_s - (now - recent[0])) + 1
                raise LockedOut(f"密码错误次数过多，请 {wait} 秒后再试")
        ok = hmac.compare_digest((attempt or "").encode(), self._password)
        if not ok:
            with self._lock:
                self._failures[client].append(now)
        return ok

"""The admin password: compared in constant time, with failed attempts rate-limited per client."""

from __future__ import annotations

import hmac
import threading
import time
from collections import defaultdict, deque


class LockedOut(PermissionError):
    """Too many wrong passwords from one client; the message says how long to wait."""


class PasswordGate:
    def __init__(self, password: str, max_failures: int = 5, window_s: float = 300.0,
                 also: tuple[str, ...] = ()) -> None:
        """`also`: further passwords this gate accepts (the staff tab takes the admin password too)."""
        self._passwords = tuple(p.encode() for p in (password, *also) if p)
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self._passwords)

    def check(self, attempt: str, client: str = "", *alternatives: str) -> bool:
        """True for the right password (the attempt or one of its alternative spellings, e.g. percent-
        decoded). Raises LockedOut after too many recent failures; one failure per call."""
        if not self.enabled:
            return False
        now = time.monotonic()
        with self._lock:  # check, compare and record in one step: parallel guesses cannot slip through
            recent = self._failures[client]
            while recent and now - recent[0] > self.window_s:
                recent.popleft()
            if len(recent) >= self.max_failures:
                wait = int(self.window_s - (now - recent[0])) + 1
                raise LockedOut(f"密码错误次数过多，请 {wait} 秒后再试")
            ok = False
            for candidate in (attempt, *alternatives):
                for password in self._passwords:
                    ok |= hmac.compare_digest((candidate or "").encode("utf-8", "replace"), password)
            if not ok:
                recent.append(now)
        return ok

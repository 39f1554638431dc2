"""The admin password: compared in constant time, with failed attempts rate-limited per client."""

from __future__ import annotations

import hmac
import threading
import time
from collections import defaultdict, deque


class LockedOut(PermissionError):
    """Too many wrong passwords from one client; the message says how long to wait."""


class PasswordGate:
    """The admin password, and optionally a staff password that opens only staff data (知识缺口).
    One failure record per client for both: a second login form is no second guessing budget."""

    def __init__(self, password: str, max_failures: int = 5, window_s: float = 300.0, staff: str = "") -> None:
        self._passwords = tuple((role, p.encode()) for role, p in (("admin", password), ("staff", staff)) if p)
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """The admin password is set."""
        return any(role == "admin" for role, _ in self._passwords)

    @property
    def staff_enabled(self) -> bool:
        return bool(self._passwords)

    def check(self, attempt: str, client: str = "", *alternatives: str) -> bool:
        """True for the admin password (the attempt or one of its alternative spellings, e.g. percent-
        decoded). Raises LockedOut after too many recent failures; one failure per call."""
        return self.role(attempt, client, *alternatives) == "admin"

    def role(self, attempt: str, client: str = "", *alternatives: str) -> str | None:
        """"admin" or "staff" for a right password, else None (recorded as a failure of client)."""
        if not self._passwords:
            return None
        now = time.monotonic()
        with self._lock:  # check, compare and record in one step: parallel guesses cannot slip through
            recent = self._failures[client]
            while recent and now - recent[0] > self.window_s:
                recent.popleft()
            if len(recent) >= self.max_failures:
                wait = int(self.window_s - (now - recent[0])) + 1
                raise LockedOut(f"密码错误次数过多，请 {wait} 秒后再试")
            found = None
            for candidate in (attempt, *alternatives):
                for role, password in self._passwords:  # every comparison made: constant time
                    if hmac.compare_digest((candidate or "").encode("utf-8", "replace"), password):
                        found = found or role
            if found is None:
                recent.append(now)
        return found

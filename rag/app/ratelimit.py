"""Requests per client in a sliding window: one anonymous client cannot flood the server with
questions (each one searched, answered and logged) while everyone else waits."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque


class RateLimited(RuntimeError):
    """Too many requests from one client; the message says how long to wait."""

    def __init__(self, wait_s: int) -> None:
        super().__init__(f"提问过于频繁，请 {wait_s} 秒后再试")
        self.wait_s = wait_s


class RateLimit:
    def __init__(self, limit: int, window_s: float = 60.0, max_clients: int = 10_000) -> None:
        self.limit = limit  # 0: no limit
        self.window_s = window_s
        self.max_clients = max_clients  # memory stays bounded whatever the number of addresses
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, client: str) -> None:
        """Count one request of client; raises RateLimited when it is over the limit."""
        if self.limit <= 0:
            return
        now = time.monotonic()
        with self._lock:
            hits = self._hits.pop(client, None) or deque()
            while hits and now - hits[0] > self.window_s:
                hits.popleft()
            self._hits[client] = hits
            while len(self._hits) > self.max_clients:
                self._hits.popitem(last=False)
            if len(hits) >= self.limit:
                raise RateLimited(int(self.window_s - (now - hits[0])) + 1)
            hits.append(now)

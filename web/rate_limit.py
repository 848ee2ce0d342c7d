"""Sliding windows of requests in the process: login attempts per client address, in front of the
per-account lock-out (``services.accounts``), so one address cannot try many usernames quickly; and API
requests per token."""

from __future__ import annotations

import time
from collections import defaultdict, deque

WINDOW_SECONDS = 300
MAX_ATTEMPTS = 20


class RateLimiter:
    def __init__(self, max_attempts: int = MAX_ATTEMPTS, window: float = WINDOW_SECONDS) -> None:
        self.max_attempts = max_attempts
        self.window = window
        self._attempts: defaultdict[str, deque[float]] = defaultdict(deque)

    def allow(self, address: str, now: float | None = None) -> bool:
        """Record an attempt from ``address`` (or any key); False once it made ``max_attempts`` in the
        window."""
        now = time.monotonic() if now is None else now
        attempts = self._attempts[address]
        while attempts and now - attempts[0] > self.window:
            attempts.popleft()
        if len(attempts) >= self.max_attempts:
            return False
        attempts.append(now)
        return True

    def wait(self, key: str, now: float | None = None) -> float:
        """Seconds until ``key`` may try again (0.0 when it may now)."""
        now = time.monotonic() if now is None else now
        attempts = self._attempts.get(key)
        if not attempts or len(attempts) < self.max_attempts:
            return 0.0
        return max(0.0, self.window - (now - attempts[0]))

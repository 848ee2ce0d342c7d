"""Login attempts per client address: a sliding window in the process, in front of the per-account lock-out
(``services.accounts``), so one address cannot try many usernames quickly."""

from __future__ import annotations

import time
from collections import defaultdict, deque

WINDOW_SECONDS = 300
MAX_ATTEMPTS = 20


class LoginLimiter:
    def __init__(self, max_attempts: int = MAX_ATTEMPTS, window: float = WINDOW_SECONDS) -> None:
        self.max_attempts = max_attempts
        self.window = window
        self._attempts: defaultdict[str, deque[float]] = defaultdict(deque)

    def allow(self, address: str, now: float | None = None) -> bool:
        """Record an attempt from ``address``; False once it made ``max_attempts`` in the window."""
        now = time.monotonic() if now is None else now
        attempts = self._attempts[address]
        while attempts and now - attempts[0] > self.window:
            attempts.popleft()
        if len(attempts) >= self.max_attempts:
            return False
        attempts.append(now)
        return True

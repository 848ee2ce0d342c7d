"""How a filing worker waits between tries, and when it stops calling a region's LAPOR! for a while.

Both are pure: the worker keeps the attempt count on the filing and the ``BreakerState`` per region in the
database (``to_dict`` / ``from_dict``), so every worker of a deployment shares them and a restart loses
nothing. The caller serialises updates of one region's breaker (a row lock) and stores the state after each
call; then a half-open breaker lets exactly one trial through, because that trial's outcome is recorded
before the next ``allows``.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

_MAX_DOUBLINGS = 60  # 2**60 times any sane base is far past any cap; more would overflow a float


def backoff_seconds(
    attempt: int,
    base: float = 30,
    cap: float = 3600,
    jitter: float = 0.2,
    rng: random.Random | None = None,
    *,
    retry_after: float | None = None,
) -> float:
    """Seconds to wait before try ``attempt + 1`` after try ``attempt`` (1 = the first) failed.

    ``base * 2**(attempt - 1)``, at most ``cap``, spread by up to ``jitter`` (a fraction) either way so that
    workers that failed together do not come back together; the result never exceeds ``cap``. A server's
    ``retry_after`` is honoured as a floor, itself capped: a server asking for a day is asked again within
    ``cap``, which costs one request and protects against a broken header parking a report for ever.
    """
    if attempt < 1:
        raise ValueError(f"attempt counts from 1, got {attempt}")
    if not 0 <= jitter < 1:
        raise ValueError(f"jitter is a fraction in [0, 1), got {jitter}")
    if base <= 0 or cap < base:
        raise ValueError(f"need 0 < base <= cap, got base={base}, cap={cap}")
    delay = min(cap, base * 2.0 ** min(attempt - 1, _MAX_DOUBLINGS))
    spread = (rng or random.Random()).uniform(-jitter, jitter)
    wait = min(cap, delay * (1 + spread))
    if retry_after is not None:
        wait = max(wait, min(max(retry_after, 0.0), cap))
    return wait


@dataclass(frozen=True)
class BreakerState:
    """``failures``: failed tries in a row; ``opened_at``: when the breaker opened (None: closed)."""

    failures: int = 0
    opened_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        opened = self.opened_at.isoformat() if self.opened_at else None
        return {"failures": self.failures, "opened_at": opened}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BreakerState:
        """The state ``to_dict`` wrote; an empty mapping is a closed breaker. Raises ``ValueError`` on
        anything else, rather than guessing a state that would let a worker hammer a failing server."""
        failures = data.get("failures", 0)
        opened = data.get("opened_at")
        if type(failures) is not int or failures < 0:
            raise ValueError(f"breaker failures must be a count, got {failures!r}")
        if opened is None:
            return cls(failures, None)
        if not isinstance(opened, str):
            raise ValueError(f"breaker opened_at must be an ISO 8601 time, got {opened!r}")
        moment = datetime.fromisoformat(opened)
        if moment.tzinfo is None:
            raise ValueError(f"breaker opened_at must carry its time zone, got {opened!r}")
        return cls(failures, moment)


CLOSED = BreakerState()


def allows(state: BreakerState, now: datetime, cool_down: timedelta) -> bool:
    """May a request go out? Yes when closed; when open, only once ``cool_down`` has passed (half-open: the
    next try is the trial, and its outcome closes or re-opens the breaker)."""
    return state.opened_at is None or now - state.opened_at >= cool_down


def after_success(state: BreakerState) -> BreakerState:
    """A request got through: the breaker closes and the count starts again."""
    return CLOSED


def after_failure(state: BreakerState, now: datetime, threshold: int) -> BreakerState:
    """A request failed in a way that says LAPOR! is unwell (a retryable error). The ``threshold``-th
    failure in a row opens the breaker; a failed half-open trial re-opens it, and the cool-down restarts."""
    if threshold < 1:
        raise ValueError(f"threshold must be at least 1, got {threshold}")
    failures = state.failures + 1
    if state.opened_at is not None or failures >= threshold:
        return BreakerState(failures, now)
    return BreakerState(failures, None)

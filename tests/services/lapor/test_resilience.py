"""Back-off between tries and the per-region circuit breaker, as pure values."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta

import pytest

from services.lapor.resilience import (
    CLOSED,
    BreakerState,
    after_failure,
    after_success,
    allows,
    backoff_seconds,
)

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
COOL_DOWN = timedelta(minutes=10)


def test_backoff_doubles_from_the_base() -> None:
    waits = [backoff_seconds(attempt, base=30, cap=3600, jitter=0) for attempt in range(1, 7)]

    assert waits == [30, 60, 120, 240, 480, 960]


def test_backoff_stops_growing_at_the_cap() -> None:
    assert backoff_seconds(8, base=30, cap=3600, jitter=0) == 3600
    assert backoff_seconds(10_000, base=30, cap=3600, jitter=0) == 3600  # no overflow however long it fails


def test_jitter_spreads_the_wait_within_its_bounds() -> None:
    waits = [backoff_seconds(3, jitter=0.2, rng=random.Random(seed)) for seed in range(500)]

    assert all(96 <= wait <= 144 for wait in waits)  # 120 s +- 20 %
    assert max(waits) - min(waits) > 30  # and it really spreads them


def test_jitter_never_goes_past_the_cap() -> None:
    waits = [backoff_seconds(40, cap=3600, jitter=0.2, rng=random.Random(seed)) for seed in range(500)]

    assert all(2880 <= wait <= 3600 for wait in waits)


def test_the_same_random_source_gives_the_same_wait() -> None:
    assert backoff_seconds(4, rng=random.Random(7)) == backoff_seconds(4, rng=random.Random(7))


def test_a_servers_retry_after_is_a_floor_within_the_cap() -> None:
    assert backoff_seconds(1, jitter=0, retry_after=500) == 500
    assert backoff_seconds(5, jitter=0, retry_after=10) == 480  # our own back-off is already longer
    assert backoff_seconds(1, jitter=0, cap=3600, retry_after=86_400) == 3600


@pytest.mark.parametrize(
    "arguments",
    [{"attempt": 0}, {"attempt": 1, "jitter": 1.0}, {"attempt": 1, "base": 0}, {"attempt": 1, "cap": 1}],
)
def test_nonsense_arguments_are_refused(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        backoff_seconds(**arguments)  # type: ignore[arg-type]


def test_the_breaker_opens_at_the_threshold() -> None:
    state = CLOSED
    for _ in range(2):
        state = after_failure(state, T0, threshold=3)
        assert allows(state, T0, COOL_DOWN)

    state = after_failure(state, T0, threshold=3)

    assert state == BreakerState(failures=3, opened_at=T0)
    assert not allows(state, T0 + COOL_DOWN - timedelta(seconds=1), COOL_DOWN)


def test_an_open_breaker_half_opens_after_the_cool_down_and_a_success_closes_it() -> None:
    state = BreakerState(failures=5, opened_at=T0)

    assert allows(state, T0 + COOL_DOWN, COOL_DOWN)  # the trial may go
    state = after_success(state)

    assert state == CLOSED
    assert allows(state, T0 + COOL_DOWN, COOL_DOWN)


def test_a_failed_trial_reopens_the_breaker_for_a_new_cool_down() -> None:
    trial = T0 + COOL_DOWN + timedelta(minutes=3)

    # whatever the threshold (a manager may have raised it meanwhile): a failed trial is a failure of LAPOR!
    state = after_failure(BreakerState(failures=5, opened_at=T0), trial, threshold=10)

    assert state == BreakerState(failures=6, opened_at=trial)
    assert not allows(state, trial + COOL_DOWN - timedelta(seconds=1), COOL_DOWN)
    assert allows(state, trial + COOL_DOWN, COOL_DOWN)


def test_a_success_between_failures_starts_the_count_again() -> None:
    state = after_failure(after_failure(CLOSED, T0, threshold=3), T0, threshold=3)
    state = after_failure(after_success(state), T0, threshold=3)

    assert state == BreakerState(failures=1, opened_at=None)


def test_a_threshold_of_one_opens_at_the_first_failure() -> None:
    assert not allows(after_failure(CLOSED, T0, threshold=1), T0, COOL_DOWN)
    with pytest.raises(ValueError):
        after_failure(CLOSED, T0, threshold=0)


@pytest.mark.parametrize("state", [CLOSED, BreakerState(2, None), BreakerState(7, T0)])
def test_the_state_survives_a_trip_through_json(state: BreakerState) -> None:
    stored = json.loads(json.dumps(state.to_dict()))

    assert BreakerState.from_dict(stored) == state


def test_no_stored_state_is_a_closed_breaker() -> None:
    assert BreakerState.from_dict({}) == CLOSED


@pytest.mark.parametrize(
    "stored",
    [
        {"failures": -1},
        {"failures": "3"},
        {"failures": True},
        {"failures": 3, "opened_at": "2026-11-29T08:00:00"},  # no time zone
        {"failures": 3, "opened_at": "kemarin"},
        {"failures": 3, "opened_at": 1764403200},
    ],
)
def test_a_damaged_stored_state_is_refused(stored: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        BreakerState.from_dict(stored)

"""The shared types: what a submission accepts, which errors are retried, and the status table's agreement
with Pantau's own report statuses."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from db.models import ReportStatus
from services.lapor.protocol import (
    LAPOR_STATUSES,
    PANTAU_STATUS,
    LaporBadAnswer,
    LaporError,
    LaporNotFound,
    LaporRejected,
    LaporUnauthorized,
    LaporUnavailable,
    Submission,
)


def test_every_lapor_status_maps_to_a_pantau_report_status() -> None:
    assert set(PANTAU_STATUS) == LAPOR_STATUSES
    assert {ReportStatus(value) for value in PANTAU_STATUS.values()} >= {
        ReportStatus.FILED,
        ReportStatus.FORWARDED,
        ReportStatus.FOLLOWED_UP,
        ReportStatus.CLOSED,
    }


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (LaporUnavailable("x"), True),
        (LaporBadAnswer("x"), True),
        (LaporRejected("x"), False),
        (LaporUnauthorized("x"), False),
        (LaporNotFound("x"), False),
    ],
)
def test_which_errors_are_worth_another_try(error: LaporError, retryable: bool) -> None:
    assert error.retryable is retryable


def test_a_reason_is_one_line() -> None:
    error = LaporRejected("LAPOR! menolak:\n judul terlalu panjang\r\n")

    assert error.reason == "LAPOR! menolak: judul terlalu panjang"
    assert str(error) == error.reason


@pytest.mark.parametrize(
    "changes",
    [
        {"klasifikasi": "keluhan"},
        {"idempotency_key": ""},
        {"idempotency_key": "kunci dengan spasi"},
        {"idempotency_key": "k" * 65},
    ],
)
def test_a_submission_refuses_what_lapor_could_never_take(
    submission: Submission, changes: dict[str, Any]
) -> None:
    with pytest.raises(ValueError):
        replace(submission, **changes)


def test_a_submission_is_immutable_down_to_its_links(submission: Submission) -> None:
    with pytest.raises(TypeError):
        replace(submission, source_links=["https://example.com/a"])  # type: ignore[arg-type]

"""ApiAdapter against the fake LAPOR! (a real server process speaking docs/lapor.md): every answer and every
failure becomes a receipt, a status or the right error, retryable or not."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fakes.lapor_process import FakeLaporControl
from fakes.lapor_server import FAKE_TOKEN
from services.lapor.api import MAX_ANSWER_BYTES, ApiAdapter, retry_after_seconds
from services.lapor.protocol import (
    PANTAU_STATUS,
    LaporBadAnswer,
    LaporNotFound,
    LaporRejected,
    LaporUnauthorized,
    LaporUnavailable,
    Receipt,
    RemoteStatus,
    Submission,
)
from services.lapor.tracking_id import InvalidTrackingId


def test_submit_files_the_payload_the_protocol_describes(
    lapor: FakeLaporControl, lapor_api: ApiAdapter, submission: Submission
) -> None:
    receipt = lapor_api.submit(submission)

    assert receipt.replayed is False
    [stored] = lapor.reports()["reports"]
    assert stored["tracking_id"] == receipt.tracking_id
    assert stored["idempotency_key"] == submission.idempotency_key
    assert stored["payload"] == {
        "judul": submission.judul,
        "isi": submission.isi,
        "tanggal_kejadian": "2026-11-15",
        "lokasi_kejadian": submission.lokasi_kejadian,
        "instansi_tujuan": {"kode": "DINAS_PUPR", "nama": "Dinas Pekerjaan Umum dan Penataan Ruang"},
        "kategori": submission.kategori,
        "klasifikasi": "pengaduan",
        "anonim": True,
        "rahasia": False,
        "lampiran_tautan": list(submission.source_links),
        "sumber": "admin",
        "kode_wilayah": "64.08",
    }


def test_a_second_submit_with_the_same_key_replays_the_same_tracking_id(
    lapor: FakeLaporControl, lapor_api: ApiAdapter, submission: Submission
) -> None:
    first = lapor_api.submit(submission)
    second = lapor_api.submit(submission)

    assert second == Receipt(first.tracking_id, replayed=True)
    assert len(lapor.reports()["reports"]) == 1
    assert lapor.submissions(submission.idempotency_key) == 2


def test_two_reports_get_two_tracking_ids(lapor_api: ApiAdapter, submission: Submission) -> None:
    other = replace(submission, idempotency_key=submission.idempotency_key + "-b", judul="Lampu jalan mati")
    assert lapor_api.submit(submission).tracking_id != lapor_api.submit(other).tracking_id


def test_a_key_reused_for_another_report_is_rejected_for_good(
    lapor: FakeLaporControl, lapor_api: ApiAdapter, submission: Submission
) -> None:
    lapor_api.submit(submission)

    with pytest.raises(LaporRejected) as caught:
        lapor_api.submit(replace(submission, judul="Judul lain untuk kunci yang sama"))

    assert caught.value.status == 409
    assert caught.value.retryable is False
    assert "idempotensi" in caught.value.reason
    assert len(lapor.reports()["reports"]) == 1


def test_a_wrong_token_is_unauthorized_and_not_retried(
    lapor: FakeLaporControl, submission: Submission
) -> None:
    with ApiAdapter(lapor.base_url, "token-yang-salah", timeout=2.0) as adapter:
        with pytest.raises(LaporUnauthorized) as caught:
            adapter.submit(submission)
        with pytest.raises(LaporUnauthorized):
            adapter.status("1000001")

    assert caught.value.status == 401
    assert caught.value.retryable is False
    assert isinstance(caught.value, LaporRejected)
    assert "token-yang-salah" not in caught.value.reason  # a reason never carries a secret
    assert lapor.reports()["reports"] == []


def test_invalid_fields_are_rejected_with_the_servers_reasons(
    lapor: FakeLaporControl, lapor_api: ApiAdapter, submission: Submission
) -> None:
    with pytest.raises(LaporRejected) as caught:
        lapor_api.submit(replace(submission, judul="Jalan rusak " * 20))  # 240 characters: over the limit

    assert caught.value.status == 422
    assert caught.value.retryable is False
    assert "judul" in caught.value.reason
    assert "\n" not in caught.value.reason
    assert lapor.reports()["reports"] == []


@pytest.mark.parametrize(
    ("mode", "seconds", "status"),
    [("500", None, 500), ("429", 7, 429), ("timeout", 5, None), ("drop_after_accept", None, None)],
)
def test_a_server_in_trouble_is_unavailable_and_retryable(
    lapor: FakeLaporControl, submission: Submission, mode: str, seconds: float | None, status: int | None
) -> None:
    lapor.fail(mode, seconds=seconds)
    started = time.monotonic()

    with (
        ApiAdapter(lapor.base_url, FAKE_TOKEN, timeout=0.5) as adapter,
        pytest.raises(LaporUnavailable) as caught,
    ):
        adapter.submit(submission)

    assert time.monotonic() - started < 2.5  # bounded by the client's timeout, not by the server's 5 s
    assert caught.value.retryable is True
    assert caught.value.status == status


def test_a_429_carries_the_servers_retry_after(lapor: FakeLaporControl, lapor_api: ApiAdapter) -> None:
    lapor.fail("429", seconds=7)

    with pytest.raises(LaporUnavailable) as caught:
        lapor_api.status("1000001")

    assert caught.value.retry_after == 7.0
    assert "7 detik" in caught.value.reason


def test_a_timeout_on_status_is_bounded_too(lapor: FakeLaporControl) -> None:
    lapor.fail("timeout", seconds=5)
    started = time.monotonic()

    with ApiAdapter(lapor.base_url, FAKE_TOKEN, timeout=0.5) as adapter, pytest.raises(LaporUnavailable):
        adapter.status("1000001")

    assert time.monotonic() - started < 2.5


def test_a_slow_answer_within_the_timeout_is_an_answer(
    lapor: FakeLaporControl, lapor_api: ApiAdapter, submission: Submission
) -> None:
    lapor.fail("slow", seconds=0.3)

    assert lapor_api.submit(submission).replayed is False


def test_a_dropped_answer_then_a_retry_with_the_same_key_stores_the_report_once(
    lapor: FakeLaporControl, lapor_api: ApiAdapter, submission: Submission
) -> None:
    lapor.fail("drop_after_accept")

    with pytest.raises(LaporUnavailable) as caught:
        lapor_api.submit(submission)
    assert caught.value.status is None  # no answer at all: the connection was dropped
    [stored] = lapor.reports()["reports"]  # ... after the server had stored the report

    receipt = lapor_api.submit(submission)

    assert receipt == Receipt(stored["tracking_id"], replayed=True)
    assert len(lapor.reports()["reports"]) == 1
    assert lapor.submissions(submission.idempotency_key) == 2


def test_failures_queue_up_and_the_worker_gets_through_in_the_end(
    lapor: FakeLaporControl, lapor_api: ApiAdapter, submission: Submission
) -> None:
    lapor.fail("500", times=2)
    lapor.fail("malformed")
    errors = []
    for _ in range(4):
        try:
            receipt = lapor_api.submit(submission)
            break
        except (LaporUnavailable, LaporBadAnswer) as exc:
            errors.append(type(exc).__name__)

    assert errors == ["LaporUnavailable", "LaporUnavailable", "LaporBadAnswer"]
    assert receipt.replayed is True  # the malformed answer came after the report was stored
    assert len(lapor.reports()["reports"]) == 1


MALFORMED_RECEIPTS = {
    "truncated JSON": None,  # the fake's default broken body
    "not JSON": "<html><body>502 Bad Gateway</body></html>",
    "empty body": "",
    "JSON but not an object": '["1000001"]',
    "no tracking_id": '{"status": "belum_terverifikasi"}',
    "tracking_id null": '{"tracking_id": null}',
    "tracking_id a number": '{"tracking_id": 1000001}',
    "tracking_id with letters": '{"tracking_id": "LAP-1000001"}',
    "tracking_id too short": '{"tracking_id": "123456"}',
    "tracking_id too long": '{"tracking_id": "12345678901"}',
    "tracking_id with a hash": '{"tracking_id": "#1000001"}',
}


@pytest.mark.parametrize("body", MALFORMED_RECEIPTS.values(), ids=MALFORMED_RECEIPTS.keys())
def test_a_malformed_receipt_is_a_retryable_bad_answer_and_the_retry_recovers(
    lapor: FakeLaporControl, lapor_api: ApiAdapter, submission: Submission, body: str | None
) -> None:
    lapor.fail("malformed", body=body)

    with pytest.raises(LaporBadAnswer) as caught:
        lapor_api.submit(submission)

    assert caught.value.retryable is True
    assert caught.value.status == 201
    [stored] = lapor.reports()["reports"]
    assert lapor_api.submit(submission) == Receipt(stored["tracking_id"], replayed=True)


def test_an_answer_larger_than_any_receipt_is_a_bad_answer(
    lapor: FakeLaporControl, lapor_api: ApiAdapter, submission: Submission
) -> None:
    lapor.fail("malformed", body='{"tracking_id": "1000001", "x": "' + "x" * MAX_ANSWER_BYTES + '"}')

    with pytest.raises(LaporBadAnswer, match="terlalu besar"):
        lapor_api.submit(submission)


def test_status_follows_the_report_through_lapor(
    lapor: FakeLaporControl, lapor_api: ApiAdapter, submission: Submission
) -> None:
    tracking_id = lapor_api.submit(submission).tracking_id
    fresh = lapor_api.status(tracking_id)
    assert fresh == RemoteStatus(tracking_id, "belum_terverifikasi", (), False)

    lapor.dispose(tracking_id, "Dinas PUPR")
    disposed = lapor_api.status(tracking_id)

    lapor.followup(tracking_id, "Dinas PUPR", "Lubang sudah ditambal pada 20 November.")
    followed = lapor_api.status(tracking_id)

    lapor.close_report(tracking_id)
    closed = lapor_api.status(tracking_id)

    assert [PANTAU_STATUS[s.status] for s in (fresh, disposed, followed, closed)] == [
        "filed",
        "forwarded",
        "followed_up",
        "closed",
    ]
    [answer] = followed.follow_ups
    assert (answer.instansi, answer.text) == ("Dinas PUPR", "Lubang sudah ditambal pada 20 November.")
    assert abs(answer.at - datetime.now(UTC)) < timedelta(minutes=1)
    assert followed.closed is False
    assert closed.closed is True
    assert closed.follow_ups == followed.follow_ups


def test_a_tracking_id_as_an_operator_typed_it_is_normalised_before_asking(
    lapor_api: ApiAdapter, submission: Submission
) -> None:
    tracking_id = lapor_api.submit(submission).tracking_id

    assert lapor_api.status(f" #{tracking_id[:3]} {tracking_id[3:]} ").tracking_id == tracking_id


def test_status_refuses_what_is_not_a_tracking_id_without_asking(lapor_api: ApiAdapter) -> None:
    with pytest.raises(InvalidTrackingId):
        lapor_api.status("../_fake/reset")


def test_a_vanished_report_is_not_found_and_not_retried(
    lapor: FakeLaporControl, lapor_api: ApiAdapter, submission: Submission
) -> None:
    tracking_id = lapor_api.submit(submission).tracking_id
    lapor.vanish(tracking_id)

    with pytest.raises(LaporNotFound) as caught:
        lapor_api.status(tracking_id)

    assert caught.value.status == 404
    assert caught.value.retryable is False
    assert tracking_id in caught.value.reason


def _status_body(asked: str, changes: dict[str, Any] | None = None) -> str:
    body: dict[str, Any] = {
        "tracking_id": asked,
        "status": "ditindaklanjuti",
        "created_at": "2026-11-15T10:00:00+00:00",
        "disposisi": [],
        "tindak_lanjut": [
            {"at": "2026-11-16T09:30:00+08:00", "instansi": "Dinas PUPR", "isi": "Sudah ditambal"}
        ],
        "ditutup": False,
    }
    return json.dumps(body | (changes or {}))


MALFORMED_STATUSES: dict[str, dict[str, Any]] = {
    "unknown status": {"status": "hilang"},
    "status missing": {"status": None},
    "ditutup a string": {"ditutup": "false"},
    "ditutup a number": {"ditutup": 0},
    "tindak_lanjut not a list": {"tindak_lanjut": {"isi": "x"}},
    "follow-up not an object": {"tindak_lanjut": ["Sudah ditambal"]},
    "follow-up without a time zone": {
        "tindak_lanjut": [{"at": "2026-11-16T09:30:00", "instansi": "Dinas PUPR", "isi": "x"}]
    },
    "follow-up time unreadable": {"tindak_lanjut": [{"at": "kemarin", "instansi": "Dinas PUPR", "isi": "x"}]},
    "follow-up without text": {
        "tindak_lanjut": [{"at": "2026-11-16T09:30:00+08:00", "instansi": "Dinas PUPR"}]
    },
    "another report's answer": {"tracking_id": "9999999"},
}


@pytest.mark.parametrize("changes", MALFORMED_STATUSES.values(), ids=MALFORMED_STATUSES.keys())
def test_a_malformed_status_is_a_bad_answer(
    lapor: FakeLaporControl, lapor_api: ApiAdapter, submission: Submission, changes: dict[str, Any]
) -> None:
    tracking_id = lapor_api.submit(submission).tracking_id
    lapor.fail("malformed", body=_status_body(tracking_id, changes))

    with pytest.raises(LaporBadAnswer) as caught:
        lapor_api.status(tracking_id)

    assert caught.value.retryable is True


def test_the_malformed_status_bodies_are_otherwise_well_formed(
    lapor: FakeLaporControl, lapor_api: ApiAdapter, submission: Submission
) -> None:
    """The unchanged body passes: each case above fails for its one change, not for the base."""
    tracking_id = lapor_api.submit(submission).tracking_id
    lapor.fail("malformed", body=_status_body(tracking_id))

    [answer] = lapor_api.status(tracking_id).follow_ups

    assert answer.at == datetime(2026, 11, 16, 1, 30, tzinfo=UTC)


def test_nothing_listening_is_unavailable(submission: Submission) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # free again once closed: nothing listens there

    adapter = ApiAdapter(f"http://127.0.0.1:{port}", FAKE_TOKEN, timeout=0.5)
    with adapter, pytest.raises(LaporUnavailable) as caught:
        adapter.submit(submission)

    assert caught.value.retryable is True
    assert caught.value.status is None


@pytest.mark.parametrize(
    "base_url", ["http://api.lapor.go.id/integration/v1", "ftp://127.0.0.1/v1", "api.lapor.go.id", "https://"]
)
def test_a_base_url_that_would_leak_the_token_or_is_no_url_is_refused(base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        ApiAdapter(base_url, FAKE_TOKEN)


def test_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)

    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Sun, 29 Nov 2026 08:01:30 GMT", now=now) == 90.0
    assert retry_after_seconds("Sun, 29 Nov 2026 07:00:00 GMT", now=now) == 0.0
    assert retry_after_seconds("soon") is None

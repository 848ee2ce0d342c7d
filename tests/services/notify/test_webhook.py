"""Signed webhooks against a real HTTP receiver (fakes/webhook_receiver.py) and the signature check."""

from __future__ import annotations

import json
import time

import pytest

from fakes.webhook_receiver import running_webhook_receiver
from services.notify.errors import DeliveryFailed
from services.notify.webhook import send_webhook, sign, verify_signature

SECRET = "rahasia-bersama-opd"
PAYLOAD = {"event": "disposisi", "report": {"id": 123, "judul": "Lampu jalan mati di Jalan Poros"}}


def test_delivered_webhook_is_signed_and_verifies() -> None:
    with running_webhook_receiver(SECRET) as receiver:
        send_webhook(receiver.url, PAYLOAD, SECRET)
    [request] = receiver.received
    assert request.signature_valid and request.status == 200
    assert json.loads(request.body) == PAYLOAD
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    timestamp, signature = request.headers["x-pantau-timestamp"], request.headers["x-pantau-signature"]
    assert signature.startswith("sha256=") and len(signature) == len("sha256=") + 64
    assert verify_signature(SECRET, timestamp, request.body, signature, now=time.time())


def test_tampered_body_or_wrong_secret_fails_verification() -> None:
    body = json.dumps(PAYLOAD).encode()
    timestamp = str(int(time.time()))
    signature = sign(SECRET, timestamp, body)
    assert verify_signature(SECRET, timestamp, body, signature, now=float(timestamp))
    assert not verify_signature(
        SECRET, timestamp, body.replace(b"123", b"124"), signature, now=float(timestamp)
    )
    assert not verify_signature("rahasia-lain", timestamp, body, signature, now=float(timestamp))
    assert not verify_signature(SECRET, str(int(timestamp) + 1), body, signature, now=float(timestamp))
    assert not verify_signature(SECRET, "bukan-angka", body, signature, now=float(timestamp))


@pytest.mark.parametrize(
    ("age", "valid"), [(0, True), (300, True), (301, False), (-300, True), (-301, False)]
)
def test_stale_or_future_timestamps_fail(age: int, valid: bool) -> None:
    body = b'{"event":"disposisi"}'
    timestamp = "1764400000"
    signature = sign(SECRET, timestamp, body)
    assert verify_signature(SECRET, timestamp, body, signature, now=1764400000 + age) is valid


def test_500_is_retryable_then_the_retry_succeeds() -> None:
    with running_webhook_receiver(SECRET, fail_first=1) as receiver:
        with pytest.raises(DeliveryFailed) as failure:
            send_webhook(receiver.url, PAYLOAD, SECRET)
        assert failure.value.retryable
        assert failure.value.reason.startswith("webhook http://127.0.0.1:")
        assert "menjawab HTTP 500" in failure.value.reason
        send_webhook(receiver.url, PAYLOAD, SECRET)
    assert [request.status for request in receiver.received] == [500, 200]


@pytest.mark.parametrize(("status", "retryable"), [(503, True), (429, True), (404, False), (400, False)])
def test_client_errors_are_permanent_but_429(status: int, retryable: bool) -> None:
    receiving = running_webhook_receiver(SECRET, fail_first=1, fail_status=status)
    with receiving as receiver, pytest.raises(DeliveryFailed) as failure:
        send_webhook(receiver.url, PAYLOAD, SECRET)
    assert failure.value.retryable is retryable
    assert f"HTTP {status}" in failure.value.reason


def test_a_receiver_with_another_secret_refuses_for_good() -> None:
    with running_webhook_receiver(SECRET) as receiver, pytest.raises(DeliveryFailed) as failure:
        send_webhook(receiver.url, PAYLOAD, "rahasia-lama")
    assert not failure.value.retryable
    assert "HTTP 401" in failure.value.reason and "tanda tangan tidak sah" in failure.value.reason
    assert not receiver.received[0].signature_valid


def test_the_url_path_stays_out_of_the_reason(closed_port: int) -> None:
    """Webhook URLs often carry a token in their path or query."""
    url = f"http://127.0.0.1:{closed_port}/hooks/T0KEN-rahasia?key=abc"
    with pytest.raises(DeliveryFailed) as failure:
        send_webhook(url, PAYLOAD, SECRET)
    assert failure.value.retryable
    assert failure.value.reason.startswith(f"webhook http://127.0.0.1:{closed_port} tidak dapat dihubungi")
    assert "T0KEN" not in failure.value.reason and "abc" not in failure.value.reason


def test_a_silent_receiver_times_out_and_is_retryable(silent_port: int) -> None:
    with pytest.raises(DeliveryFailed) as failure:
        send_webhook(f"http://127.0.0.1:{silent_port}/webhook", PAYLOAD, SECRET, timeout=0.3)
    assert failure.value.retryable
    assert "tidak menjawab dalam 0.3 detik" in failure.value.reason

"""Webhooks to OPD systems: a signed JSON POST, and the check a receiver runs on it.

The signature is ``sha256=<hex>``, the HMAC-SHA256 with the shared secret of ``"{timestamp}.{body}"``
(``X-Pantau-Timestamp``: Unix seconds). Signing the timestamp with the body lets a receiver reject a replayed
request once it is older than its tolerance. A webhook URL often carries a token of its own, so failure
reasons name only the scheme, host and port.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

from services.notify.errors import DeliveryFailed

TIMESTAMP_HEADER = "X-Pantau-Timestamp"
SIGNATURE_HEADER = "X-Pantau-Signature"
USER_AGENT = "Pantau-Notifikasi/1.0"
RETRYABLE_CLIENT_ERRORS = {408, 429}  # the receiver timed out reading, or asks us to slow down
REASON_BODY_CHARS = 200


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Pantau-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str, timestamp: str, body: bytes, signature: str, now: float, tolerance_s: float = 300
) -> bool:
    """Whether ``signature`` is ours for this body and timestamp, and the timestamp is within ``tolerance_s``
    of ``now`` either way (a replay or a wrong clock fails). Constant-time, so timing reveals nothing."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode())


def send_webhook(
    url: str,
    payload: dict[str, Any],
    secret: str,
    timeout: float = 10.0,
    transport: httpx.BaseTransport | None = None,
) -> None:
    """POST ``payload`` as JSON to ``url``, signed; any answer but 2xx raises ``DeliveryFailed``
    (retryable: 5xx, 408, 429, timeouts and connection errors; not: other 4xx and redirects)."""
    parts = urlsplit(url)
    where = f"webhook {parts.scheme}://{parts.netloc.rpartition('@')[2]}"
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    try:
        with httpx.Client(timeout=timeout, transport=transport, follow_redirects=False) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.TimeoutException as error:
        raise DeliveryFailed(f"{where} tidak menjawab dalam {timeout:g} detik", retryable=True) from error
    except httpx.TransportError as error:
        detail = str(error) or type(error).__name__
        raise DeliveryFailed(f"{where} tidak dapat dihubungi ({detail})", retryable=True) from error
    if response.is_success:
        return
    status = response.status_code
    excerpt = " ".join(response.text[:REASON_BODY_CHARS].split())
    reason = f"{where} menjawab HTTP {status}" + (f": {excerpt}" if excerpt else "")
    raise DeliveryFailed(reason, retryable=status >= 500 or status in RETRYABLE_CLIENT_ERRORS)

"""A local webhook receiver, written the way an OPD's system would receive Pantau's webhooks: it records
every POST (path, headers, body), checks the signature with the shared secret and answers 401 when it does
not match, 200 otherwise. ``fail_first=N`` answers ``fail_status`` (500 unless told) to the first N
requests: a receiver being deployed, or one asking to slow down (429).

The signature check is written here again on purpose, from the documented scheme (HMAC-SHA256 of
``"{timestamp}.{body}"``), rather than imported from services.notify: a receiver shares the protocol with
Pantau, not its code, and a mistake made on both sides at once would pass unnoticed.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from fakes.http_thread import reply, serving

TOLERANCE_S = 300


@dataclass(frozen=True)
class ReceivedRequest:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes
    signature_valid: bool
    status: int  # what the receiver answered


@dataclass
class Receiver:
    secret: str
    fail_first: int = 0
    fail_status: int = 500
    url: str = ""
    received: list[ReceivedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def signature_valid(self, headers: dict[str, str], body: bytes) -> bool:
        timestamp = headers.get("x-pantau-timestamp", "")
        signature = headers.get("x-pantau-signature", "")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_S:
            return False
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(f"sha256={expected}", signature)

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> int:
        """The status for this request, recorded with it."""
        valid = self.signature_valid(headers, body)
        with self.lock:
            if self.fail_first > 0:
                self.fail_first -= 1
                status = self.fail_status
            else:
                status = 200 if valid else 401
            self.received.append(ReceivedRequest(path, headers, body, valid, status))
        return status


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = receiver.answer(self.path, headers, body)
            answer = {
                200: b'{"diterima":true}',
                401: b'{"galat":"tanda tangan tidak sah"}',
                429: b'{"galat":"terlalu banyak permintaan"}',
            }.get(status, b'{"galat":"kesalahan server"}')
            reply(self, status, answer)

    return Handler


@contextmanager
def running_webhook_receiver(secret: str, fail_first: int = 0, fail_status: int = 500) -> Iterator[Receiver]:
    """A receiver on a free port of 127.0.0.1 for the duration of the block (``.url`` ends in /webhook)."""
    receiver = Receiver(secret=secret, fail_first=fail_first, fail_status=fail_status)
    with serving(_handler(receiver)) as base_url:
        receiver.url = f"{base_url}/webhook"
        yield receiver

"""A local replay HTTP server for connector tests: scripted answers per path (+query), requests recorded.

``server.add("/2/tweets/search/recent", 200, {"Content-Type": "application/json"}, body)`` queues one answer.
A request is matched first against its full path+query, then against its path alone; queued answers are
used in order and the last one repeats. Unscripted requests get a 404. ``truncate_to`` sends fewer body
bytes than the Content-Length announces, then closes the connection (a truncated download).
``__BASE_URL__`` in a body or header becomes the server's own address.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from fakes.http_thread import serving


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    truncate_to: int | None = None


@dataclass(frozen=True)
class Received:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class ReplayServer:
    base_url: str = ""
    script: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(
        self,
        target: str,
        status: int = 200,
        headers: dict[str, str] | None = None,
        body: bytes | str = b"",
        truncate_to: int | None = None,
    ) -> None:
        raw = body.encode() if isinstance(body, str) else body
        with self.lock:
            self.script.setdefault(target, []).append(Reply(status, dict(headers or {}), raw, truncate_to))

    def _next(self, target: str) -> Reply | None:
        path = urlsplit(target).path
        with self.lock:
            for key in (target, path):
                queue = self.script.get(key)
                if queue:
                    return queue.pop(0) if len(queue) > 1 else queue[0]
        return None


def _handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            with server.lock:
                server.requests.append(
                    Received(
                        parts.path, parse_qs(parts.query), {k.lower(): v for k, v in self.headers.items()}
                    )
                )
            reply = server._next(self.path) or Reply(404, {"Content-Type": "text/plain"}, b"not scripted")
            body = reply.body.replace(b"__BASE_URL__", server.base_url.encode())
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value.replace("__BASE_URL__", server.base_url))
            if not any(name.lower() == "content-length" for name in reply.headers):
                self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body if reply.truncate_to is None else body[: reply.truncate_to])
            self.wfile.flush()
            self.close_connection = True

    return Handler


@contextmanager
def replay_server() -> Iterator[ReplayServer]:
    """A running replay server on 127.0.0.1 (a free port), stopped on exit."""
    state = ReplayServer()
    with serving(_handler(state)) as base_url:
        state.base_url = base_url
        yield state

"""A local stand-in for the Telegram Bot API's ``sendMessage``, answering as api.telegram.org does.

``POST /bot<token>/sendMessage`` with a JSON body. A wrong token gets 401 "Unauthorized"; a chat not in
``chats`` 400 "Bad Request: chat not found"; a chat in ``kicked_from`` 403 "Forbidden: bot was kicked from
the group chat"; an empty text or one over 4096 UTF-16 units 400; ``rate_limited_first=N`` answers the first
N requests 429 with ``retry_after``. Accepted messages are kept in ``.messages``.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from fakes.http_thread import reply, serving

MESSAGE_LIMIT = 4096
RETRY_AFTER_S = 3


@dataclass(frozen=True)
class SentMessage:
    chat_id: str
    text: str
    request: dict[str, Any]  # the whole JSON body, to check options such as link previews


@dataclass
class FakeTelegram:
    token: str
    chats: frozenset[str]
    kicked_from: frozenset[str] = frozenset()
    rate_limited_first: int = 0
    api_base: str = ""
    messages: list[SentMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        if not path.startswith(f"/bot{self.token}/"):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        if path.removeprefix(f"/bot{self.token}/") != "sendMessage":
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        if not isinstance(request, dict):
            return 400, _bad_request("Bad Request: message text is empty")
        chat_id, text = str(request.get("chat_id", "")), str(request.get("text", ""))
        with self.lock:
            if self.rate_limited_first > 0:
                self.rate_limited_first -= 1
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {RETRY_AFTER_S}",
                    "parameters": {"retry_after": RETRY_AFTER_S},
                }
            if chat_id not in self.chats:
                return 400, _bad_request("Bad Request: chat not found")
            if chat_id in self.kicked_from:
                return 403, {
                    "ok": False,
                    "error_code": 403,
                    "description": "Forbidden: bot was kicked from the group chat",
                }
            if not text.strip():
                return 400, _bad_request("Bad Request: message text is empty")
            if len(text.encode("utf-16-le")) // 2 > MESSAGE_LIMIT:
                return 400, _bad_request("Bad Request: message is too long")
            self.messages.append(SentMessage(chat_id, text, request))
            message_id = len(self.messages)
        return 200, {
            "ok": True,
            "result": {
                "message_id": message_id,
                "chat": {"id": chat_id},
                "date": int(time.time()),
                "text": text,
            },
        }


def _bad_request(description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": 400, "description": description}


def _handler(api: FakeTelegram) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = api.answer(self.path, body)
            reply(self, status, json.dumps(answer).encode())

    return Handler


@contextmanager
def running_telegram_api(
    token: str, chats: Iterable[str], *, kicked_from: Iterable[str] = (), rate_limited_first: int = 0
) -> Iterator[FakeTelegram]:
    """The fake Bot API on a free port of 127.0.0.1 for the duration of the block; ``.api_base`` is what
    replaces https://api.telegram.org."""
    api = FakeTelegram(token, frozenset(chats), frozenset(kicked_from), rate_limited_first)
    with serving(_handler(api)) as base_url:
        api.api_base = base_url
        yield api

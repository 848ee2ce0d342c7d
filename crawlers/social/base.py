"""The social-connector contract: one public post as a ``Post``, one run as a ``Page``, errors by kind.

A connector fetches public posts newer than a cursor (``since``) and returns them with the cursor to resume
from next time. Authors are kept only as a keyed hash (``nlp.privacy.hash_handle``), never as handles.

Errors, and what the caller does with them:

- ``NotConfigured``: no credentials; reported per connector, not a failure of the cycle.
- ``RateLimited``: carries ``retry_at``; do not call the platform again before it.
- ``AuthExpired``: a 401; the token needs renewing.
- ``BadResponse``: malformed JSON, a truncated body or an unexpected shape; the message says which.
- ``ConnectorError`` (any other): counted and retried next cycle.

Every error's message is stripped of credentials when it is made (``redact_secrets``): a URL's
``access_token=`` or ``key=``, a bearer token, and any token-shaped string (Meta, Google and X tokens, and
long mixed runs of letters and digits), since platforms echo tokens in their error bodies.

What a fetch passed over is counted in its ``Page`` by reason (``SKIP_REASONS``), beside how many items it
read, so that ``pantau sources list`` can say what each source read, skipped and why.

HTTP goes through ``get_json`` / ``get_text`` / ``fetch`` (stdlib ``urllib``): redirects are followed (an
``Authorization`` header only to the same host), bodies are decoded by their declared charset with a
fallback for undeclared non-UTF-8 pages, and HTTP failures become the errors above.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from email.utils import parsedate_to_datetime
from types import MappingProxyType
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

USER_AGENT = "Pantau/0.1 (public-complaint monitor; social connectors)"
DEFAULT_TIMEOUT = 20.0
DEFAULT_RETRY_SECONDS = 60
MAX_ERROR_BODY = 65_536  # bytes of an error answer kept (a platform's error object is far smaller)
# WHATWG: a page labelled latin-1 / ascii is decoded as windows-1252 by every browser.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "windows-1252": "cp1252",
}


@dataclass(frozen=True)
class Post:
    """One public post or comment."""

    platform: str
    post_id: str
    permalink: str
    author_hash: str
    text: str
    posted_at: datetime
    engagement: dict[str, int] = field(default_factory=dict)
    in_reply_to: str | None = None

    def __post_init__(self) -> None:
        if self.posted_at.tzinfo is None:
            raise ValueError(f"{self.platform} post {self.post_id}: posted_at must be timezone-aware")


# Why an item the platform gave is not a post: ``Page.skipped``'s keys, with the words `pantau sources list`
# shows for them.
SKIP_REASONS = {
    "not_a_post": "bukan unggahan",  # a service message (channel photo changed, pinned), a deleted item
    "no_text": "tanpa teks",  # a photo or video without a caption
    "already_read": "sudah dibaca",  # at or before the cursor, or stored already
    "malformed": "rusak",  # an item without what a post needs (its id, its time)
    "other_script": "aksara lain",  # text mostly in a script other than Latin
    "over_limit": "melebihi batas",  # beyond the posts one run may read
}


@dataclass(frozen=True)
class Page:
    """What one ``fetch`` found (newest first), the cursor to resume from next time, how many items the
    platform gave (``read``: posts and skipped ones) and what was skipped, by reason (``SKIP_REASONS``)."""

    posts: list[Post]
    cursor: str | None
    read: int = 0
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass
class Tally:
    """Counts what one fetch read and skipped, and makes its ``Page``."""

    read: int = 0
    skipped: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str, count: int = 1) -> None:
        if reason not in SKIP_REASONS:
            raise ValueError(f"not a skip reason: {reason!r}")
        self.skipped[reason] += count

    def page(self, posts: list[Post], cursor: str | None) -> Page:
        return Page(posts=posts, cursor=cursor, read=self.read, skipped=dict(self.skipped))


def other_script(text: str) -> bool:
    """Whether most letters of ``text`` are in a script other than Latin (Arabic, Chinese, ...): not a text
    Pantau's Indonesian models can read. Emoji, digits and punctuation are not letters."""
    if text.isascii():
        return False
    letters = [c for c in text if c.isalpha()]
    latin = sum(1 for c in letters if c <= "\u024f" or "\u1e00" <= c <= "\u1eff")  # the Latin blocks
    return latin * 2 < len(letters)


_SECRETS = (
    # a credential in a URL's query or a form body
    (re.compile(r"\b([\w-]*(?:access_token|fb_exchange_token|secret|appsecret_proof|key|token)=)"
                r"[^&\s\"'<>]+", re.IGNORECASE), r"\1REDACTED"),  # also api_key=, x-api-key=, ...
    (re.compile(r"\b(Bearer\s+)[A-Za-z0-9%._~+/=-]+"), r"\1REDACTED"),
    (re.compile(r"\bEAA[A-Za-z0-9]{16,}"), "REDACTED"),  # Meta user, page and system-user tokens
    (re.compile(r"\bIG[A-Z]{2}[A-Za-z0-9_-]{16,}"), "REDACTED"),  # Instagram tokens (IGQV..., IGAA...)
    (re.compile(r"\b\d{6,}\|[A-Za-z0-9_-]{16,}"), "REDACTED"),  # Meta app tokens: app id | secret
    (re.compile(r"\bAIza[0-9A-Za-z_-]{30,}"), "REDACTED"),  # Google API keys
    (re.compile(r"\bA{8,}[A-Za-z0-9%]{16,}"), "REDACTED"),  # X app-only bearer tokens
    # any other long run of letters and digits mixed (a token Pantau does not know the shape of)
    (re.compile(r"(?<![\w%])(?=\w*\d)(?=\w*[A-Za-z])\w{40,}", re.ASCII), "REDACTED"),
)  # fmt: skip


def redact_secrets(text: str) -> str:
    """``text`` with every credential and token-shaped string replaced by ``REDACTED``."""
    for pattern, replacement in _SECRETS:
        text = pattern.sub(replacement, text)
    return text


class ConnectorError(Exception):
    """A connector failed this cycle: counted, retried next cycle. ``status`` is the HTTP status, if any;
    for an HTTP error answer, ``body`` is its whole body (up to ``MAX_ERROR_BODY`` bytes, credentials
    stripped) and ``headers`` its headers (lower-case names), so that a connector reads the platform's error
    object as a whole. The message is stripped of credentials (``redact_secrets``)."""

    body: str = ""
    headers: Mapping[str, str] = MappingProxyType({})

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(redact_secrets(message))
        self.status = status


class NotConfigured(ConnectorError):
    """Credentials are missing: reported, not a failure of the cycle."""


class RateLimited(ConnectorError):
    """The platform said 429; ``retry_at`` (UTC) is the earliest moment to call it again."""

    def __init__(self, message: str, retry_at: datetime, status: int | None = 429) -> None:
        super().__init__(message, status)
        self.retry_at = retry_at


class AuthExpired(ConnectorError):
    """A 401: the token is wrong or expired."""


class BadResponse(ConnectorError):
    """The platform answered, but not with what the contract needs (malformed, truncated, unexpected)."""


class Connector(Protocol):
    """One source of public posts."""

    platform: str

    def fetch(self, since: str | None, limit: int) -> Page:
        """Posts newer than ``since`` (a cursor returned by a previous fetch), at most ``limit`` of them."""
        ...


class KeyedConnector:
    """The shared set-up of an API connector reading one account (a channel, a page) with one credential;
    a subclass names its platform (``what``) and the API host it talks to by default."""

    what = "API"
    default_base_url = ""

    def __init__(
        self,
        account: str,
        credential: str | None,
        hash_key: str,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not account.strip():
            raise ValueError(f"a {self.what} connector needs its account")
        self.account = account.strip()
        self.credential = (credential or "").strip()
        self.hash_key = hash_key
        self.base_url = (base_url or self.default_base_url).rstrip("/")
        self.timeout = timeout

    def require_credential(self) -> None:
        """Refuse before any request when the credential is missing: the connector is not configured."""
        if not self.credential:
            raise NotConfigured(f"{self.what}: no credential configured")


@dataclass(frozen=True)
class Response:
    """A successful HTTP answer, decoded: ``url`` is the final URL after redirects."""

    url: str
    status: int
    content_type: str
    text: str


class _SameHostAuthRedirect(urllib.request.HTTPRedirectHandler):
    """Follow redirects like urllib does, but never carry credentials to another host."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and urlsplit(newurl).netloc.lower() != urlsplit(req.full_url).netloc.lower():
            new.remove_header("Authorization")
        return new


_OPENER = urllib.request.build_opener(_SameHostAuthRedirect)


def decode_body(body: bytes, charset: str | None) -> str:
    """``body`` as text: by the declared ``charset`` if it is a known one, else UTF-8, else windows-1252
    (and latin-1 for the five bytes windows-1252 leaves undefined, so decoding never fails)."""
    if charset:
        name = _CHARSET_ALIASES.get(charset.strip().strip("\"'").lower(), charset.strip().strip("\"'"))
        try:
            return body.decode(name)
        except (LookupError, UnicodeDecodeError):
            pass  # an unknown label, or a page that lies about its charset: fall back as if undeclared
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return body.decode("cp1252")
    except UnicodeDecodeError:
        return body.decode("latin-1")


def _retry_at(headers: Message, now: datetime) -> datetime:
    reset = headers.get("x-rate-limit-reset")
    if reset:
        try:
            return datetime.fromtimestamp(int(reset.strip()), tz=UTC)
        except (ValueError, OverflowError, OSError):
            pass
    after = headers.get("Retry-After")
    if after:
        after = after.strip()
        if after.isdigit():
            return now + timedelta(seconds=int(after))
        try:
            when = parsedate_to_datetime(after)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)
    return now + timedelta(seconds=DEFAULT_RETRY_SECONDS)


def _http_error(url: str, error: urllib.error.HTTPError) -> ConnectorError:
    status = error.code
    try:
        raw = error.read(MAX_ERROR_BODY)
    except http.client.IncompleteRead as incomplete:
        raw = incomplete.partial
    except (OSError, http.client.HTTPException):
        raw = b""
    body = decode_body(raw, error.headers.get_content_charset()).strip()
    detail = " ".join(body.split())[:200]
    suffix = f": {detail}" if detail else ""
    announced = (error.headers.get("Content-Length") or "").strip()
    made: ConnectorError
    if announced.isdigit() and len(raw) < min(int(announced), MAX_ERROR_BODY):
        made = BadResponse(
            f"truncated error answer (HTTP {status}) from {url}: got {len(raw)} of {announced} bytes"
        )
    elif status == 429:
        retry_at = _retry_at(error.headers, datetime.now(UTC))
        made = RateLimited(f"HTTP 429 from {url}, retry at {retry_at.isoformat()}{suffix}", retry_at)
    elif status == 401:
        made = AuthExpired(f"HTTP 401 from {url}: credentials rejected or expired{suffix}", status)
    else:
        made = ConnectorError(f"HTTP {status} from {url}{suffix}", status)
    made.body = redact_secrets(body)
    made.headers = MappingProxyType({name.lower(): value for name, value in error.headers.items()})
    return made


def fetch(url: str, headers: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> Response:
    """GET ``url`` (following redirects) and decode the body; HTTP failures raise the errors above.

    The error is raised here, outside any handler, so it chains no urllib exception (those hold the URL and
    with it the credentials); the credentials of the request (its ``access_token`` / ``key`` / ``token``
    parameters and its bearer token) are taken out of the error's message and body whatever their shape."""
    secrets = _credentials(url, headers or {})
    outcome = _answer(url, headers or {}, timeout)
    if isinstance(outcome, ConnectorError):
        raise _scrubbed(outcome, secrets)
    return outcome


def _answer(url: str, headers: dict[str, str], timeout: float) -> Response | ConnectorError:
    """The answer to a GET of ``url``, or the error it is (returned, not raised: see ``fetch``)."""
    request = urllib.request.Request(url, method="GET")
    request.add_header("User-Agent", USER_AGENT)
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with _OPENER.open(request, timeout=timeout) as answer:
            try:
                body = answer.read()
            except http.client.IncompleteRead as error:
                return BadResponse(
                    f"truncated body from {url}: got {len(error.partial)} bytes, "
                    f"{error.expected} more were announced"
                )
            charset = answer.headers.get_content_charset()
            return Response(answer.geturl(), answer.status, answer.headers.get_content_type(),
                            decode_body(body, charset))  # fmt: skip
    except urllib.error.HTTPError as error:
        with error:
            return _http_error(url, error)
    except urllib.error.URLError as error:
        return ConnectorError(f"cannot reach {url}: {error.reason}")
    except TimeoutError:
        return ConnectorError(f"timed out reading {url}")
    except (http.client.HTTPException, ConnectionError) as error:
        return BadResponse(f"broken HTTP answer from {url}: {type(error).__name__}")


_CREDENTIAL_PARAMETERS = ("access_token", "key", "token", "input_token", "client_secret")


def _credentials(url: str, headers: dict[str, str]) -> list[str]:
    """The credentials a request carries, as the platform could echo them back."""
    query = parse_qs(urlsplit(url).query)
    found = [value for name in _CREDENTIAL_PARAMETERS for value in query.get(name, [])]
    for name, value in headers.items():
        if name.lower() == "authorization":
            found.append(value.split(None, 1)[-1])
    return [secret for secret in found if len(secret.strip()) >= 8]


def _scrubbed(error: ConnectorError, secrets: list[str]) -> ConnectorError:
    """``error`` with the request's own credentials taken out of its message and body."""
    if not secrets:
        return error
    message, body = str(error), error.body
    for secret in secrets:
        message, body = message.replace(secret, "REDACTED"), body.replace(secret, "REDACTED")
    error.args = (message,)  # the error was made for this request alone
    error.body = body
    return error


def get_text(url: str, headers: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> str:
    """The decoded body of ``url``."""
    return fetch(url, headers, timeout).text


def get_json(
    url: str, headers: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """The JSON object at ``url``; anything that is not a JSON object raises ``BadResponse``."""
    text = fetch(url, {"Accept": "application/json", **(headers or {})}, timeout).text
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadResponse(
            f"invalid JSON from {url}: {error.msg} at line {error.lineno} col {error.colno}"
        ) from error
    if not isinstance(data, dict):
        raise BadResponse(f"expected a JSON object from {url}, got {type(data).__name__}")
    return data

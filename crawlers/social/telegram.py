"""Public Telegram channels through their web preview (``https://t.me/s/{channel}``) as a ``Connector``.

The preview shows the newest messages of a channel; ``?before={id}`` shows the ones older than ``id``.
``since`` is the last message id seen: paging stops at the first message with an id at or below it. The
cursor is the newest message id seen. The author of every post is the channel itself (hashed like any handle).

A channel without a public preview redirects to ``t.me/{channel}`` (no ``/s/``) or shows no messages; that is
a ``ConnectorError("no public preview")``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

import lxml.html

from crawlers.social.base import DEFAULT_TIMEOUT, BadResponse, ConnectorError, Page, Post, fetch
from nlp.privacy import hash_handle

PLATFORM = "telegram"
DEFAULT_BASE_URL = "https://t.me"
CHANNEL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
MAX_PAGES = 50
_SUFFIXES = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}
_MESSAGE_XPATH = (
    "//div[contains(concat(' ', normalize-space(@class), ' '), ' tgme_widget_message ')][@data-post]"
)


def _class_xpath(name: str, tag: str = "*") -> str:
    return f".//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"


def parse_count(value: str) -> int | None:
    """A count as the preview writes it: "987", "1.2K" -> 1200, "3.4M" -> 3400000; None if unreadable."""
    match = re.fullmatch(r"([0-9]+(?:[.,][0-9]+)?)\s*([KMB]?)", value.strip().upper())
    if not match:
        return None
    try:
        number = Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:
        return None
    return int(number * _SUFFIXES[match.group(2)])


@dataclass(frozen=True)
class PreviewMessage:
    """One message of a preview page, before it becomes a ``Post``."""

    channel: str
    message_id: int
    text: str
    posted_at: datetime
    views: int | None
    reply_to: str | None


def parse_preview(html: str, url: str = "") -> list[PreviewMessage]:
    """The messages of one ``t.me/s/...`` page in page order (oldest first); service messages and messages
    without text (a photo with no caption) are skipped."""
    return _parse(html, url)[0]


def _parse(html: str, url: str) -> tuple[list[PreviewMessage], list[int]]:
    """The messages with text, and the ids of every message on the page (service and media-only too)."""
    if not html.strip():
        return [], []
    document = lxml.html.document_fromstring(html)
    messages: list[PreviewMessage] = []
    ids: list[int] = []
    for node in document.xpath(_MESSAGE_XPATH):
        message_id, message = _message(node, url)
        ids.append(message_id)
        if message is not None:
            messages.append(message)
    return messages, ids


def _message(node: Any, url: str) -> tuple[int, PreviewMessage | None]:
    data_post = str(node.get("data-post", ""))
    channel, _, number = data_post.rpartition("/")
    if not channel or not number.isdigit():
        raise BadResponse(f"telegram message with data-post={data_post!r} in {url}")
    message_id = int(number)
    if "service_message" in str(node.get("class", "")).split():
        return message_id, None
    texts = node.xpath(_class_xpath("tgme_widget_message_text"))
    text = _text(texts[0]) if texts else ""
    if not text:
        return message_id, None
    times = node.xpath(".//time[@datetime]")
    if not times:
        raise BadResponse(f"telegram message {data_post} without a time in {url}")
    try:
        posted = datetime.fromisoformat(str(times[0].get("datetime")))
    except ValueError as error:
        raise BadResponse(f"telegram message {data_post} with a bad time in {url}: {error}") from error
    posted = posted.astimezone(UTC) if posted.tzinfo else posted.replace(tzinfo=UTC)
    views_nodes = node.xpath(_class_xpath("tgme_widget_message_views"))
    views = parse_count(str(views_nodes[0].text_content())) if views_nodes else None
    reply_to = None
    for reply in node.xpath(_class_xpath("tgme_widget_message_reply", "a")):
        path = urlsplit(str(reply.get("href", ""))).path.strip("/")
        if re.fullmatch(r"[A-Za-z0-9_]+/[0-9]+", path):
            reply_to = path
    return message_id, PreviewMessage(channel, message_id, text, posted, views, reply_to)


def _text(node: Any) -> str:
    """The message text with line breaks kept and whitespace tidied."""
    for br in node.iter("br"):
        br.tail = "\n" + (br.tail or "")
    lines = (" ".join(line.split()) for line in str(node.text_content()).split("\n"))
    return "\n".join(line for line in lines if line).strip()


class TelegramChannel:
    """The public posts of one Telegram channel, read from its web preview."""

    platform = PLATFORM

    def __init__(
        self,
        channel: str,
        hash_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        name = channel.strip().lstrip("@")
        if not CHANNEL_NAME.match(name):
            raise ValueError(f"not a Telegram channel name: {channel!r}")
        self.channel = name
        self.hash_key = hash_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def fetch(self, since: str | None, limit: int) -> Page:
        floor = _since_id(since)
        if limit < 1:
            return Page(posts=[], cursor=since)
        author_hash = hash_handle(PLATFORM, self.channel, self.hash_key)
        found: dict[int, PreviewMessage] = {}
        before: int | None = None
        for page_number in range(MAX_PAGES):
            messages, ids = self._page(before, first=page_number == 0)
            if not ids:
                break
            found.update((m.message_id, m) for m in messages if m.message_id > floor)
            oldest = min(ids)
            if oldest <= floor or len(found) >= limit or (before is not None and oldest >= before):
                break
            before = oldest
        newest_first = sorted(found.values(), key=lambda m: m.message_id, reverse=True)[:limit]
        cursor = str(newest_first[0].message_id) if newest_first else since
        posts = [self._post(m, author_hash) for m in newest_first]
        return Page(posts=posts, cursor=cursor)

    def _page(self, before: int | None, first: bool) -> tuple[list[PreviewMessage], list[int]]:
        url = f"{self.base_url}/s/{self.channel}" + (f"?before={before}" if before is not None else "")
        response = fetch(url, None, self.timeout)
        if not urlsplit(response.url).path.startswith("/s/"):
            raise ConnectorError(f"telegram {self.channel}: no public preview (redirected to {response.url})")
        messages, ids = _parse(response.text, response.url)
        if first and not ids:
            raise ConnectorError(f"telegram {self.channel}: no public preview (no messages at {url})")
        return messages, ids

    def _post(self, message: PreviewMessage, author_hash: str) -> Post:
        return Post(
            platform=PLATFORM,
            post_id=f"{message.channel}/{message.message_id}",
            permalink=f"https://t.me/{message.channel}/{message.message_id}",
            author_hash=author_hash,
            text=message.text,
            posted_at=message.posted_at,
            engagement={"views": message.views} if message.views is not None else {},
            in_reply_to=message.reply_to,
        )


def _since_id(since: str | None) -> int:
    if not since:
        return 0
    number = since.rpartition("/")[2].strip()
    if not number.isdigit():
        raise ValueError(f"a Telegram cursor is a message id, not {since!r}")
    return int(number)

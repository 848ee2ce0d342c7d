"""Public Telegram channels through their web preview (``https://t.me/s/{channel}``) as a ``Connector``.

There is no API behind the preview: it is HTML, read the way public scrapers of it read it (RSSHub, snscrape,
tchan; see tests/crawlers/social/fixtures/REFERENCES-telegram.md). A page shows about twenty messages,
oldest first, each a ``div.tgme_widget_message`` whose ``data-post`` is ``channel/id``; its time is the
``time[datetime]`` of its date link, and a link ``a.tme_messages_more[data-before]`` leads to the older ones
(``?before={id}``). A page without that link is the start of the channel.

What each message becomes:

- a post, whose text is the message's own ``tgme_widget_message_text``, with ``<br>`` and block quotes
  (``<blockquote>``, expandable or not) kept as line breaks. A reply also holds the quoted parent in
  ``a.tgme_widget_message_reply`` (a ``tgme_widget_message_text js-message_reply_text`` of its own): the
  quote is never the post's text; the reply link gives ``in_reply_to`` (``channel/id``). A forwarded
  message shows its origin in ``div.tgme_widget_message_forwarded_from`` (a name linking to the original
  channel or post) above the forwarded text: the post is that text as published in this channel, under this
  channel's id and permalink; the origin is not kept. A photo or video with a caption is a post of its
  caption.
- skipped, by reason (``base.SKIP_REASONS``): ``not_a_post`` for a service message (``service_message``:
  channel created, photo or title changed, a message pinned); ``no_text`` for a photo, video, sticker or poll
  without a caption; ``other_script`` for a text mostly in another script; ``malformed`` for a message
  without a readable ``data-post`` id or time (the rest of the page is read); ``already_read`` for an id at
  or below the cursor, or one an earlier page of the same run gave already; ``over_limit`` for what lies
  beyond ``limit`` (read next time, see below).

``since`` is the cursor: the newest message id handled so far. Paging goes back with ``?before=`` until a
page reaches the cursor or the start of the channel, and stops when the platform makes no progress (an
older page that is not older). With a cursor, the oldest ``limit`` posts after it are returned and the new
cursor is the newest id handled up to the last of them, so a run cut by ``limit`` resumes where it stopped
and never moves past a message it has not read; the cursor never moves backwards (a cursor newer than the
whole channel stays). Without a cursor (the first run) the newest ``limit`` posts are returned and the
cursor is the newest id. A run reads at most ``MAX_PAGES`` pages (about a thousand messages): a channel that
posts more than that between two runs loses the messages between the cursor and the oldest one the run
reached. The author of every post is the channel (an organisation), hashed like any handle. ``Page.read``
counts every message the pages gave.

Errors: a redirect away from ``/s/`` or a first page without a message history means the channel has no
public preview (``ConnectorError``); an empty body, JSON instead of HTML (a 200 with an error object), an
older page that is not a preview or a truncated body is a ``BadResponse``; a cursor that is not a message id
is a ``ConnectorError``. Nothing is returned from a run that failed, so its cursor is not stored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import lxml.etree
import lxml.html
from lxml.html import HtmlElement

from crawlers.social.base import (
    DEFAULT_TIMEOUT,
    BadResponse,
    ConnectorError,
    Page,
    Post,
    Tally,
    fetch,
    other_script,
)
from nlp.privacy import hash_handle

PLATFORM = "telegram"
DEFAULT_BASE_URL = "https://t.me"
CHANNEL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
MESSAGE_ID = re.compile(r"[0-9]+")
MAX_PAGES = 50
_SUFFIXES = {"": 1, "K": 1_000, "M": 1_000_000, "B": 1_000_000_000}
# Elements that stand on lines of their own inside a message text.
_BLOCKS = frozenset({"blockquote", "div", "p", "pre", "ul", "ol", "li"})


def _has_class(name: str) -> str:
    """An XPath predicate: the element's class list holds ``name``."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


_HISTORY = lxml.etree.XPath(f"//section[{_has_class('tgme_channel_history')}]")
_MESSAGES = lxml.etree.XPath(f".//div[{_has_class('tgme_widget_message')}]")
_OLDER = lxml.etree.XPath(f".//a[{_has_class('tme_messages_more')}][@data-before]")
_OWN_TEXT = lxml.etree.XPath(
    f".//*[{_has_class('tgme_widget_message_text')}][not({_has_class('js-message_reply_text')})]"
    f"[not(ancestor::*[{_has_class('tgme_widget_message_reply')}])]"
)
_REPLY = lxml.etree.XPath(f".//a[{_has_class('tgme_widget_message_reply')}][@href]")
_VIEWS = lxml.etree.XPath(f".//*[{_has_class('tgme_widget_message_views')}]")
_TIME = lxml.etree.XPath(f".//a[{_has_class('tgme_widget_message_date')}]//time[@datetime]")


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
    """One message of a preview page that can be a post."""

    channel: str
    message_id: int
    text: str
    posted_at: datetime
    views: int | None
    reply_to: str | None


@dataclass(frozen=True)
class Item:
    """One message of a preview page: its id (None if the page gives none) and either the message or the
    reason it is not a post (a key of ``base.SKIP_REASONS``)."""

    message_id: int | None
    message: PreviewMessage | None = None
    skip: str = ""


@dataclass(frozen=True)
class PreviewPage:
    """The messages of one preview page in page order (oldest first) and the id its link to older
    messages names (``?before=``), or None at the start of the channel."""

    items: list[Item]
    older: int | None


def parse_preview(html: str, url: str = "") -> PreviewPage | None:
    """The messages of one ``t.me/s/...`` page, or None if it is not a channel preview (no message history).
    An empty body or JSON instead of HTML is a ``BadResponse``."""
    history = _HISTORY(_document(html, url))
    if not history:
        return None
    items = [_item(node) for node in _MESSAGES(history[0])]
    older = _OLDER(history[0])
    return PreviewPage(items, _number(str(older[0].get("data-before"))) if older else None)


def _document(html: str, url: str) -> HtmlElement:
    """The parsed page; what is not an HTML page raises ``BadResponse``."""
    body = html.strip()
    if not body:
        raise BadResponse(f"telegram: empty body from {url}")
    if body[0] in "{[":
        raise _json_instead_of_html(url, body)
    try:
        return lxml.html.document_fromstring(body)
    except (lxml.etree.ParserError, ValueError) as error:
        raise BadResponse(f"telegram: unreadable HTML from {url}: {error}") from error


def _json_instead_of_html(url: str, body: str) -> BadResponse:
    """A JSON answer where the preview's HTML belongs (an API error object, a proxy's error), quoted."""
    return BadResponse(
        f"telegram: JSON instead of the preview's HTML from {url}: {' '.join(body.split())[:200]}"
    )


def _item(node: HtmlElement) -> Item:
    """What one message node is: a post candidate, or skipped and why."""
    channel, _, number = str(node.get("data-post", "")).rpartition("/")
    message_id = _number(number)
    if not channel or message_id is None:
        return Item(None, skip="malformed")
    if "service_message" in str(node.get("class", "")).split():
        return Item(message_id, skip="not_a_post")
    posted_at = _posted_at(node)
    if posted_at is None:
        return Item(message_id, skip="malformed")
    texts = _OWN_TEXT(node)
    text = _text(texts[0]) if texts else ""
    if not text:
        return Item(message_id, skip="no_text")
    if other_script(text):
        return Item(message_id, skip="other_script")
    views = _VIEWS(node)
    message = PreviewMessage(
        channel=channel,
        message_id=message_id,
        text=text,
        posted_at=posted_at,
        views=parse_count(str(views[0].text_content())) if views else None,
        reply_to=_reply_to(node),
    )
    return Item(message_id, message)


def _number(value: str) -> int | None:
    """A message id written in digits, None for anything else."""
    return int(value) if MESSAGE_ID.fullmatch(value.strip()) else None


def _posted_at(node: HtmlElement) -> datetime | None:
    """The time of the message's date link in UTC (one without an offset taken as UTC); None if unreadable."""
    times = _TIME(node)
    if not times:
        return None
    try:
        posted = datetime.fromisoformat(str(times[0].get("datetime")).strip())
    except ValueError:
        return None
    return posted.astimezone(UTC) if posted.tzinfo else posted.replace(tzinfo=UTC)


def _reply_to(node: HtmlElement) -> str | None:
    """``channel/id`` of the message a reply quotes, if its link names a public message."""
    replies = _REPLY(node)
    if not replies:
        return None
    path = urlsplit(str(replies[0].get("href"))).path.strip("/")
    return path if re.fullmatch(r"[A-Za-z0-9_]+/[0-9]+", path) else None


def _text(node: HtmlElement) -> str:
    """The text of a message as it reads: ``<br>`` and block elements (quotes) start new lines, other
    whitespace of the markup is one space, blank lines are dropped."""
    parts: list[str] = []
    _collect(node, parts)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _collect(node: HtmlElement, parts: list[str]) -> None:
    """Append the text under ``node`` to ``parts``, a line break for each ``<br>`` and around each block."""
    parts.append(_spaces(node.text))
    for child in node:
        if child.tag == "br":
            parts.append("\n")
        elif child.tag in _BLOCKS:
            parts.append("\n")
            _collect(child, parts)
            parts.append("\n")
        elif isinstance(child.tag, str):  # not a comment
            _collect(child, parts)
        parts.append(_spaces(child.tail))


def _spaces(text: str | None) -> str:
    """Markup whitespace (line breaks of the HTML source included) as single spaces."""
    return re.sub(r"\s+", " ", text or "")


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
        """Posts newer than the cursor ``since``, at most ``limit``, newest first (see the module doc)."""
        floor = self._since_id(since)
        tally = Tally()
        if limit < 1:
            return tally.page([], since)
        fresh = self._read(floor, limit, tally)
        chosen, newest = _choose(fresh, oldest_first=floor is not None, limit=limit, tally=tally)
        author_hash = hash_handle(PLATFORM, self.channel, self.hash_key)
        posts = [self._post(m, author_hash) for m in sorted(chosen, key=lambda m: m.message_id, reverse=True)]
        return tally.page(posts, str(newest) if newest is not None else since)

    def _read(self, floor: int | None, limit: int, tally: Tally) -> dict[int, Item]:
        """The messages newer than ``floor`` by id, paging back until the cursor, the start of the channel,
        no progress or (on a first run) ``limit`` posts; what is not new is counted here."""
        fresh: dict[int, Item] = {}
        before: int | None = None
        for _ in range(MAX_PAGES):
            page = self._page(before)
            for item in page.items:
                _take(item, floor, fresh, tally)
            older = page.older
            if older is None or (before is not None and older >= before):
                break  # the start of the channel, or a page that is not older than the last
            if floor is not None and older <= floor + 1:
                break  # everything older is at or below the cursor
            if floor is None and sum(1 for i in fresh.values() if i.message) >= limit:
                break
            before = older
        return fresh

    def _page(self, before: int | None) -> PreviewPage:
        """One preview page, the newest (``before`` None) or the one older than ``before``."""
        url = f"{self.base_url}/s/{self.channel}" + (f"?before={before}" if before is not None else "")
        response = fetch(url, None, self.timeout)
        if not urlsplit(response.url).path.startswith("/s/"):
            raise ConnectorError(f"telegram {self.channel}: no public preview (redirected to {response.url})")
        if response.content_type == "application/json" or response.content_type.endswith("+json"):
            raise _json_instead_of_html(url, response.text)
        page = parse_preview(response.text, url)
        if page is None and before is None:
            raise ConnectorError(f"telegram {self.channel}: no public preview (no message history at {url})")
        if page is None:
            raise BadResponse(f"telegram {self.channel}: {url} is not a channel preview (no message history)")
        return page

    def _since_id(self, since: str | None) -> int | None:
        """The message id of a cursor (``123`` or ``channel/123``); None without one."""
        if since is None or not since.strip():
            return None
        number = _number(since.rpartition("/")[2])
        if number is None:
            raise ConnectorError(f"telegram {self.channel}: the cursor {since!r} is not a message id")
        return number

    def _post(self, message: PreviewMessage, author_hash: str) -> Post:
        """The ``Post`` of a message: its permalink is the channel's own, its author the hashed channel."""
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


def _take(item: Item, floor: int | None, fresh: dict[int, Item], tally: Tally) -> None:
    """Count one message the platform gave; keep it in ``fresh`` if it is new to this run and the cursor."""
    tally.read += 1
    if item.message_id is None:
        tally.skip(item.skip)
    elif (floor is not None and item.message_id <= floor) or item.message_id in fresh:
        tally.skip("already_read")
    else:
        fresh[item.message_id] = item


def _choose(
    fresh: dict[int, Item], oldest_first: bool, limit: int, tally: Tally
) -> tuple[list[PreviewMessage], int | None]:
    """The posts among ``fresh`` up to ``limit``, walking from the oldest (after a cursor) or the newest (a
    first run), and the newest id handled; what lies beyond the limit is counted as ``over_limit``."""
    order = sorted(fresh, reverse=not oldest_first)
    chosen: list[PreviewMessage] = []
    handled: list[int] = []
    for position, message_id in enumerate(order):
        if len(chosen) == limit:
            tally.skip("over_limit", len(order) - position)
            break
        item = fresh[message_id]
        handled.append(message_id)
        if item.message is None:
            tally.skip(item.skip)
        else:
            chosen.append(item.message)
    return chosen, max(handled, default=None)

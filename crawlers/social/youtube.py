"""YouTube Data API v3: the public comments on one channel as a ``Connector``.

``GET {base}/youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId=...&order=time
&textFormat=plainText&maxResults=100`` with an API key, following ``nextPageToken``. The answer is newest
first. ``since`` (the cursor) is the ``publishedAt`` of the newest comment judged by the previous run
(ISO 8601, UTC); paging stops at the first page that reaches it (without a cursor, at the first page that
holds ``limit`` posts), after ``MAX_PAGES`` pages, or when no ``nextPageToken`` comes.

Every thread the API gives is either a post or skipped with a reason (``base.SKIP_REASONS``):

- ``malformed``: not an object, or without the top-level comment's id or a readable ``publishedAt``;
- ``already_read``: published at or before the cursor, or given twice in one run;
- ``not_a_post``: not a ``youtube#commentThread``, not public, or a thread about the channel itself (no
  ``snippet.videoId``): the API documents such a thread as applying "to the channel and not to a specific
  video", and no public YouTube page shows it (the channel Discussion tab is gone), so there is no permalink
  for it. A thread on a community post (``snippet.postId``) links to ``/post/{postId}?lc={commentId}``, one
  on a video to ``/watch?v={videoId}&lc={commentId}``;
- ``no_text`` / ``other_script``: no text, or text mostly in a script other than Latin.

Text is ``textOriginal`` when the API gives it (only guaranteed to the comment's author), else
``textDisplay``; if that still carries HTML (``<br>``, ``<a href>``, ``&#39;``) it becomes plain text.

When more new posts come than ``limit``, the *oldest* ``limit`` are returned and the newer rest are counted
``over_limit``: the cursor (the newest ``publishedAt`` judged) stays below them, so the next run reads them.
It never moves backwards, never past a thread not yet judged, and never splits comments of the same second
(but threads more than ``MAX_PAGES`` pages behind the newest are never given, so never read).
Only top-level comments are read; ``totalReplyCount`` is kept as engagement.

Errors are read from Google's JSON error object (``error.errors[].reason``, in the whole body the
error keeps): ``quotaExceeded`` / ``dailyLimitExceeded`` become
``RateLimited`` until the next midnight Pacific time (taken as 00:00 UTC-8 all year),
``rateLimitExceeded`` / ``userRateLimitExceeded`` and HTTP 429 ``RateLimited`` for ``Retry-After`` seconds
or a minute, ``keyInvalid`` / ``keyExpired`` and HTTP 401 ``AuthExpired``; others (``commentsDisabled``,
``forbidden``) stay ``ConnectorError`` with the HTTP status, and a 200 answer carrying an unknown error is
a ``BadResponse``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlencode

from crawlers.social.base import (
    DEFAULT_RETRY_SECONDS,
    AuthExpired,
    BadResponse,
    ConnectorError,
    KeyedConnector,
    Page,
    Post,
    RateLimited,
    Tally,
    get_json,
    other_script,
)
from nlp.privacy import hash_handle

PLATFORM = "youtube"
DEFAULT_BASE_URL = "https://www.googleapis.com"
THREADS_PATH = "/youtube/v3/commentThreads"
THREAD_KIND = "youtube#commentThread"
MAX_RESULTS = 100
MAX_PAGES = 50  # a guard against a server that never stops handing out nextPageToken
QUOTA_TZ = timezone(timedelta(hours=-8))  # quota resets at midnight Pacific; standard time used all year
_QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
_RATE_REASONS = frozenset({"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"})
# errors[].reason in the documented format; the google.rpc.ErrorInfo reasons newer answers add in "details"
_KEY_REASONS = frozenset({"keyInvalid", "keyExpired", "API_KEY_INVALID", "API_KEY_EXPIRED"})
_BLOCKS = frozenset({"p", "div", "li"})  # YouTube uses <br>; a paragraph's end is a line break all the same
# a tag (<br>, </a>, <a href="...">) or a character reference (&amp; &#39; &#x27;): textDisplay as HTML
_MARKUP = re.compile(
    r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>|&(?:#[0-9]+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);"
)


def quota_reset(now: datetime) -> datetime:
    """The next 00:00 at UTC-8 after ``now``, in UTC: when a daily YouTube quota is renewed."""
    local = now.astimezone(QUOTA_TZ)
    midnight = datetime(local.year, local.month, local.day, tzinfo=QUOTA_TZ) + timedelta(days=1)
    return midnight.astimezone(UTC)


def parse_time(value: str) -> datetime:
    """An RFC 3339 timestamp (``...Z`` or with an offset) as an aware UTC datetime (``ValueError`` if not)."""
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    try:
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError as error:  # e.g. year 1 with a positive offset
        raise ValueError(f"{value!r} is out of range") from error


class _PlainText(HTMLParser):
    """Collects the text of an HTML fragment: tags dropped, ``<br>`` and the end of a block (``</p>``) as a
    line break, references unescaped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(display: str) -> str:
    """``textDisplay`` as plain text. YouTube's HTML form marks line breaks with ``<br>``, links with ``<a>``
    and escapes characters (``&#39;``); text without any tag or reference is already plain and kept as is
    (so a lone ``<`` or ``>`` a commenter typed survives)."""
    if not _MARKUP.search(display):
        return display
    parser = _PlainText()
    parser.feed(display)
    parser.close()
    return "".join(parser.parts)


@dataclass(frozen=True)
class _Thread:
    """A well-formed comment thread: the item, its snippet, its top-level comment's id, snippet and time."""

    item: dict[str, Any]
    snippet: dict[str, Any]
    comment_id: str
    comment: dict[str, Any]
    posted_at: datetime


@dataclass(frozen=True)
class _Judged:
    """A thread placed in time (newer than the cursor, seen once): the post it makes, or why it is skipped."""

    posted_at: datetime
    outcome: Post | str


class YouTubeComments(KeyedConnector):
    """Public top-level comments on ``channel_id`` and its videos (see the module docstring)."""

    platform = PLATFORM

    what = "YouTube"
    default_base_url = DEFAULT_BASE_URL

    def fetch(self, since: str | None, limit: int) -> Page:
        self.require_credential()
        tally = Tally()
        if limit < 1:
            return tally.page([], since)
        since_at = _cursor_time(since)
        judged: list[_Judged] = []
        seen: set[str] = set()
        page_token: str | None = None
        for _ in range(MAX_PAGES):
            url = self._url(page_token)
            data = _get(url, self.timeout)
            reached_since = self._read_page(_items(data, url), since_at, seen, judged, tally)
            page_token = _next_token(data)
            enough = since_at is None and _post_count(judged) >= limit  # without a cursor: the newest posts
            if reached_since or enough or page_token is None:
                break
        kept, left_over = _within_limit(judged, limit)
        for entry in kept:
            if isinstance(entry.outcome, str):
                tally.skip(entry.outcome)
        if left_over:
            tally.skip("over_limit", len(left_over))
        posts = [entry.outcome for entry in reversed(kept) if isinstance(entry.outcome, Post)]
        cursor = max(entry.posted_at for entry in kept).isoformat() if kept else since
        return tally.page(posts, cursor)

    def _url(self, page_token: str | None) -> str:
        params = {
            "part": "snippet",
            "allThreadsRelatedToChannelId": self.account,
            "order": "time",
            "textFormat": "plainText",
            "maxResults": str(MAX_RESULTS),
            "key": self.credential,
        }
        if page_token:
            params["pageToken"] = page_token
        return f"{self.base_url}{THREADS_PATH}?{urlencode(params)}"

    def _read_page(
        self, items: list[Any], since_at: datetime | None, seen: set[str], judged: list[_Judged], tally: Tally
    ) -> bool:
        """Judge the threads of one page into ``judged`` (skips into ``tally``); whether the page reached the
        cursor (answers are newest first: the next page is older still)."""
        tally.read += len(items)
        reached_since = False
        for item in items:
            thread = _thread(item)
            if thread is None:
                tally.skip("malformed")
            elif since_at is not None and thread.posted_at <= since_at:
                tally.skip("already_read")
                reached_since = True
            elif thread.comment_id in seen:
                tally.skip("already_read")
            else:
                seen.add(thread.comment_id)
                judged.append(_Judged(thread.posted_at, self._judge(thread)))
        return reached_since

    def _judge(self, thread: _Thread) -> Post | str:
        """The post a well-formed thread makes, or the skip reason that keeps it out."""
        permalink = _permalink(thread)
        public = (
            thread.item.get("kind", THREAD_KIND) == THREAD_KIND
            and thread.snippet.get("isPublic") is not False
        )
        if not public or permalink is None:
            return "not_a_post"
        text = _text(thread.comment)
        if not text:
            return "no_text"
        if other_script(text):
            return "other_script"
        return Post(
            platform=PLATFORM,
            post_id=thread.comment_id,
            permalink=permalink,
            author_hash=self._author_hash(thread.comment),
            text=text,
            posted_at=thread.posted_at,
            engagement=_engagement(thread),
        )

    def _author_hash(self, snippet: dict[str, Any]) -> str:
        author = snippet.get("authorChannelId")
        author_id = author.get("value") if isinstance(author, dict) else None
        if isinstance(author_id, str) and author_id:
            return hash_handle(PLATFORM, f"channel:{author_id}", self.hash_key)
        # no channel id (rare, e.g. deleted accounts): the display name is all there is
        return hash_handle(PLATFORM, f"name:{snippet.get('authorDisplayName', '')}", self.hash_key)


def _cursor_time(since: str | None) -> datetime | None:
    if not since:
        return None
    try:
        return parse_time(since)
    except ValueError as error:
        raise ConnectorError(f"YouTube: the stored cursor {since!r} is not an RFC 3339 time") from error


def _items(data: dict[str, Any], url: str) -> list[Any]:
    items = data.get("items")
    if not isinstance(items, list):
        shape = "no 'items'" if items is None else f"'items' as {type(items).__name__}, not a list"
        raise BadResponse(f"YouTube answered with {shape} from {url}")
    return items


def _next_token(data: dict[str, Any]) -> str | None:
    token = data.get("nextPageToken")
    return token if isinstance(token, str) and token else None


def _thread(item: Any) -> _Thread | None:
    """``item`` as a ``_Thread``; ``None`` if its snippet, top-level comment, comment id or a readable
    ``publishedAt`` is missing."""
    if not isinstance(item, dict):
        return None
    snippet = item.get("snippet")
    top = snippet.get("topLevelComment") if isinstance(snippet, dict) else None
    comment = top.get("snippet") if isinstance(top, dict) else None
    if not isinstance(snippet, dict) or not isinstance(top, dict) or not isinstance(comment, dict):
        return None
    comment_id = top.get("id") or item.get("id")
    published = comment.get("publishedAt")
    if not isinstance(comment_id, str) or not comment_id or not isinstance(published, str):
        return None
    try:
        posted_at = parse_time(published)
    except ValueError:
        return None
    return _Thread(item, snippet, comment_id, comment, posted_at)


def _permalink(thread: _Thread) -> str | None:
    """The public page of a comment: on its video, on its community post, or ``None`` for a comment on the
    channel itself, which no public page shows."""
    video = thread.snippet.get("videoId") or thread.comment.get("videoId")
    lc = urlencode({"lc": thread.comment_id})
    if isinstance(video, str) and video:
        return f"https://www.youtube.com/watch?{urlencode({'v': video})}&{lc}"
    post = thread.snippet.get("postId") or thread.comment.get("postId")
    if isinstance(post, str) and post:
        return f"https://www.youtube.com/post/{quote(post, safe='')}?{lc}"
    return None


def _text(snippet: dict[str, Any]) -> str:
    original = snippet.get("textOriginal")
    if isinstance(original, str) and original.strip():
        return original.strip()
    display = snippet.get("textDisplay")
    return plain_text(display).strip() if isinstance(display, str) else ""


def _engagement(thread: _Thread) -> dict[str, int]:
    counts = (("likes", thread.comment.get("likeCount")), ("replies", thread.snippet.get("totalReplyCount")))
    return {name: value for name, value in counts if isinstance(value, int) and not isinstance(value, bool)}


def _post_count(judged: list[_Judged]) -> int:
    return sum(1 for entry in judged if isinstance(entry.outcome, Post))


def _within_limit(judged: list[_Judged], limit: int) -> tuple[list[_Judged], list[_Judged]]:
    """``judged`` split, oldest first, into what this run keeps (up to ``limit`` posts, with the skipped
    threads among them) and what is left for the next run. The next run resumes after the newest kept time,
    so threads of the same second as the first left-over are left over too (unless that would leave
    nothing)."""
    oldest_first = sorted(judged, key=lambda entry: entry.posted_at)
    posts = 0
    for index, entry in enumerate(oldest_first):
        if isinstance(entry.outcome, Post):
            if posts == limit:
                kept, left = oldest_first[:index], oldest_first[index:]
                safe = [e for e in kept if e.posted_at < left[0].posted_at]
                return (safe, oldest_first[len(safe) :]) if safe else (kept, left)
            posts += 1
    return oldest_first, []


def _get(url: str, timeout: float) -> dict[str, Any]:
    """The JSON object at ``url``; an error answer (or a 200 carrying Google's error object) raises the
    contract's error for it, read from Google's error object when the answer is one."""
    try:
        data = get_json(url, timeout=timeout)
    except ConnectorError as error:
        found = _error_object(error.body)
        if found is None:
            raise
        raise youtube_error(found, error.status or 0, error.headers, url, datetime.now(UTC)) from error
    if isinstance(data.get("error"), dict):
        raise youtube_error(data["error"], 200, {}, url, datetime.now(UTC))
    return data


def _error_object(body: str) -> dict[str, Any] | None:
    """Google's error object (``{"error": {...}}``) in an error answer's body, if it is one."""
    try:
        data = json.loads(body) if body else None
    except json.JSONDecodeError:
        return None
    found = data.get("error") if isinstance(data, dict) else None
    return found if isinstance(found, dict) else None


def _retry_at(headers: Mapping[str, str], now: datetime) -> datetime:
    after = (headers.get("retry-after") or "").strip()
    return now + timedelta(seconds=int(after) if after.isdigit() else DEFAULT_RETRY_SECONDS)


def _reasons(error: dict[str, Any]) -> list[str]:
    """The reasons of a Google error object: ``errors[].reason``, then any ``details[].reason``."""
    reasons: list[str] = []
    for key in ("errors", "details"):
        entries = error.get(key)
        for entry in entries if isinstance(entries, list) else []:
            reason = entry.get("reason") if isinstance(entry, dict) else None
            if isinstance(reason, str) and reason and reason not in reasons:
                reasons.append(reason)
    return reasons


def youtube_error(
    error: dict[str, Any], status: int, headers: Mapping[str, str], url: str, now: datetime
) -> ConnectorError:
    """The contract error for Google's JSON error object ``error`` answered with HTTP ``status``."""
    code = error.get("code")
    code = code if isinstance(code, int) and not isinstance(code, bool) else status
    reasons = _reasons(error)
    message = error.get("message")
    text = " ".join(plain_text(message).split()) if isinstance(message, str) else ""
    what = f"YouTube {code} {', '.join(reasons) or error.get('status') or 'error'}: {text} ({url})"
    if _QUOTA_REASONS.intersection(reasons):
        retry_at = quota_reset(now)
        return RateLimited(f"{what}; quota renewed at {retry_at.isoformat()}", retry_at, code)
    if _RATE_REASONS.intersection(reasons) or code == 429:
        retry_at = _retry_at(headers, now)
        return RateLimited(f"{what}; retry at {retry_at.isoformat()}", retry_at, code)
    if _KEY_REASONS.intersection(reasons) or code == 401:
        return AuthExpired(f"{what}; the API key was rejected", code)
    if status < 400:
        return BadResponse(f"{what}; answered with HTTP {status}", code)
    return ConnectorError(what, code)

"""Facebook Graph API: one public page's posts and their newest comments as a ``Connector``.

``GET {base}/v19.0/{page_id}/posts?fields=...&since={unix}`` with a page (or app) access token, following
the absolute ``paging.next`` URLs (only on the same host as ``base_url``: they carry the token) until
``limit`` posts or no more pages. For each post with comments, the first page of
``GET {base}/v19.0/{post_id}/comments?filter=stream&order=reverse_chronological`` is read too; comments are
``Post``s with ``in_reply_to`` = the post id. The cursor is the newest page post's ``created_time`` as a Unix
timestamp (``since`` when nothing new); the next run asks only for posts after it, so comments added later
to an already fetched post are not seen.

The page's own posts are authored by the page: ``author_hash`` hashes ``id:{page_id}``. A comment's author is
``from.id`` (hashed as ``id:{from.id}``); without Page Public Content Access Graph omits ``from``, and the
author is hashed as ``unknown``. Names are never kept.

Graph errors (``graph_error``, shared with the Instagram connector): ``base.get_json`` reports a 400/403 as
a plain ``ConnectorError`` with the first 200 characters of the body in its message, and the error code is
read from there: 190 (and 102) -> ``AuthExpired``; 4, 17, 32, 613 and the business-use-case codes
80001-80014 -> ``RateLimited``, with ``retry_at`` from ``x-business-use-case-usage``'s
``estimated_time_to_regain_access`` (minutes) when the header gives one, else one hour from now.
"""

from __future__ import annotations

import json
import re
import urllib.error
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

from crawlers.social.base import (
    AuthExpired,
    BadResponse,
    ConnectorError,
    KeyedConnector,
    Page,
    Post,
    RateLimited,
    get_json,
)
from nlp.privacy import hash_handle

PLATFORM = "facebook"
DEFAULT_BASE_URL = "https://graph.facebook.com"
GRAPH_VERSION = "v19.0"
POST_FIELDS = "id,message,created_time,permalink_url,shares,reactions.summary(true),comments.summary(true)"
COMMENT_FIELDS = "id,message,created_time,from,like_count,permalink_url"
POSTS_PER_PAGE = 25
COMMENTS_PER_POST = 50
MAX_PAGES = 50  # a guard against a server that never stops handing out paging.next
AUTH_CODES = frozenset({102, 190})
RATE_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})
DEFAULT_GRAPH_RETRY = timedelta(hours=1)
_CODE = re.compile(r'"code"\s*:\s*(\d+)')
_HASH_CODE = re.compile(r"\(#(\d+)\)")  # Graph messages start with "(#4) ..." for most numbered errors
_SECRET = re.compile(r"((?:access_token|key)=)[^&\s:\"']+")
_EXPIRED_HINTS = ("error validating access token", "session has expired", "invalid oauth access token")


def parse_graph_time(value: str) -> datetime:
    """A Graph ``created_time`` / ``timestamp`` (``2026-11-21T09:15:42+0000``) as an aware UTC datetime."""
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def graph_get(url: str, timeout: float, service: str = "Graph") -> dict[str, Any]:
    """``get_json`` with Graph error bodies mapped to the contract's errors (see ``graph_error``)."""
    try:
        return get_json(url, timeout=timeout)
    except ConnectorError as error:
        mapped = None
        if type(error) is ConnectorError:  # not already RateLimited (429), AuthExpired (401), BadResponse
            mapped = graph_error(error, datetime.now(UTC), service)
        raise redact(mapped or error) from error


def redact(error: ConnectorError) -> ConnectorError:
    """``error`` with any ``access_token=`` / ``key=`` value in its message (base puts the URL there)
    replaced by ``REDACTED``, so that logs never hold the token."""
    message = _SECRET.sub(r"\1REDACTED", str(error))
    if isinstance(error, RateLimited):
        return RateLimited(message, error.retry_at, error.status)
    return type(error)(message, error.status)


def graph_error(error: ConnectorError, now: datetime, service: str = "Graph") -> ConnectorError | None:
    """The contract error for a Graph API error answer (``None``: keep ``error`` as it is)."""
    detail = str(error)
    codes = {int(code) for code in _CODE.findall(detail)} | {int(c) for c in _HASH_CODE.findall(detail)}
    if codes & AUTH_CODES or (
        "OAuthException" in detail and any(hint in detail.lower() for hint in _EXPIRED_HINTS)
    ):
        return AuthExpired(f"{service}: access token rejected or expired: {detail}", error.status)
    if codes & RATE_CODES:
        retry_at = graph_retry_at(_headers(error), now)
        return RateLimited(
            f"{service}: rate limited, retry at {retry_at.isoformat()}: {detail}", retry_at, error.status
        )
    return None


def graph_retry_at(headers: dict[str, str], now: datetime) -> datetime:
    """When to call Graph again: the longest ``estimated_time_to_regain_access`` (minutes) in
    ``x-business-use-case-usage`` if positive; ``x-app-usage`` gives no time, so otherwise one hour."""
    raw = headers.get("x-business-use-case-usage")
    minutes = 0
    if raw:
        try:
            usage = json.loads(raw)
        except json.JSONDecodeError:
            usage = None
        if isinstance(usage, dict):
            for entries in usage.values():
                for entry in entries if isinstance(entries, list) else []:
                    wait = entry.get("estimated_time_to_regain_access") if isinstance(entry, dict) else None
                    if isinstance(wait, int | float) and not isinstance(wait, bool):
                        minutes = max(minutes, int(wait))
    if minutes > 0:
        return now + timedelta(minutes=minutes)
    return now + DEFAULT_GRAPH_RETRY


def _headers(error: ConnectorError) -> dict[str, str]:
    """The HTTP headers of the answer behind ``error`` (``base.fetch`` chains the ``HTTPError``)."""
    cause = error.__cause__
    if isinstance(cause, urllib.error.HTTPError) and cause.headers is not None:
        return {name.lower(): value for name, value in cause.headers.items()}
    return {}


def same_host_next(next_url: Any, base_url: str, service: str) -> str | None:
    """``paging.next`` if it is on ``base_url``'s host (it carries the token), ``None`` if absent."""
    if not next_url:
        return None
    url = str(next_url)
    base = urlsplit(base_url)
    target = urlsplit(url)
    if (target.scheme, target.netloc.lower()) != (base.scheme, base.netloc.lower()):
        raise BadResponse(f"{service} paging.next points to another host ({target.netloc}); not followed")
    return url


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class FacebookPage(KeyedConnector):
    """Public posts of the Facebook page ``page_id`` and the newest comments on them, newest first."""

    platform = PLATFORM

    what = "Facebook"
    default_base_url = DEFAULT_BASE_URL

    def fetch(self, since: str | None, limit: int) -> Page:
        self.require_credential()
        if limit < 1:
            return Page(posts=[], cursor=since)
        since_unix = int(since) if since else None
        page_posts: list[tuple[Post, int | None]] = []
        url: str | None = self._posts_url(since_unix)
        for _ in range(MAX_PAGES):
            if url is None or len(page_posts) >= limit:
                break
            data = graph_get(url, self.timeout, "Facebook")
            items = data.get("data", [])
            if not isinstance(items, list):
                raise BadResponse(f"Facebook 'data' is {type(items).__name__}, not a list, from {url}")
            reached_since = False
            for item in items:
                post, comment_count = self._page_post(item, url)
                if since_unix is not None and post.posted_at.timestamp() <= since_unix:
                    reached_since = True
                    continue
                page_posts.append((post, comment_count))
            paging = data.get("paging") or {}
            next_url = paging.get("next") if isinstance(paging, dict) else None
            url = None if reached_since else same_host_next(next_url, self.base_url, "Facebook")
        page_posts = page_posts[:limit]
        posts: list[Post] = []
        for post, comment_count in page_posts:
            if len(posts) >= limit:
                break
            posts.append(post)
            if comment_count != 0 and len(posts) < limit:
                posts.extend(self._comments(post.post_id)[: limit - len(posts)])
        posts.sort(key=lambda p: p.posted_at, reverse=True)
        newest = max((p.posted_at for p, _ in page_posts), default=None)
        cursor = str(int(newest.timestamp())) if newest else since
        return Page(posts=posts, cursor=cursor)

    def _posts_url(self, since_unix: int | None) -> str:
        params = {"fields": POST_FIELDS, "limit": str(POSTS_PER_PAGE), "access_token": self.credential}
        if since_unix is not None:
            params["since"] = str(since_unix)
        return f"{self.base_url}/{GRAPH_VERSION}/{self.account}/posts?{urlencode(params)}"

    def _comments_url(self, post_id: str) -> str:
        params = {
            "fields": COMMENT_FIELDS,
            "filter": "stream",
            "order": "reverse_chronological",
            "limit": str(COMMENTS_PER_POST),
            "access_token": self.credential,
        }
        return f"{self.base_url}/{GRAPH_VERSION}/{post_id}/comments?{urlencode(params)}"

    def _page_post(self, item: Any, url: str) -> tuple[Post, int | None]:
        post_id, text, posted_at = _basics(item, "post", url)
        engagement: dict[str, int] = {}
        for name, key in (("reactions", "reactions"), ("comments", "comments")):
            block = item.get(key)
            summary = block.get("summary") if isinstance(block, dict) else None
            total = _count(summary.get("total_count")) if isinstance(summary, dict) else None
            if total is not None:
                engagement[name] = total
        shares = item.get("shares")
        if isinstance(shares, dict) and _count(shares.get("count")) is not None:
            engagement["shares"] = int(shares["count"])
        post = Post(
            platform=PLATFORM,
            post_id=post_id,
            permalink=str(item.get("permalink_url") or f"https://www.facebook.com/{post_id}"),
            author_hash=hash_handle(PLATFORM, f"id:{self.account}", self.hash_key),
            text=text,
            posted_at=posted_at,
            engagement=engagement,
        )
        return post, engagement.get("comments")

    def _comments(self, post_id: str) -> list[Post]:
        url = self._comments_url(post_id)
        data = graph_get(url, self.timeout, "Facebook")
        items = data.get("data", [])
        if not isinstance(items, list):
            raise BadResponse(f"Facebook comments 'data' is {type(items).__name__}, not a list, from {url}")
        comments = []
        for item in items:
            comment_id, text, posted_at = _basics(item, "comment", url)
            author = item.get("from")
            author_id = author.get("id") if isinstance(author, dict) else None
            handle = f"id:{author_id}" if author_id else "unknown"
            likes = _count(item.get("like_count"))
            comments.append(
                Post(
                    platform=PLATFORM,
                    post_id=comment_id,
                    permalink=str(item.get("permalink_url") or f"https://www.facebook.com/{comment_id}"),
                    author_hash=hash_handle(PLATFORM, handle, self.hash_key),
                    text=text,
                    posted_at=posted_at,
                    engagement={"likes": likes} if likes is not None else {},
                    in_reply_to=post_id,
                )
            )
        return comments


def _basics(item: Any, kind: str, url: str) -> tuple[str, str, datetime]:
    """``id``, ``message`` (empty for a photo without caption) and ``created_time`` of a Graph object."""
    if not isinstance(item, dict):
        raise BadResponse(f"Facebook {kind} is {type(item).__name__}, not an object, from {url}")
    try:
        return str(item["id"]), str(item.get("message") or ""), parse_graph_time(str(item["created_time"]))
    except KeyError as error:
        raise BadResponse(f"Facebook {kind} without {error.args[0]!r} from {url}") from error
    except ValueError as error:
        raise BadResponse(f"Facebook {kind} with a bad created_time from {url}: {error}") from error

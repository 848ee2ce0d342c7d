"""Facebook Graph API: one public Page's posts and the comments on them as a ``Connector``, and the Graph
plumbing the Instagram connector shares (the error object, rate limits, paging).

Reading. ``GET {base}/{version}/{page_id}/posts?fields=...&since={cursor}`` with a Page (or app) access token,
following the absolute ``paging.next`` URLs (only on ``base_url``'s host: they carry the token) back to the
cursor, at most ``MAX_PAGES`` pages. Graph answers newest first and applies ``since`` to a post's update time,
so a post at or before the cursor is skipped here too (``already_read``) and paging stops at the page that
reaches the cursor. A first run (no cursor, or one that is not a Unix time) reads the newest page only: a
source starts at the present. For each post with comments, ``GET {base}/{version}/{post_id}/comments
?filter=stream&order=reverse_chronological`` is read, its ``paging.next`` too (at most ``MAX_COMMENT_PAGES``
pages): ``filter=stream`` gives the replies with the top-level comments, and a reply keeps its real parent
(the requested ``parent{id}``) as ``in_reply_to``; a top-level comment's parent is the post.

Which posts a run keeps. New posts are taken oldest first, each with its comments, while they fit in
``limit``; the others are skipped as ``over_limit`` and read next run, since the cursor (the newest kept
post's ``created_time`` in Unix seconds, or ``since`` when nothing new came) never passes a post not yet read.
Posts of the same second are kept or left together. A first post with more comments than ``limit`` keeps the
first ``limit`` of them (the post, then its newest comments) and its other comments are not read; comments
added to a post after the run that read it are not read either.

Skipped, by reason (``Page.skipped``): a post or comment without ``message`` (a photo, a sticker) as
``no_text``, text mostly in another script as ``other_script``, an item without an id or a readable time
(Graph leaves out comment ids for apps on Page Public Content Access; a time more than a day ahead would carry
the cursor past every real post) as ``malformed``, one at or before the
cursor or seen before in the run as ``already_read``, one beyond ``limit`` as ``over_limit``.

Authors. The Page's own posts are authored by the Page: ``author_hash`` hashes ``id:{page_id}``. A comment's
author is ``from.id`` (hashed as ``id:{from.id}``); without Page Public Content Access Graph leaves ``from``
out and the author is hashed as ``unknown``. Names are never kept.

Errors (``graph_get``). The Graph error object (``error.code``, ``error_subcode``, ``type``, ``message``,
``fbtrace_id``) is read as JSON whatever its length and at any status, 200 included. Code 190 with any subcode
(458 app not installed, 460 password changed, 463 expired, 467 invalid; none for a malformed token) or 102, or
HTTP 401, is ``AuthExpired``, its message naming the subcode. Codes 4, 17, 32, 341, 613 and the
business-use-case codes 80000-80014, or HTTP 429, are ``RateLimited`` until ``graph_retry_at``: the
``X-Business-Use-Case-Usage`` time to regain access, ``X-Ad-Account-Usage``'s reset time, ``Retry-After``,
else the hour platform limits count over (``X-App-Usage``'s percentages are named in the message). Any other
code is a ``ConnectorError`` with the HTTP status. A 2xx answer that is not a JSON object (HTML where JSON
was expected, invalid or truncated JSON) is a ``BadResponse``; a failed one without a Graph error object (a
proxy's error page) a ``ConnectorError`` with its status.

Tokens. Graph echoes the token in some messages ("Malformed access token ..."). Requests go through
``base.fetch``, which takes the request's own credentials out of an error's message and body whatever their
shape and chains no urllib exception (urllib's ``HTTPError`` keeps the URL with the token); a Graph error
made here names a URL by its path only and chains nothing either (``base.redact_secrets`` strips any other
token-shaped string from every message). A connector's ``repr`` says only whether it has a token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from crawlers.social.base import (
    DEFAULT_TIMEOUT,
    AuthExpired,
    BadResponse,
    ConnectorError,
    KeyedConnector,
    Page,
    Post,
    RateLimited,
    Tally,
    fetch,
    other_script,
)
from nlp.privacy import hash_handle

PLATFORM = "facebook"
SERVICE = "Facebook"
DEFAULT_BASE_URL = "https://graph.facebook.com"
# Graph API v27.0 (4 Nov 2026) is the newest version Meta documents; v19.0 expired on 21 May 2026 and v20.0
# on 24 Sep 2026. The setting PANTAU_GRAPH_API_VERSION (config.settings) chooses another.
DEFAULT_GRAPH_VERSION = "v27.0"
POST_FIELDS = "id,message,created_time,permalink_url,shares,reactions.summary(true),comments.summary(true)"
COMMENT_FIELDS = "id,message,created_time,from,like_count,comment_count,permalink_url,parent{id}"
POSTS_PER_PAGE = 25
COMMENTS_PER_PAGE = 50
MAX_PAGES = 50  # pages of posts back to the cursor, and a guard against endless paging.next
MAX_COMMENT_PAGES = 10  # pages of comments per post and run
AUTH_CODES = frozenset({102, 190})
RATE_CODES = frozenset({4, 17, 32, 341, 613, *range(80000, 80015)})
TOKEN_SUBCODES = {
    458: "app not installed",
    459: "user checkpointed",
    460: "password changed",
    463: "expired",
    464: "unconfirmed user",
    467: "invalid access token",
    492: "invalid session",
}
PLATFORM_WINDOW = timedelta(hours=1)  # platform rate limits count calls over a rolling hour
MESSAGE_CHARS = 500  # of the platform's own text in an error message
EARLIEST = datetime(2004, 2, 4, tzinfo=UTC)  # Facebook's first day: no post is older
AHEAD = timedelta(days=1)  # clocks disagree, but not by more
_VERSION = re.compile(r"v\d+\.\d+")


def check_graph_version(version: str) -> str:
    """``version`` (``v27.0``) if it is a Graph API version, else ``ValueError``: it goes into every path."""
    if not _VERSION.fullmatch(version):
        raise ValueError(f"not a Graph API version: {version!r} (expected the form v27.0)")
    return version


def parse_graph_time(value: str) -> datetime:
    """A Graph ``created_time`` / ``timestamp`` (``2026-11-21T09:15:42+0000``) as an aware UTC datetime."""
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def item_time(item: dict[str, Any], field: str) -> datetime | None:
    """The time in ``item[field]``, or ``None`` when it is missing, unreadable or impossible (a malformed
    item): before Facebook existed, or more than a day ahead, which would carry a cursor past every post."""
    value = item.get(field)
    if not isinstance(value, str):
        return None
    try:
        moment = parse_graph_time(value)
    except (ValueError, OverflowError):  # not a time, or one UTC cannot hold (year 1 at +01:00)
        return None
    return moment if EARLIEST <= moment <= datetime.now(UTC) + AHEAD else None


def item_id(item: dict[str, Any]) -> str | None:
    """``item["id"]`` as text, or ``None`` when Graph left it out."""
    value = item.get("id")
    return (
        str(value) if isinstance(value, str | int) and not isinstance(value, bool) and value != "" else None
    )


def text_skip(text: str) -> str | None:
    """Why a text is not a post's text (``no_text``, ``other_script``), or ``None`` when it is one."""
    if not text.strip():
        return "no_text"
    return "other_script" if other_script(text) else None


def count(value: Any) -> int | None:
    """A count Graph gives (an int, not a bool), else ``None``."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- HTTP


@dataclass(frozen=True)
class _Answer:
    """An HTTP answer of any status, decoded, with its headers (lower-cased names)."""

    status: int
    headers: dict[str, str]
    content_type: str
    text: str


def graph_get(url: str, timeout: float, service: str) -> dict[str, Any]:
    """The JSON object Graph answers at ``url``. A Graph error object (at any status) or a bad answer raises
    the contract's errors (module docstring), made here, not chained, without the request's token."""
    where, scrub = _where(url), _scrubber(url)
    failed: ConnectorError | None = None
    try:
        response = fetch(url, {"Accept": "application/json"}, timeout)
    except ConnectorError as error:
        failed = error
    if failed is not None:  # raised out here, so that it chains nothing
        if failed.status is None:  # no answer to read: the network, a truncated body
            raise failed
        content_type = failed.headers.get("content-type", "").split(";")[0].strip().lower()
        answer = _Answer(failed.status, dict(failed.headers), content_type, failed.body)
        raise _failure(answer, _object(answer.text), service, where, scrub)
    answer = _Answer(response.status, {}, response.content_type, response.text)
    data = _object(answer.text)
    if data is not None and "error" in data:
        raise _failure(answer, data, service, where, scrub)
    if data is None:
        raise BadResponse(f"{service}: {_not_json(answer.content_type, answer.text)} from {where}")
    return data


def _where(url: str) -> str:
    """``url`` without its query (which carries the token): how errors name a request."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def _scrubber(url: str) -> Callable[[str], str]:
    """Takes the request's own ``access_token`` out of a text, whatever its shape."""
    tokens = [token for token in parse_qs(urlsplit(url).query).get("access_token", []) if token.strip()]

    def scrub(text: str) -> str:
        for token in tokens:
            text = text.replace(token, "REDACTED")
        return text

    return scrub


def _object(text: str) -> dict[str, Any] | None:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _html(content_type: str, text: str) -> bool:
    return content_type == "text/html" or text.lstrip().startswith("<")


def _not_json(content_type: str, text: str) -> str:
    """What a successful answer was instead of a JSON object."""
    if _html(content_type, text):
        return "HTML where JSON was expected"
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return f"invalid JSON ({error.msg} at line {error.lineno} col {error.colno})"
    except RecursionError:
        return "JSON nested too deep"
    return f"a JSON {type(data).__name__} where an object was expected"


def _snippet(text: str) -> str:
    return " ".join(text.split())[:MESSAGE_CHARS]


# -- the error object


def _failure(
    answer: _Answer, data: dict[str, Any] | None, service: str, where: str, scrub: Callable[[str], str]
) -> ConnectorError:
    """The contract error for a Graph answer that failed: by its error object's code, else by its status."""
    error = data.get("error") if data is not None else None
    if isinstance(error, dict):
        code, subcode = count(error.get("code")), count(error.get("error_subcode"))
        what, said = _error_code(code, subcode), _said(error, scrub)
    else:
        code = None
        what = f"HTTP {answer.status}, not a Graph error object"
        html = _html(answer.content_type, answer.text)
        said = "an HTML page" if html else _snippet(scrub(answer.text)) or "an empty body"
    if code in AUTH_CODES or answer.status == 401:
        return AuthExpired(f"{service}: access token rejected ({what}) at {where}: {said}", answer.status)
    if code in RATE_CODES or answer.status == 429:
        retry_at, why = _retry(answer.headers, datetime.now(UTC))
        when = retry_at.isoformat(timespec="seconds")
        message = f"{service}: rate limited ({what}) at {where}, retry at {when} ({why}): {said}"
        return RateLimited(message, retry_at, answer.status)
    return ConnectorError(f"{service}: {what} at {where}: {said}", answer.status)


def _error_code(code: int | None, subcode: int | None) -> str:
    """``Graph error code 190, subcode 463 (expired)``: a token subcode says what happened to the token."""
    if subcode is None:
        return f"Graph error code {code}" + (" without subcode" if code in AUTH_CODES else "")
    meaning = TOKEN_SUBCODES.get(subcode) if code in AUTH_CODES else None
    return f"Graph error code {code}, subcode {subcode}" + (f" ({meaning})" if meaning else "")


def _said(error: dict[str, Any], scrub: Callable[[str], str]) -> str:
    """The error's own words: type, message and fbtrace_id (which Meta's support asks for)."""
    parts = [str(error.get(name) or "") for name in ("type", "message")]
    said = _snippet(scrub(" ".join(part for part in parts if part)))
    trace = error.get("fbtrace_id")
    return f"{said} (fbtrace_id {scrub(str(trace))})" if trace else said


# -- rate limits


def graph_retry_at(headers: Mapping[str, str], now: datetime) -> datetime:
    """When to call Graph again after a rate limit (see ``_retry``)."""
    return _retry(headers, now)[0]


def _retry(headers: Mapping[str, str], now: datetime) -> tuple[datetime, str]:
    """When to call again, and which header said so: the longest ``estimated_time_to_regain_access``
    (minutes) of ``X-Business-Use-Case-Usage``, else ``X-Ad-Account-Usage``'s ``reset_time_duration``
    (seconds), else ``Retry-After`` (seconds), else the hour over which platform rate limits count calls
    (``X-App-Usage`` gives only the percentages of it used: they go into the reason)."""
    minutes = _regain_minutes(_usage(headers, "x-business-use-case-usage"))
    if minutes > 0:
        return now + timedelta(minutes=minutes), "X-Business-Use-Case-Usage"
    reset = _number((_usage(headers, "x-ad-account-usage") or {}).get("reset_time_duration"))
    if reset is not None and reset > 0:
        return now + timedelta(seconds=reset), "X-Ad-Account-Usage"
    after = headers.get("retry-after", "").strip()
    if after.isdigit():
        return now + timedelta(seconds=int(after)), "Retry-After"
    app = _usage(headers, "x-app-usage") or {}
    used = [f"{name} {app[name]}%" for name in ("call_count", "total_cputime", "total_time") if name in app]
    return now + PLATFORM_WINDOW, "X-App-Usage " + ", ".join(used) if used else "no usage header"


def _regain_minutes(usage: dict[str, Any] | None) -> float:
    """The longest ``estimated_time_to_regain_access`` of a business-use-case header (0 when none): it has
    a list of entries per business object id."""
    waits = [
        _number(entry.get("estimated_time_to_regain_access"))
        for entries in (usage or {}).values()
        if isinstance(entries, list)
        for entry in entries
        if isinstance(entry, dict)
    ]
    return max((wait for wait in waits if wait is not None), default=0.0)


def _usage(headers: Mapping[str, str], name: str) -> dict[str, Any] | None:
    """A usage header's JSON object, or ``None`` when absent or unreadable."""
    raw = headers.get(name)
    return _object(raw) if raw else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


# -- paging


def graph_items(data: dict[str, Any], service: str, url: str) -> list[Any]:
    """``data["data"]``: the items of an edge; anything else is a ``BadResponse`` for the whole page."""
    items = data.get("data")
    if not isinstance(items, list):
        what = "missing" if items is None else f"{type(items).__name__}, not a list"
        raise BadResponse(f"{service}: 'data' is {what} in the answer from {_where(url)}")
    return items


def next_page(data: dict[str, Any], base_url: str, service: str) -> str | None:
    """The answer's ``paging.next`` if it is on ``base_url``'s host (it carries the token), ``None`` if there
    is none; one to another host is a ``BadResponse``, never followed."""
    paging = data.get("paging")
    next_url = paging.get("next") if isinstance(paging, dict) else None
    if not next_url or not isinstance(next_url, str):
        return None
    base = urlsplit(base_url)
    try:
        target = urlsplit(next_url)
    except ValueError:
        raise BadResponse(f"{service} paging.next is not a URL; not followed") from None
    if (target.scheme, target.netloc.lower()) != (base.scheme, base.netloc.lower()):
        raise BadResponse(f"{service} paging.next points to another host ({target.netloc}); not followed")
    return next_url


# -- the Page connector


@dataclass(frozen=True)
class _Candidate:
    """A post newer than the cursor: what it becomes (a ``Post``, or why it is skipped) and whether it has
    comments worth a request."""

    post_id: str
    second: int  # created_time, Unix seconds
    post: Post | None
    skip: str | None
    has_comments: bool


class FacebookPage(KeyedConnector):
    """Public posts of the Facebook Page ``page_id`` and the comments on them, newest first."""

    platform = PLATFORM

    what = SERVICE
    default_base_url = DEFAULT_BASE_URL

    def __init__(
        self,
        account: str,
        credential: str | None,
        hash_key: str,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        graph_version: str = DEFAULT_GRAPH_VERSION,
    ) -> None:
        super().__init__(account, credential, hash_key, base_url, timeout)
        self.graph_version = check_graph_version(graph_version)

    def __repr__(self) -> str:
        token = "set" if self.credential else "missing"
        return (
            f"FacebookPage({self.account!r}, base_url={self.base_url!r}, {self.graph_version}, token {token})"
        )

    def fetch(self, since: str | None, limit: int) -> Page:
        self.require_credential()
        tally = Tally()
        if limit < 1:
            return tally.page([], since)
        since_unix = int(since) if since and since.strip().isdigit() else None
        posts, newest = self._keep(self._candidates(since_unix, tally), limit, tally)
        posts.sort(key=lambda p: p.posted_at, reverse=True)
        return tally.page(posts, str(newest) if newest is not None else since)

    def _candidates(self, since: int | None, tally: Tally) -> list[_Candidate]:
        """The posts after ``since``, read back to it (the newest page only on a first run), once each."""
        found: dict[str, _Candidate] = {}
        url: str | None = self._posts_url(since)
        for _ in range(MAX_PAGES if since is not None else 1):
            if url is None:
                break
            data = graph_get(url, self.timeout, SERVICE)
            items = graph_items(data, SERVICE, url)
            tally.read += len(items)
            reached = False
            for item in items:
                candidate = self._candidate(item)
                if candidate is None:
                    tally.skip("malformed")
                elif since is not None and candidate.second <= since:
                    tally.skip("already_read")
                    reached = True
                elif candidate.post_id in found:
                    tally.skip("already_read")
                else:
                    found[candidate.post_id] = candidate
            url = None if reached else next_page(data, self.base_url, SERVICE)
        return list(found.values())

    def _keep(self, candidates: list[_Candidate], limit: int, tally: Tally) -> tuple[list[Post], int | None]:
        """The posts and comments kept, oldest posts first while they fit in ``limit`` (a second's posts
        together), and the newest kept post's second: the cursor."""
        kept: list[Post] = []
        newest: int | None = None
        seen_comments: set[str] = set()
        ordered = sorted(candidates, key=lambda c: (c.second, c.post_id))
        groups = [list(group) for _, group in groupby(ordered, key=lambda c: c.second)]
        for index, group in enumerate(groups):
            if len(kept) >= limit:  # full: this second's posts and the later ones wait, their comments unread
                tally.skip("over_limit", sum(len(rest) for rest in groups[index:]))
                break
            batch = list(self._with_comments(group, seen_comments, tally))
            if kept and len(kept) + len(batch) > limit:  # they do not fit with their comments: they wait too
                comments = len(batch) - sum(c.post is not None for c in group)
                tally.skip("over_limit", sum(len(rest) for rest in groups[index:]) + comments)
                break
            for candidate in group:
                if candidate.skip is not None:
                    tally.skip(candidate.skip)
            room = limit - len(kept)
            kept.extend(batch[:room])
            if len(batch) > room:
                tally.skip("over_limit", len(batch) - room)
            newest = group[0].second
        return kept, newest

    def _with_comments(self, group: list[_Candidate], seen: set[str], tally: Tally) -> Iterator[Post]:
        """Each post of ``group`` that is a post, followed by its comments."""
        for candidate in group:
            if candidate.post is not None:
                yield candidate.post
            if candidate.has_comments:
                yield from self._comments(candidate.post_id, seen, tally)

    def _comments(self, post_id: str, seen: set[str], tally: Tally) -> list[Post]:
        """The comments and replies on ``post_id``, newest first, each once in the run."""
        comments: list[Post] = []
        url: str | None = self._comments_url(post_id)
        for _ in range(MAX_COMMENT_PAGES):
            if url is None:
                break
            data = graph_get(url, self.timeout, SERVICE)
            items = graph_items(data, SERVICE, url)
            tally.read += len(items)
            for item in items:
                comment = self._comment(item, post_id)
                if isinstance(comment, str):
                    tally.skip(comment)
                elif comment.post_id in seen:
                    tally.skip("already_read")
                else:
                    seen.add(comment.post_id)
                    comments.append(comment)
            url = next_page(data, self.base_url, SERVICE)
        return comments

    def _posts_url(self, since: int | None) -> str:
        params = {"fields": POST_FIELDS, "limit": str(POSTS_PER_PAGE), "access_token": self.credential}
        if since is not None:
            params["since"] = str(since)
        return f"{self.base_url}/{self.graph_version}/{self.account}/posts?{urlencode(params)}"

    def _comments_url(self, post_id: str) -> str:
        params = {
            "fields": COMMENT_FIELDS,
            "filter": "stream",
            "order": "reverse_chronological",
            "limit": str(COMMENTS_PER_PAGE),
            "access_token": self.credential,
        }
        return f"{self.base_url}/{self.graph_version}/{post_id}/comments?{urlencode(params)}"

    def _candidate(self, item: Any) -> _Candidate | None:
        """A post of the feed, or ``None`` when it has no id or no readable ``created_time``."""
        if not isinstance(item, dict):
            return None
        post_id, posted_at = item_id(item), item_time(item, "created_time")
        if post_id is None or posted_at is None:
            return None
        text = str(item.get("message") or "")
        engagement = _post_engagement(item)
        skip = text_skip(text)
        post = None
        if skip is None:
            post = Post(
                platform=PLATFORM,
                post_id=post_id,
                permalink=str(item.get("permalink_url") or f"https://www.facebook.com/{post_id}"),
                author_hash=hash_handle(PLATFORM, f"id:{self.account}", self.hash_key),
                text=text,
                posted_at=posted_at,
                engagement=engagement,
            )
        has_comments = engagement.get("comments") != 0
        return _Candidate(post_id, int(posted_at.timestamp()), post, skip, has_comments)

    def _comment(self, item: Any, post_id: str) -> Post | str:
        """A comment as a ``Post`` (its parent: the replied comment, else the post), or why it is skipped."""
        if not isinstance(item, dict):
            return "malformed"
        comment_id, posted_at = item_id(item), item_time(item, "created_time")
        if comment_id is None or posted_at is None:
            return "malformed"
        text = str(item.get("message") or "")
        skip = text_skip(text)
        if skip is not None:
            return skip
        author = item.get("from")
        author_id = author.get("id") if isinstance(author, dict) else None
        parent = item.get("parent")
        parent_id = item_id(parent) if isinstance(parent, dict) else None
        engagement = {
            name: value
            for name, field in (("likes", "like_count"), ("replies", "comment_count"))
            if (value := count(item.get(field))) is not None
        }
        return Post(
            platform=PLATFORM,
            post_id=comment_id,
            permalink=str(item.get("permalink_url") or f"https://www.facebook.com/{comment_id}"),
            author_hash=hash_handle(PLATFORM, f"id:{author_id}" if author_id else "unknown", self.hash_key),
            text=text,
            posted_at=posted_at,
            engagement=engagement,
            in_reply_to=parent_id or post_id,
        )


def _post_engagement(item: dict[str, Any]) -> dict[str, int]:
    """A post's reactions and comments (their ``summary.total_count``) and shares (``shares.count``)."""
    engagement: dict[str, int] = {}
    for name in ("reactions", "comments"):
        block = item.get(name)
        summary = block.get("summary") if isinstance(block, dict) else None
        total = count(summary.get("total_count")) if isinstance(summary, dict) else None
        if total is not None:
            engagement[name] = total
    shares = item.get("shares")
    shared = count(shares.get("count")) if isinstance(shares, dict) else None
    if shared is not None:
        engagement["shares"] = shared
    return engagement

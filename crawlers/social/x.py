"""X (Twitter) API v2 recent search as a ``Connector``.

``GET {base}/2/tweets/search/recent`` with a bearer token, asking for ``tweet.fields`` (among them
``note_tweet`` and ``referenced_tweets``), ``expansions=author_id,referenced_tweets.id`` and
``user.fields=username``; ``meta.next_token`` is followed until ``limit`` posts or no more pages (answers
are newest first).

The cursor is ``{id}@{time}``: the newest post id read and a UTC time at or after which it was posted (its
``created_at``; the fetch time for an item whose time is unreadable). A cursor in the old plain-id form is
read too (its time is then unknown). Recent search covers seven days and refuses a ``since_id`` older than
that with a 400, so:

- a cursor whose time is older than the window (less a 10-minute margin for clock skew) is not sent as
  ``since_id``: the search runs from ``start_time`` = now - 7 days + 10 minutes instead;
- if X still refuses the ``since_id`` (a plain-id cursor, a skewed clock), the search is made again from
  ``start_time``, and the cursor keeps its id with that window start as its time, so that a quiet query
  does not send the refused id again.

Items at or below the cursor id, or seen twice, are skipped as already read, so the cursor never moves
backwards; it moves to the newest item actually handled, never to an id the platform names without giving.

Text is HTML-unescaped (X sends ``&amp;``, ``&lt;``, ``&gt;``); a post over 280 characters is read whole
from ``note_tweet.text``. A quote or a repost keeps the referenced post's text (from ``includes.tweets``)
after its own, after a blank line and with each referenced line marked ``> ``, so that a "Ini!" quote of a
complaint reads as one; a reply keeps its own text and the replied-to id in ``in_reply_to``. Skipped, by
reason: an item that is not an object or lacks an id or a readable time (``malformed``), no text beyond
links (``no_text``), mostly another script (``other_script``), beyond ``limit`` (``over_limit``); each
entry of ``errors`` beside ``data`` (a referenced post deleted or hidden) counts as ``not_a_post``, and the
data is kept.

Errors: a 429 says which limit it is. The usage cap (``UsageCapExceeded``, ``.../problems/usage-capped``)
gives no reset time, so the next try is 24 hours on (one unbilled refused request a day instead of one per
15-minute window for a month; a day's delay loses nothing, the search covering seven days); an exhausted
24-hour limit (``x-app-limit-24hour-*`` / ``x-user-limit-24hour-*``) is retried at its reset; otherwise it
is the 15-minute window, retried at ``x-rate-limit-reset``. A 401 is ``AuthExpired``; a 403
(``client-forbidden``, ``client-not-enrolled``) a ``ConnectorError`` saying the app must be enrolled; a 200
with ``errors`` and no data, or with a problem object, a ``BadResponse``.

When ``limit`` cuts a run short, the older tweets between ``since`` and the oldest one returned are not
fetched on the next run either (answers are newest first): pick ``limit`` above the expected volume.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from crawlers.social.base import (
    DEFAULT_TIMEOUT,
    AuthExpired,
    BadResponse,
    ConnectorError,
    NotConfigured,
    Page,
    Post,
    RateLimited,
    Tally,
    get_json,
    other_script,
)
from nlp.privacy import hash_handle

PLATFORM = "x"
DEFAULT_BASE_URL = "https://api.twitter.com"
SEARCH_PATH = "/2/tweets/search/recent"
QUERY_LIMIT = 512  # characters, for recent search on the basic / pro tiers
MIN_RESULTS, MAX_RESULTS = 10, 100  # the API's bounds for max_results
TWEET_FIELDS = (
    "created_at,public_metrics,author_id,conversation_id,in_reply_to_user_id,referenced_tweets,note_tweet"
)
EXPANSIONS = "author_id,referenced_tweets.id"
METRICS = {
    "like_count": "likes",
    "retweet_count": "reposts",
    "reply_count": "replies",
    "quote_count": "quotes",
    "bookmark_count": "bookmarks",
    "impression_count": "views",
}
JOINED = ("quoted", "retweeted")  # referenced posts whose text is kept with the post's own
MAX_PAGES = 50  # a guard against a server that never stops handing out next_token
WINDOW = timedelta(days=7)  # what recent search covers
WINDOW_MARGIN = timedelta(minutes=10)  # start a little inside the window: clocks differ
DAY_WAIT = timedelta(hours=24)  # when a usage cap or a 24-hour limit gives no reset time

_CURSOR = re.compile(r"(\d{1,20})(?:@(\S+))?")
_TCO = re.compile(r"https?://t\.co/\w+")
# what base puts before the body excerpt: "HTTP 429 from {url}, retry at {time}: " or "HTTP 400 from {url}: "
_MESSAGE_PREFIX = re.compile(r"^HTTP \d{3} from \S+?(?:, retry at \S+?)?(?:: |$)")
_STALE_SINCE_ID = re.compile(r'"since_id"\s*:')  # the refused parameter, in the 400's errors
_USAGE_CAP = re.compile(r"UsageCapExceeded|usage-capped|Usage cap exceeded", re.IGNORECASE)
_CLIENT_FORBIDDEN = re.compile(r"Client Forbidden|client-forbidden|client-not-enrolled", re.IGNORECASE)
_FIELD = '"{name}"\\s*:\\s*"([^"]*)"'


def search_query(terms: Iterable[str], lang: str = "id", limit: int = QUERY_LIMIT) -> str:
    """The recent-search query for ``terms``: quoted terms ORed, then ``lang:{lang} -is:retweet``.

    Terms are taken in the caller's order (duplicates and blanks skipped, double quotes removed) until the
    next one would take the query past ``limit`` characters; it and all later ones are dropped.
    """
    suffix = f" lang:{lang} -is:retweet" if lang else " -is:retweet"
    quoted: list[str] = []
    seen: set[str] = set()
    for term in terms:
        clean = " ".join(term.replace('"', " ").split())
        if not clean or clean.lower() in seen:
            continue
        candidate = [*quoted, f'"{clean}"']
        if len(_join(candidate) + suffix) > limit:
            break
        quoted = candidate
        seen.add(clean.lower())
    if not quoted:
        raise ValueError(f"no search term fits in a {limit}-character query")
    return _join(quoted) + suffix


def _join(quoted: list[str]) -> str:
    return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"


@dataclass(frozen=True)
class Cursor:
    """Where the next run resumes: the newest post id read, and a UTC time at or after which that post was
    made (``None`` when unknown: a cursor in the old plain-id form)."""

    post_id: int
    posted_by: datetime | None = None

    @classmethod
    def parse(cls, text: str | None) -> Cursor | None:
        """The cursor in ``text`` (``{id}@{time}`` or a plain id); ``None`` if there is none or it cannot be
        read (the run then reads the whole window, and its newest post becomes the cursor)."""
        match = _CURSOR.fullmatch((text or "").strip())
        if match is None:
            return None
        return cls(int(match.group(1)), _parse_time(match.group(2)))

    def older_than(self, moment: datetime) -> bool:
        return self.posted_by is not None and self.posted_by < moment

    def __str__(self) -> str:
        if self.posted_by is None:
            return str(self.post_id)
        return f"{self.post_id}@{_format_time(self.posted_by)}"


@dataclass(frozen=True)
class _Includes:
    """A page's expansions: usernames by user id, referenced posts by id."""

    usernames: dict[str, str]
    tweets: dict[str, dict[str, Any]]


@dataclass
class _Run:
    """What one search has read so far: its posts, the ids seen, the newest item handled (where the cursor
    may move) and the tally of what was read and skipped."""

    cursor: Cursor | None
    limit: int
    now: datetime
    tally: Tally = field(default_factory=Tally)
    posts: list[Post] = field(default_factory=list)
    seen: set[int] = field(default_factory=set)
    newest: Cursor | None = None

    @property
    def full(self) -> bool:
        return len(self.posts) >= self.limit

    def admit(self, item: Any) -> tuple[int, datetime] | None:
        """The id and time of ``item`` if it is to be made a post; else counts why it is skipped. The
        cursor may move to an item skipped for what it is (malformed, ...), never to one left for the limit
        or already read; an item with an id but no readable time was made before it was fetched."""
        if self.full:
            self.tally.skip("over_limit")
            return None
        post_id = _item_id(item)
        if post_id is None:
            self.tally.skip("malformed")
            return None
        if (self.cursor is not None and post_id <= self.cursor.post_id) or post_id in self.seen:
            self.tally.skip("already_read")
            return None
        self.seen.add(post_id)
        created = _parse_time(item.get("created_at"))
        if self.newest is None or post_id > self.newest.post_id:
            self.newest = Cursor(post_id, created or self.now)
        if created is None:
            self.tally.skip("malformed")
            return None
        return post_id, created

    def add(self, post: Post | str) -> None:
        """Keep ``post``, or count the reason it was skipped."""
        if isinstance(post, str):
            self.tally.skip(post)
        else:
            self.posts.append(post)


class XRecentSearch:
    """Public tweets matching ``query`` (see ``search_query``) via the v2 recent-search endpoint.
    ``clock`` gives the current UTC time (the 7-day window and the usage cap's wait are reckoned from it)."""

    platform = PLATFORM

    def __init__(
        self,
        query: str,
        bearer_token: str | None,
        hash_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not query.strip():
            raise ValueError("an X search needs a query")
        self.query = query
        self.bearer_token = (bearer_token or "").strip()
        self.hash_key = hash_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.clock = clock

    def fetch(self, since: str | None, limit: int) -> Page:
        """Posts newer than the cursor ``since``, newest first, at most ``limit`` (see the module docstring
        for the cursor, the 7-day window and what is skipped)."""
        if not self.bearer_token:
            raise NotConfigured("X: no bearer token configured")
        if limit < 1:
            return Tally().page([], since)
        cursor = Cursor.parse(since)
        now = self.clock()
        window_start = now - WINDOW + WINDOW_MARGIN
        start_time = window_start if cursor is not None and cursor.older_than(window_start) else None
        try:
            run = self._search(_Run(cursor, limit, now), start_time)
        except ConnectorError as error:
            if cursor is None or start_time is not None or not _since_id_refused(error):
                raise
            start_time = window_start  # a fresh run: the refused request read nothing
            run = self._search(_Run(cursor, limit, now), start_time)
        return run.tally.page(run.posts, _resume(since, cursor, run.newest, start_time))

    def _search(self, run: _Run, start_time: datetime | None) -> _Run:
        """Read pages (following ``next_token``) into ``run`` until it holds ``limit`` posts."""
        next_token: str | None = None
        for _ in range(MAX_PAGES):
            url = self._url(run.cursor, start_time, run.limit - len(run.posts), next_token)
            items, includes, next_token = _page(self._get(url), url, run.tally)
            for item in items:
                admitted = run.admit(item)
                if admitted is not None:
                    run.add(self._post(item, *admitted, includes))
            if run.full or not next_token:
                break
        return run

    def _url(
        self, cursor: Cursor | None, start_time: datetime | None, wanted: int, next_token: str | None
    ) -> str:
        params = {
            "query": self.query,
            "max_results": str(max(MIN_RESULTS, min(MAX_RESULTS, wanted))),
            "tweet.fields": TWEET_FIELDS,
            "expansions": EXPANSIONS,
            "user.fields": "username",
        }
        if start_time is not None:
            params["start_time"] = _format_time(start_time)
        elif cursor is not None:
            params["since_id"] = str(cursor.post_id)
        if next_token:
            params["next_token"] = next_token
        return f"{self.base_url}{SEARCH_PATH}?{urlencode(params)}"

    def _get(self, url: str) -> dict[str, Any]:
        """``get_json`` with X's 429, 401 and 403 answers told apart (see ``_rate_limit``, ``_refusal``)."""
        try:
            return get_json(url, {"Authorization": f"Bearer {self.bearer_token}"}, self.timeout)
        except RateLimited as error:
            raise _rate_limit(error, self.clock()) from error
        except ConnectorError as error:
            raise _refusal(error) from error

    def _post(
        self, tweet: dict[str, Any], post_id: int, created: datetime, includes: _Includes
    ) -> Post | str:
        """The ``Post`` of ``tweet``, or why it is skipped."""
        text = _joined_text(tweet, includes.tweets)
        if not any(char.isalnum() for char in _TCO.sub("", text)):
            return "no_text"
        if other_script(text):
            return "other_script"
        author_id = str(tweet.get("author_id", ""))
        username = includes.usernames.get(author_id)
        # the author was not expanded (suspended, protected): hash the numeric id instead
        author_hash = hash_handle(PLATFORM, username or f"id:{author_id}", self.hash_key)
        return Post(
            platform=PLATFORM,
            post_id=str(post_id),
            # the handle-free form: the link is cited in reports, and the handle is personal data (UU 27/2022)
            permalink=f"https://x.com/i/web/status/{post_id}",
            author_hash=author_hash,
            text=text,
            posted_at=created,
            engagement=_engagement(tweet.get("public_metrics")),
            in_reply_to=_replied_to(tweet),
        )


def _page(data: dict[str, Any], url: str, tally: Tally) -> tuple[list[Any], _Includes, str | None]:
    """A page's items, expansions and ``next_token``; counts the items read and each entry of ``errors``
    beside the data (a referenced post deleted or hidden) as ``not_a_post``. A page with errors and no data,
    or a problem object instead of a result, is a ``BadResponse``."""
    items = data.get("data")
    errors = data.get("errors")
    if items is None and errors:
        raise BadResponse(f"X answered with errors and no data from {url}: {_error_text(errors)}")
    if items is None and "title" in data and "type" in data:
        raise BadResponse(f"X answered with a problem instead of posts from {url}: {_error_text([data])}")
    if items is None:
        items = []  # result_count 0: no "data" at all
    if not isinstance(items, list):
        raise BadResponse(f"X 'data' is {type(items).__name__}, not a list, from {url}")
    unusable = len(errors) if isinstance(errors, list) else int(bool(errors))
    tally.read += len(items) + unusable
    if unusable:
        tally.skip("not_a_post", unusable)
    meta = _object(data.get("meta", {}), "meta", url)
    token = meta.get("next_token")
    return items, _includes(data, url), str(token) if token else None


def _includes(data: dict[str, Any], url: str) -> _Includes:
    includes = _object(data.get("includes", {}), "includes", url)
    users = _objects(includes.get("users", []), "includes.users", url)
    tweets = _objects(includes.get("tweets", []), "includes.tweets", url)
    return _Includes(
        usernames={str(u["id"]): str(u["username"]) for u in users if u.get("id") and u.get("username")},
        tweets={str(t["id"]): t for t in tweets if t.get("id")},
    )


def _item_id(item: Any) -> int | None:
    """An item's numeric post id, if it is an object with one."""
    if not isinstance(item, dict):
        return None
    value = item.get("id")
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        return int(value)
    return None


def _joined_text(tweet: dict[str, Any], referenced: dict[str, dict[str, Any]]) -> str:
    """The post's own text, then the text of each post it quotes or reposts (from ``includes.tweets``) after
    a blank line with each of its lines marked ``> ``."""
    parts = [_text(tweet)]
    for reference in _references(tweet):
        if reference.get("type") not in JOINED:
            continue
        other = referenced.get(str(reference.get("id")))
        quoted = _text(other) if other is not None else ""
        if quoted.strip():
            parts.append("\n".join(f"> {line}" for line in quoted.splitlines()))
    return "\n\n".join(part for part in parts if part)


def _references(tweet: dict[str, Any]) -> list[dict[str, Any]]:
    """The post's ``referenced_tweets`` entries (``type`` and ``id``) that are objects."""
    references = tweet.get("referenced_tweets")
    return [entry for entry in references if isinstance(entry, dict)] if isinstance(references, list) else []


def _text(tweet: dict[str, Any]) -> str:
    """The whole text of a post: ``note_tweet.text`` for a post over 280 characters, else ``text``,
    HTML-unescaped (X escapes ``&``, ``<`` and ``>``; ``&amp;`` goes last, so a typed ``&lt;`` stays)."""
    note = tweet.get("note_tweet")
    text = note.get("text") if isinstance(note, dict) else None
    if not isinstance(text, str) or not text.strip():
        text = tweet.get("text")
    if not isinstance(text, str):
        return ""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _engagement(metrics: Any) -> dict[str, int]:
    if not isinstance(metrics, dict):
        return {}
    return {
        name: metrics[key]
        for key, name in METRICS.items()
        if isinstance(metrics.get(key), int) and not isinstance(metrics.get(key), bool)
    }


def _replied_to(tweet: dict[str, Any]) -> str | None:
    for reference in _references(tweet):
        if reference.get("type") == "replied_to" and reference.get("id"):
            return str(reference["id"])
    conversation = tweet.get("conversation_id")
    if tweet.get("in_reply_to_user_id") and conversation and str(conversation) != str(tweet.get("id")):
        return str(conversation)  # the thread's root: the best X says without referenced_tweets
    return None


def _resume(
    since: str | None, cursor: Cursor | None, newest: Cursor | None, start_time: datetime | None
) -> str | None:
    """The cursor for the next run: the newest item handled if it is past the old cursor; else, when the
    search had to start from ``start_time``, the old id with that time (so the next run does not send the id
    as ``since_id`` again); else ``since`` unchanged."""
    if newest is not None and (cursor is None or newest.post_id > cursor.post_id):
        return str(newest)
    if cursor is not None and start_time is not None and not cursor.older_than(start_time):
        return str(Cursor(cursor.post_id, start_time))
    return since


def _since_id_refused(error: ConnectorError) -> bool:
    """Whether ``error`` is X's 400 refusing the ``since_id`` (older than the 7-day window)."""
    return error.status == 400 and bool(_STALE_SINCE_ID.search(_body(error)))


def _rate_limit(error: RateLimited, now: datetime) -> RateLimited:
    """The 429 as the limit it is: the usage cap (no reset given: a day on), an exhausted 24-hour limit (at
    its reset, or a day on without one), else the 15-minute window (``base`` took ``x-rate-limit-reset`` or
    ``Retry-After``)."""
    body = _body(error)
    if _USAGE_CAP.search(body):
        period = "daily" if re.search(r'"period"\s*:\s*"Daily"', body) else "monthly"
        retry_at = now + DAY_WAIT
        return RateLimited(
            f"X {period} usage cap reached (UsageCapExceeded); the answer gives no reset time, so the next "
            f"try is in 24 hours, at {retry_at.isoformat()}: {body}",
            retry_at,
        )
    headers = error.headers  # lower-case names
    resets = [
        _epoch(headers.get(f"x-{scope}-limit-24hour-reset")) or now + DAY_WAIT
        for scope in ("app", "user")
        if (headers.get(f"x-{scope}-limit-24hour-remaining") or "").strip() == "0"
    ]
    if resets:
        window_spent = (headers.get("x-rate-limit-remaining") or "").strip() == "0"
        retry_at = max([*resets, error.retry_at] if window_spent else resets)
        return RateLimited(
            f"X 24-hour request limit reached, retry at {retry_at.isoformat()}: {body}", retry_at
        )
    return RateLimited(
        f"X 15-minute request window used up, retry at {error.retry_at.isoformat()}: {body}", error.retry_at
    )


def _refusal(error: ConnectorError) -> ConnectorError:
    """A 401 or 403 problem answer with a message that says what to fix; other errors unchanged."""
    body = _body(error)
    title = _field(body, "title")
    named = f"HTTP {error.status} {title}".strip() if title else f"HTTP {error.status}"
    if isinstance(error, AuthExpired):
        return AuthExpired(f"X rejected the bearer token ({named}): renew it: {body}", error.status)
    if error.status == 403 and _CLIENT_FORBIDDEN.search(body):
        reason = _field(body, "reason")
        because = f", {reason}" if reason else ""
        return ConnectorError(
            f"X refused the app ({named}{because}): the app is not enrolled for recent search; attach it "
            f"to a Project with X API v2 access (an operator action, retrying will not help): {body}",
            error.status,
        )
    return error


def _body(error: ConnectorError) -> str:
    """The answer's body, on one line (``base`` keeps it whole on the error; without it, what the message
    quotes after the URL, which may name a parameter such as ``since_id`` itself)."""
    if error.body:
        return " ".join(error.body.split())
    return _MESSAGE_PREFIX.sub("", str(error)).removeprefix("credentials rejected or expired: ")


def _field(body: str, name: str) -> str | None:
    match = re.search(_FIELD.format(name=name), body)
    return match.group(1) if match else None


def _epoch(value: str | None) -> datetime | None:
    try:
        return datetime.fromtimestamp(int((value or "").strip()), tz=UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time (``2026-11-21T23:41:07.000Z``) as aware UTC; ``None`` if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (
        ValueError,
        OverflowError,
    ):  # not a time, or one that cannot be put in UTC (year 9999-12-31-05:00)
        return None


def _format_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:mm:ssZ``, the form X's ``start_time`` takes (second granularity)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _object(value: Any, name: str, url: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadResponse(f"X '{name}' is {type(value).__name__}, not an object, from {url}")
    return value


def _objects(value: Any, name: str, url: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise BadResponse(f"X '{name}' is {type(value).__name__}, not a list, from {url}")
    return [entry for entry in value if isinstance(entry, dict)]


def _error_text(errors: Any) -> str:
    if isinstance(errors, list):
        parts = [
            str(error.get("detail") or error.get("message") or error.get("title") or error)
            for error in errors
            if isinstance(error, dict)
        ]
        titles = [str(error["title"]) for error in errors if isinstance(error, dict) and error.get("title")]
        if parts:
            return "; ".join(dict.fromkeys([*titles, *parts]))[:300]
    return str(errors)[:300]

"""X (Twitter) API v2 recent search as a ``Connector``.

``GET {base}/2/tweets/search/recent`` with a bearer token; ``since`` is the ``since_id`` (the newest tweet id
of the previous run) and ``meta.next_token`` is followed until ``limit`` posts or no more pages. The returned
cursor is ``meta.newest_id`` of the first page (the newest tweet matched), or ``since`` when nothing matched.

Recent search answers newest first, so when ``limit`` cuts a run short, the older tweets between ``since``
and the oldest one returned are not fetched on the next run either: pick ``limit`` above the expected volume.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from crawlers.social.base import DEFAULT_TIMEOUT, BadResponse, NotConfigured, Page, Post, get_json
from nlp.privacy import hash_handle

PLATFORM = "x"
DEFAULT_BASE_URL = "https://api.twitter.com"
SEARCH_PATH = "/2/tweets/search/recent"
QUERY_LIMIT = 512  # characters, for recent search on the basic / pro tiers
MIN_RESULTS, MAX_RESULTS = 10, 100  # the API's bounds for max_results
TWEET_FIELDS = "created_at,public_metrics,author_id,conversation_id,in_reply_to_user_id,referenced_tweets"
METRICS = {
    "like_count": "likes",
    "retweet_count": "reposts",
    "reply_count": "replies",
    "quote_count": "quotes",
    "bookmark_count": "bookmarks",
    "impression_count": "views",
}
MAX_PAGES = 50  # a guard against a server that never stops handing out next_token


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


class XRecentSearch:
    """Public tweets matching ``query`` (see ``search_query``) via the v2 recent-search endpoint."""

    platform = PLATFORM

    def __init__(
        self,
        query: str,
        bearer_token: str | None,
        hash_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        if not query.strip():
            raise ValueError("an X search needs a query")
        self.query = query
        self.bearer_token = bearer_token or ""
        self.hash_key = hash_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def fetch(self, since: str | None, limit: int) -> Page:
        if not self.bearer_token.strip():
            raise NotConfigured("X: no bearer token configured")
        if limit < 1:
            return Page(posts=[], cursor=since)
        headers = {"Authorization": f"Bearer {self.bearer_token.strip()}"}
        posts: list[Post] = []
        cursor = since
        next_token: str | None = None
        for page_number in range(MAX_PAGES):
            url = self._url(since, limit - len(posts), next_token)
            data = get_json(url, headers, self.timeout)
            meta = _object(data.get("meta", {}), "meta", url)
            if page_number == 0 and meta.get("newest_id"):
                cursor = str(meta["newest_id"])
            posts.extend(self._posts(data, url))
            token = meta.get("next_token")
            if len(posts) >= limit or not token:
                break
            next_token = str(token)
        return Page(posts=posts[:limit], cursor=cursor)

    def _url(self, since: str | None, wanted: int, next_token: str | None) -> str:
        params = {
            "query": self.query,
            "max_results": str(max(MIN_RESULTS, min(MAX_RESULTS, wanted))),
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": "username",
        }
        if since:
            params["since_id"] = since
        if next_token:
            params["next_token"] = next_token
        return f"{self.base_url}{SEARCH_PATH}?{urlencode(params)}"

    def _posts(self, data: dict[str, Any], url: str) -> list[Post]:
        tweets = data.get("data")
        if tweets is None:
            errors = data.get("errors")
            if errors:
                raise BadResponse(f"X answered with errors only from {url}: {_error_text(errors)}")
            return []  # result_count 0: no "data" at all
        if not isinstance(tweets, list):
            raise BadResponse(f"X 'data' is {type(tweets).__name__}, not a list, from {url}")
        includes = _object(data.get("includes", {}), "includes", url)
        users = includes.get("users", [])
        if not isinstance(users, list):
            raise BadResponse(f"X 'includes.users' is not a list, from {url}")
        usernames = {
            str(user["id"]): str(user["username"])
            for user in users
            if isinstance(user, dict) and user.get("id") and user.get("username")
        }
        return [self._post(tweet, usernames, url) for tweet in tweets]

    def _post(self, tweet: Any, usernames: dict[str, str], url: str) -> Post:
        if not isinstance(tweet, dict):
            raise BadResponse(f"X tweet is {type(tweet).__name__}, not an object, from {url}")
        try:
            tweet_id = str(tweet["id"])
            text = str(tweet["text"])
            created = datetime.fromisoformat(str(tweet["created_at"]))
        except KeyError as error:
            raise BadResponse(f"X tweet without {error.args[0]!r} from {url}") from error
        except ValueError as error:
            raise BadResponse(f"X tweet with a bad created_at from {url}: {error}") from error
        created = created.astimezone(UTC) if created.tzinfo else created.replace(tzinfo=UTC)
        author_id = str(tweet.get("author_id", ""))
        username = usernames.get(author_id)
        # the author was not expanded (suspended, protected): hash the numeric id instead
        author_hash = hash_handle(PLATFORM, username or f"id:{author_id}", self.hash_key)
        # the handle-free form: the link is cited in reports, and the handle is personal data (UU 27/2022)
        permalink = f"https://x.com/i/web/status/{tweet_id}"
        metrics = tweet.get("public_metrics") or {}
        engagement = {
            name: int(metrics[key])
            for key, name in METRICS.items()
            if isinstance(metrics, dict) and isinstance(metrics.get(key), int)
        }
        return Post(
            platform=PLATFORM,
            post_id=tweet_id,
            permalink=permalink,
            author_hash=author_hash,
            text=text,
            posted_at=created,
            engagement=engagement,
            in_reply_to=_replied_to(tweet),
        )


def _replied_to(tweet: dict[str, Any]) -> str | None:
    for reference in tweet.get("referenced_tweets") or []:
        if isinstance(reference, dict) and reference.get("type") == "replied_to" and reference.get("id"):
            return str(reference["id"])
    conversation = tweet.get("conversation_id")
    if tweet.get("in_reply_to_user_id") and conversation and str(conversation) != str(tweet.get("id")):
        return str(conversation)  # the thread's root: the best X says without referenced_tweets
    return None


def _object(value: Any, name: str, url: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadResponse(f"X '{name}' is {type(value).__name__}, not an object, from {url}")
    return value


def _error_text(errors: Any) -> str:
    if isinstance(errors, list):
        parts = [
            str(error.get("detail") or error.get("message") or error.get("title") or error)
            for error in errors
            if isinstance(error, dict)
        ]
        if parts:
            return "; ".join(parts)[:300]
    return str(errors)[:300]

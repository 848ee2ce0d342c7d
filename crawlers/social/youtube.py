"""YouTube Data API v3: the public comments on one channel's videos as a ``Connector``.

``GET {base}/youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId=...&order=time`` with an
API key; ``nextPageToken`` is followed until ``limit`` comments, no more pages, or a page reaching comments
at or before ``since``. The cursor is the newest top-level comment's ``publishedAt`` (ISO 8601, UTC), or
``since`` when nothing new was found. Only top-level comments are returned (``totalReplyCount`` is kept as
engagement); replies are not fetched.

Errors: ``base.get_json`` reports a 403 as a plain ``ConnectorError`` whose message carries the first 200
characters of the body; a quota 403 (``quotaExceeded`` / ``dailyLimitExceeded``, recognised by the reason or
the ``#quota`` link of the message) becomes ``RateLimited`` until the next midnight Pacific time (taken as
00:00 UTC-8 all year), a per-user rate limit ``RateLimited`` for a minute, a 400 ``keyInvalid`` / "API key
not valid" ``AuthExpired``. Other 403s (``commentsDisabled``, ``forbidden``) stay ``ConnectorError``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlencode

from crawlers.social.base import (
    DEFAULT_RETRY_SECONDS,
    AuthExpired,
    BadResponse,
    ConnectorError,
    KeyedConnector,
    Page,
    Post,
    RateLimited,
    get_json,
)
from crawlers.social.facebook import redact
from nlp.privacy import hash_handle

PLATFORM = "youtube"
DEFAULT_BASE_URL = "https://www.googleapis.com"
THREADS_PATH = "/youtube/v3/commentThreads"
MAX_RESULTS = 100
MAX_PAGES = 50  # a guard against a server that never stops handing out nextPageToken
QUOTA_TZ = timezone(timedelta(hours=-8))  # quota resets at midnight Pacific; standard time used all year
_QUOTA_MARKERS = ("quotaExceeded", "dailyLimitExceeded", "youtube.quota", "#quota")
_RATE_MARKERS = ("rateLimitExceeded", "userRateLimitExceeded")
_KEY_MARKERS = ("keyInvalid", "API key not valid", "keyExpired", "API key expired")


def quota_reset(now: datetime) -> datetime:
    """The next 00:00 at UTC-8 after ``now``, in UTC: when a daily YouTube quota is renewed."""
    local = now.astimezone(QUOTA_TZ)
    midnight = datetime(local.year, local.month, local.day, tzinfo=QUOTA_TZ) + timedelta(days=1)
    return midnight.astimezone(UTC)


def parse_time(value: str) -> datetime:
    """An RFC 3339 timestamp (``...Z`` or with an offset) as an aware UTC datetime."""
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class YouTubeComments(KeyedConnector):
    """Public top-level comments on all videos of ``channel_id``, newest first."""

    platform = PLATFORM

    what = "YouTube"
    default_base_url = DEFAULT_BASE_URL

    def fetch(self, since: str | None, limit: int) -> Page:
        self.require_credential()
        if limit < 1:
            return Page(posts=[], cursor=since)
        since_at = parse_time(since) if since else None
        posts: list[Post] = []
        page_token: str | None = None
        for _ in range(MAX_PAGES):
            url = self._url(page_token)
            data = _get(url, self.timeout)
            items = data.get("items", [])
            if not isinstance(items, list):
                raise BadResponse(f"YouTube 'items' is {type(items).__name__}, not a list, from {url}")
            reached_since = False
            for item in items:
                post = self._post(item, url)
                if since_at is not None and post.posted_at <= since_at:
                    reached_since = True  # order=time is newest first: the rest were seen last run
                    continue
                posts.append(post)
            token = data.get("nextPageToken")
            if reached_since or len(posts) >= limit or not token:
                break
            page_token = str(token)
        posts = posts[:limit]
        cursor = max(p.posted_at for p in posts).isoformat() if posts else since
        return Page(posts=posts, cursor=cursor)

    def _url(self, page_token: str | None) -> str:
        params = {
            "part": "snippet",
            "allThreadsRelatedToChannelId": self.account,
            "order": "time",
            "maxResults": str(MAX_RESULTS),
            "key": self.credential,
        }
        if page_token:
            params["pageToken"] = page_token
        return f"{self.base_url}{THREADS_PATH}?{urlencode(params)}"

    def _post(self, item: Any, url: str) -> Post:
        if not isinstance(item, dict):
            raise BadResponse(f"YouTube comment thread is {type(item).__name__}, not an object, from {url}")
        try:
            thread = item["snippet"]
            comment = thread["topLevelComment"]
            snippet = comment["snippet"]
            comment_id = str(comment.get("id") or item["id"])
            video_id = str(snippet.get("videoId") or thread["videoId"])
            text = str(snippet.get("textOriginal") or snippet.get("textDisplay") or "")
            posted_at = parse_time(str(snippet["publishedAt"]))
        except (KeyError, TypeError) as error:
            raise BadResponse(f"YouTube comment thread without {error.args[0]!r} from {url}") from error
        except ValueError as error:
            raise BadResponse(f"YouTube comment with a bad publishedAt from {url}: {error}") from error
        author = snippet.get("authorChannelId")
        author_id = author.get("value") if isinstance(author, dict) else None
        if author_id:
            author_hash = hash_handle(PLATFORM, f"channel:{author_id}", self.hash_key)
        else:  # no channel id (rare, e.g. deleted accounts): the display name is all there is
            author_hash = hash_handle(PLATFORM, f"name:{snippet.get('authorDisplayName', '')}", self.hash_key)
        engagement = {
            name: int(value)
            for name, value in (
                ("likes", snippet.get("likeCount")),
                ("replies", thread.get("totalReplyCount")),
            )
            if isinstance(value, int) and not isinstance(value, bool)
        }
        return Post(
            platform=PLATFORM,
            post_id=comment_id,
            permalink=f"https://www.youtube.com/watch?{urlencode({'v': video_id, 'lc': comment_id})}",
            author_hash=author_hash,
            text=text,
            posted_at=posted_at,
            engagement=engagement,
        )


def _get(url: str, timeout: float) -> dict[str, Any]:
    """``get_json``, with YouTube's 400/403 error bodies mapped to the contract's errors."""
    try:
        return get_json(url, timeout=timeout)
    except ConnectorError as error:
        mapped = None
        if type(error) is ConnectorError and error.status in (400, 403):
            mapped = youtube_error(error, datetime.now(UTC))
        raise redact(mapped or error) from error  # the API key is in the URL, and so in the message


def youtube_error(error: ConnectorError, now: datetime) -> ConnectorError | None:
    """The contract error for a YouTube 400/403 (``None``: keep it as it is)."""
    detail = str(error)
    if error.status == 403 and any(marker in detail for marker in _QUOTA_MARKERS):
        retry_at = quota_reset(now)
        return RateLimited(
            f"YouTube quota exceeded, retry at {retry_at.isoformat()}: {detail}", retry_at, 403
        )
    if error.status == 403 and any(marker in detail for marker in _RATE_MARKERS):
        retry_at = now + timedelta(seconds=DEFAULT_RETRY_SECONDS)
        return RateLimited(f"YouTube rate limit, retry at {retry_at.isoformat()}: {detail}", retry_at, 403)
    if any(marker in detail for marker in _KEY_MARKERS):
        return AuthExpired(f"YouTube rejected the API key: {detail}", error.status)
    return None

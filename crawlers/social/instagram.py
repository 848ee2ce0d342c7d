"""Instagram Graph API hashtag search: recent public media with one hashtag as a ``Connector``.

``GET {base}/v19.0/ig_hashtag_search?user_id={ig_user_id}&q={hashtag}`` gives the hashtag id (kept for the
connector's lifetime: an account may look up only 30 distinct hashtags per 7 days), then
``GET {base}/v19.0/{hashtag_id}/recent_media`` is read, following the absolute ``paging.next`` URLs (same
host only: they carry the token) until ``limit`` media or no more pages. ``recent_media`` covers the last
24 hours only and takes no ``since``: media at or before ``since`` are dropped here, paging stops at a page
whose media are all at or before it, and the result is sorted newest first. The cursor is the newest
``timestamp`` (ISO 8601, UTC), or ``since`` when nothing new was found.

Hashtag media come without an author: ``author_hash`` hashes ``hashtag:{tag}``. Graph errors are mapped as
for Facebook (``crawlers.social.facebook.graph_error``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from crawlers.social.base import DEFAULT_TIMEOUT, BadResponse, NotConfigured, Page, Post
from crawlers.social.facebook import GRAPH_VERSION, graph_get, parse_graph_time, same_host_next
from nlp.privacy import hash_handle

PLATFORM = "instagram"
DEFAULT_BASE_URL = "https://graph.facebook.com"
MEDIA_FIELDS = "id,caption,timestamp,permalink,like_count,comments_count"
MEDIA_PER_PAGE = 50
MAX_PAGES = 50  # a guard against a server that never stops handing out paging.next
SERVICE = "Instagram"


class InstagramHashtag:
    """Recent public media tagged ``#hashtag``, read through the business account ``ig_user_id``."""

    platform = PLATFORM

    def __init__(
        self,
        hashtag: str,
        ig_user_id: str | None,
        access_token: str | None,
        hash_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        tag = hashtag.strip().lstrip("#").strip().lower()
        if not tag:
            raise ValueError("an Instagram hashtag connector needs a hashtag")
        self.hashtag = tag
        self.ig_user_id = (ig_user_id or "").strip()
        self.access_token = (access_token or "").strip()
        self.hash_key = hash_key
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.hashtag_id: str | None = None

    def fetch(self, since: str | None, limit: int) -> Page:
        if not self.access_token:
            raise NotConfigured("Instagram: no access token configured")
        if not self.ig_user_id:
            raise NotConfigured("Instagram: no business account id (ig_user_id) configured")
        if limit < 1:
            return Page(posts=[], cursor=since)
        since_at = parse_graph_time(since) if since else None
        hashtag_id = self.hashtag_id or self._hashtag_id()
        self.hashtag_id = hashtag_id
        posts: list[Post] = []
        url: str | None = self._media_url(hashtag_id)
        for _ in range(MAX_PAGES):
            if url is None or len(posts) >= limit:
                break
            data = graph_get(url, self.timeout, SERVICE)
            items = data.get("data", [])
            if not isinstance(items, list):
                raise BadResponse(f"Instagram 'data' is {type(items).__name__}, not a list, from {url}")
            page = [self._post(item, url) for item in items]
            fresh = [p for p in page if since_at is None or p.posted_at > since_at]
            posts.extend(fresh)
            paging = data.get("paging") or {}
            next_url = paging.get("next") if isinstance(paging, dict) else None
            all_seen = bool(page) and not fresh
            url = None if all_seen else same_host_next(next_url, self.base_url, SERVICE)
        posts.sort(key=lambda p: p.posted_at, reverse=True)
        posts = posts[:limit]
        cursor = posts[0].posted_at.isoformat() if posts else since
        return Page(posts=posts, cursor=cursor)

    def _hashtag_id(self) -> str:
        params = {"user_id": self.ig_user_id, "q": self.hashtag, "access_token": self.access_token}
        url = f"{self.base_url}/{GRAPH_VERSION}/ig_hashtag_search?{urlencode(params)}"
        data = graph_get(url, self.timeout, SERVICE)
        found = data.get("data")
        if (
            not isinstance(found, list)
            or not found
            or not isinstance(found[0], dict)
            or not found[0].get("id")
        ):
            raise BadResponse(f"Instagram hashtag search found no id for #{self.hashtag}")
        return str(found[0]["id"])

    def _media_url(self, hashtag_id: str) -> str:
        params = {
            "user_id": self.ig_user_id,
            "fields": MEDIA_FIELDS,
            "limit": str(MEDIA_PER_PAGE),
            "access_token": self.access_token,
        }
        return f"{self.base_url}/{GRAPH_VERSION}/{hashtag_id}/recent_media?{urlencode(params)}"

    def _post(self, item: Any, url: str) -> Post:
        if not isinstance(item, dict):
            raise BadResponse(f"Instagram media is {type(item).__name__}, not an object, from {url}")
        try:
            media_id = str(item["id"])
            posted_at: datetime = parse_graph_time(str(item["timestamp"]))
        except KeyError as error:
            raise BadResponse(f"Instagram media without {error.args[0]!r} from {url}") from error
        except ValueError as error:
            raise BadResponse(f"Instagram media with a bad timestamp from {url}: {error}") from error
        engagement = {
            name: int(value)
            for name, value in (("likes", item.get("like_count")), ("comments", item.get("comments_count")))
            if isinstance(value, int) and not isinstance(value, bool)
        }
        return Post(
            platform=PLATFORM,
            post_id=media_id,
            permalink=str(  # a media id is not a shortcode: without a permalink, the tag's page
                item.get("permalink") or f"https://www.instagram.com/explore/tags/{self.hashtag}/"
            ),
            author_hash=hash_handle(PLATFORM, f"hashtag:{self.hashtag}", self.hash_key),
            text=str(item.get("caption") or ""),
            posted_at=posted_at,
            engagement=engagement,
        )

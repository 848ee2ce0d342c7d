"""Instagram Graph API hashtag search: recent public media with one hashtag, as a ``Connector``.

``GET {base}/{version}/ig_hashtag_search?user_id={ig_user_id}&q={hashtag}`` gives the hashtag id (kept for the
connector's lifetime; repeating a search of the same hashtag does not count again against the 30 hashtags an
account may search in 7 days), then ``GET {base}/{version}/{hashtag_id}/recent_media`` is read, following the
absolute ``paging.next`` URLs (same host only: they carry the token), ``MEDIA_PAGES_PER_RUN`` pages of 50 at
most each run.

``recent_media`` covers the last 24 hours, takes no ``since`` and is documented as not always chronological:
a medium older than the newest one read may still come, on any page. So no page ends a run early for being
older than the cursor, and what was read is remembered by id, not by time: the cursor (``SeenMedia``) holds
the ids of the media read most recently (a 30-bit hash each, with its time) and a floor, the time before
which every medium counts as read. The cursor is bounded by ``CURSOR_CHARS`` (``source_state.cursor`` is a
``String(200)``), which holds 22 ids; when more were read, the oldest are forgotten and the floor rises just
past the newest forgotten one, so only a medium older than that arriving late would be missed. New media are
kept oldest first, at most ``limit``; the others are ``over_limit`` and the floor stays at or before the
oldest of them, so they are read next run. The page's posts are newest first. A cursor of the earlier
version (an ISO time: media at or before it were read) is read as a floor; one that cannot be read, as none.

Skipped (``Page.skipped``): a medium without caption as ``no_text``, a caption mostly in another script as
``other_script``, one without an id or a readable ``timestamp`` (or one more than a day ahead) as
``malformed``, one remembered, below the floor or seen before in the run as ``already_read``, one beyond
``limit`` as ``over_limit``.

Hashtag media come without an author: ``author_hash`` hashes ``hashtag:{tag}``; ``like_count`` is left out
when the owner hides it. Graph errors, rate limits and tokens are handled as for Facebook
(``crawlers.social.facebook.graph_get``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from crawlers.social.base import DEFAULT_TIMEOUT, BadResponse, NotConfigured, Page, Post, Tally
from crawlers.social.facebook import (
    DEFAULT_BASE_URL,
    DEFAULT_GRAPH_VERSION,
    check_graph_version,
    count,
    graph_get,
    graph_items,
    item_id,
    item_time,
    next_page,
    parse_graph_time,
    text_skip,
)
from nlp.privacy import hash_handle

PLATFORM = "instagram"
SERVICE = "Instagram"
MEDIA_FIELDS = "id,caption,timestamp,permalink,like_count,comments_count"
MEDIA_PER_PAGE = 50  # the documented maximum
MEDIA_PAGES_PER_RUN = 5
CURSOR_CHARS = 200  # source_state.cursor is a String(200)
_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_HASH_DIGITS = 5  # 30 bits of a blake2b of the media id
_AGE_DIGITS = 3  # seconds before the newest remembered medium: up to 72 hours
_MAX_AGE = len(_DIGITS) ** _AGE_DIGITS - 1
_ENTRY = _HASH_DIGITS + _AGE_DIGITS
_ROOM = (CURSOR_CHARS - 22) // _ENTRY  # 22 ids beside the header: two Unix times (10 digits) and two colons


@dataclass(frozen=True)
class SeenMedia:
    """What a cursor remembers: the media read most recently (id hash -> Unix time) and the floor, the Unix
    time before which every medium counts as read (``None``: none yet)."""

    floor: int | None = None
    media: dict[str, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, cursor: str | None) -> SeenMedia:
        """The memory in ``cursor``: ``floor:newest:entries`` (each entry an id hash and its age in seconds
        before ``newest``), an ISO time of the earlier version (media at or before it were read), or, for
        anything else, nothing."""
        if not cursor:
            return cls()
        try:
            return cls._parse(cursor)
        except ValueError:
            pass
        try:
            return cls(floor=int(parse_graph_time(cursor).timestamp()) + 1)
        except (ValueError, OverflowError):
            return cls()

    @classmethod
    def _parse(cls, cursor: str) -> SeenMedia:
        floor, newest, entries = cursor.split(":")
        if len(entries) % _ENTRY or (entries and not newest.isdigit()) or (floor and not floor.isdigit()):
            raise ValueError(f"not a cursor of this version: {cursor[:40]!r}")
        media = {
            entries[at : at + _HASH_DIGITS]: int(newest) - _number(entries[at + _HASH_DIGITS : at + _ENTRY])
            for at in range(0, len(entries), _ENTRY)
        }
        return cls(floor=int(floor) if floor else None, media=media)

    def knows(self, media_id: str, second: int) -> bool:
        """Whether a medium was read already: remembered, or older than the floor."""
        return (self.floor is not None and second < self.floor) or _hash(media_id) in self.media

    def after(self, read: dict[str, int], unread_from: int | None) -> SeenMedia:
        """The memory once ``read`` (media id -> Unix time) is read, with the media from ``unread_from`` on
        left for the next run: the newest ``_ROOM`` (within ``_MAX_AGE`` of the newest) are remembered and the
        floor rises just past the others, never past ``unread_from`` and never back."""
        media = {**self.media, **{_hash(media_id): second for media_id, second in read.items()}}
        ordered = sorted(
            ((key, second) for key, second in media.items() if self.floor is None or second >= self.floor),
            key=lambda entry: (-entry[1], entry[0]),
        )
        kept = [(key, second) for key, second in ordered[:_ROOM] if ordered[0][1] - second <= _MAX_AGE]
        if len(kept) == len(ordered):
            return SeenMedia(floor=self.floor, media=dict(kept))
        floor = ordered[len(kept)][1] + 1
        if unread_from is not None:
            floor = min(floor, unread_from)
        return SeenMedia(floor=max(floor, self.floor or floor), media=dict(kept))

    def cursor(self) -> str | None:
        """The memory as a cursor of at most ``CURSOR_CHARS`` characters, or ``None`` when there is none."""
        if not self.media:
            return None if self.floor is None else f"{self.floor}::"
        ordered = sorted(self.media.items(), key=lambda entry: (-entry[1], entry[0]))
        newest = ordered[0][1]
        entries = "".join(key + _digits(newest - second, _AGE_DIGITS) for key, second in ordered)
        return f"{self.floor if self.floor is not None else ''}:{newest}:{entries}"


def _hash(media_id: str) -> str:
    value = int.from_bytes(hashlib.blake2b(media_id.encode(), digest_size=4).digest(), "big") >> 2
    return _digits(value, _HASH_DIGITS)


def _digits(value: int, width: int) -> str:
    text = ""
    for _ in range(width):
        value, digit = divmod(value, len(_DIGITS))
        text = _DIGITS[digit] + text
    return text


def _number(text: str) -> int:
    value = 0
    for character in text:
        digit = _DIGITS.find(character)
        if digit < 0:
            raise ValueError(f"not a cursor digit: {character!r}")
        value = value * len(_DIGITS) + digit
    return value


@dataclass(frozen=True)
class _Medium:
    """A medium not read before: a ``Post``, or why it is skipped."""

    media_id: str
    second: int
    post: Post | None
    skip: str | None


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
        graph_version: str = DEFAULT_GRAPH_VERSION,
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
        self.graph_version = check_graph_version(graph_version)
        self.hashtag_id: str | None = None

    def __repr__(self) -> str:
        token = "set" if self.access_token else "missing"
        where = f"base_url={self.base_url!r}, {self.graph_version}"
        return f"InstagramHashtag(#{self.hashtag}, {where}, token {token})"

    def fetch(self, since: str | None, limit: int) -> Page:
        if not self.access_token:
            raise NotConfigured("Instagram: no access token configured")
        if not self.ig_user_id:
            raise NotConfigured("Instagram: no business account id (ig_user_id) configured")
        tally = Tally()
        if limit < 1:
            return tally.page([], since)
        seen = SeenMedia.parse(since)
        self.hashtag_id = self.hashtag_id or self._hashtag_id()
        posts: list[Post] = []
        read: dict[str, int] = {}
        unread_from: int | None = None
        for medium in sorted(self._new_media(seen, tally), key=lambda m: (m.second, m.media_id)):
            if medium.post is not None and len(posts) >= limit:  # left for the next run: not remembered
                tally.skip("over_limit")
                unread_from = medium.second if unread_from is None else unread_from
                continue
            if medium.post is None:
                tally.skip(medium.skip or "malformed")
            else:
                posts.append(medium.post)
            read[medium.media_id] = medium.second
        posts.sort(key=lambda p: p.posted_at, reverse=True)
        return tally.page(posts, seen.after(read, unread_from).cursor() or since)

    def _new_media(self, seen: SeenMedia, tally: Tally) -> list[_Medium]:
        """The media of ``MEDIA_PAGES_PER_RUN`` pages not read before, once each."""
        found: dict[str, _Medium] = {}
        url: str | None = self._media_url()
        for _ in range(MEDIA_PAGES_PER_RUN):
            if url is None:
                break
            data = graph_get(url, self.timeout, SERVICE)
            items = graph_items(data, SERVICE, url)
            tally.read += len(items)
            for item in items:
                medium = self._medium(item)
                if medium is None:
                    tally.skip("malformed")
                elif medium.media_id in found or seen.knows(medium.media_id, medium.second):
                    tally.skip("already_read")
                else:
                    found[medium.media_id] = medium
            url = next_page(data, self.base_url, SERVICE)
        return list(found.values())

    def _hashtag_id(self) -> str:
        params = {"user_id": self.ig_user_id, "q": self.hashtag, "access_token": self.access_token}
        url = f"{self.base_url}/{self.graph_version}/ig_hashtag_search?{urlencode(params)}"
        found = graph_items(graph_get(url, self.timeout, SERVICE), SERVICE, url)
        hashtag_id = item_id(found[0]) if found and isinstance(found[0], dict) else None
        if hashtag_id is None:
            raise BadResponse(f"Instagram hashtag search found no id for #{self.hashtag}")
        return hashtag_id

    def _media_url(self) -> str:
        params = {
            "user_id": self.ig_user_id,
            "fields": MEDIA_FIELDS,
            "limit": str(MEDIA_PER_PAGE),
            "access_token": self.access_token,
        }
        return f"{self.base_url}/{self.graph_version}/{self.hashtag_id}/recent_media?{urlencode(params)}"

    def _medium(self, item: Any) -> _Medium | None:
        """A medium of the answer, or ``None`` when it has no id or no readable ``timestamp``."""
        if not isinstance(item, dict):
            return None
        media_id, posted_at = item_id(item), item_time(item, "timestamp")
        if media_id is None or posted_at is None:
            return None
        text = str(item.get("caption") or "")
        skip = text_skip(text)
        post = None
        if skip is None:
            engagement = {
                name: value
                for name, key in (("likes", "like_count"), ("comments", "comments_count"))
                if (value := count(item.get(key))) is not None
            }
            post = Post(
                platform=PLATFORM,
                post_id=media_id,
                permalink=str(  # a media id is not a shortcode: without a permalink, the tag's page
                    item.get("permalink") or f"https://www.instagram.com/explore/tags/{self.hashtag}/"
                ),
                author_hash=hash_handle(PLATFORM, f"hashtag:{self.hashtag}", self.hash_key),
                text=text,
                posted_at=posted_at,
                engagement=engagement,
            )
        return _Medium(media_id, int(posted_at.timestamp()), post, skip)

"""The WordPress REST API as an entry point: ``GET /wp-json/wp/v2/posts?per_page=20&_fields=...``.

The answer is a JSON list of posts (``link``, ``title.rendered`` with HTML entities, ``date_gmt`` ...) and the
pagination is in the headers ``X-WP-Total`` and ``X-WP-TotalPages``; page n is asked for with ``page=n``.
These helpers are pure so that ``NewsSpider.parse_wordpress`` stays a few lines and they can be tested alone.
"""

from __future__ import annotations

import html
import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.html import remove_tags

# The query a source's ``url`` should carry: only the fields the spider reads, 20 posts a page.
POSTS_QUERY = "per_page=20&_fields=id,date_gmt,modified_gmt,link,title"


class BadJSON(ValueError):
    """The body is not JSON, or not the list of posts the posts endpoint returns."""


def posts(body: bytes) -> list[tuple[str, str | None]]:
    """``(link, title)`` of every post in a posts-endpoint body; posts without a link are skipped."""
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadJSON(str(exc)) from None
    if not isinstance(data, list):
        raise BadJSON(f"expected a list of posts, got {type(data).__name__}")
    found: list[tuple[str, str | None]] = []
    for post in data:
        if not isinstance(post, dict):
            continue
        link = post.get("link")
        if not isinstance(link, str) or not link.strip():
            continue
        found.append((link.strip(), _title(post.get("title"))))
    return found


def _title(value: object) -> str | None:
    rendered = value.get("rendered") if isinstance(value, dict) else value
    if not isinstance(rendered, str):
        return None
    return html.unescape(remove_tags(rendered)).strip() or None


def page_of(url: str) -> int:
    """The ``page=`` of a posts URL (1 when absent or not a number)."""
    for key, value in parse_qsl(urlsplit(url).query):
        if key == "page" and value.isdigit():
            return max(int(value), 1)
    return 1


def total_pages(header: bytes | str | None) -> int:
    """``X-WP-TotalPages`` as a number; a missing or garbled header means there is one page."""
    if isinstance(header, bytes):
        header = header.decode("latin-1")
    try:
        return max(int((header or "").strip()), 1)
    except ValueError:
        return 1


def with_page(url: str, page: int) -> str:
    """``url`` with its ``page=`` query parameter set to ``page`` (other parameters kept in order)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "page"]
    query.append(("page", str(page)))
    return urlunsplit(parts._replace(query=urlencode(query, safe=",")))

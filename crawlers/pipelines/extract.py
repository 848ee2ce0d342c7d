"""Extract title, main text, date and author with trafilatura; quarantine pages that yield nothing."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import htmldate
import trafilatura

from crawlers.items import PageItem
from crawlers.pipelines.counting import CountingPipeline
from nlp.text import content_hash

# Machine-readable publication times, most explicit first: Open Graph, schema.org (microdata, JSON-LD), time.
_DECLARED_TIME = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"<meta[^>]+(?:property|name)=[\"']article:published_time[\"'][^>]+content=[\"']([^\"']+)",
        r"<meta[^>]+content=[\"']([^\"']+)[\"'][^>]+(?:property|name)=[\"']article:published_time",
        r"<meta[^>]+itemprop=[\"']datePublished[\"'][^>]+content=[\"']([^\"']+)",
        r"[\"']datePublished[\"']\s*:\s*[\"']([^\"']+)",
        r"<time[^>]+datetime=[\"']([^\"']+)",
    )
]
# Lines of news boilerplate that trafilatura keeps inside the article body.
_BOILERPLATE = re.compile(
    r"^\s*(?:baca juga\b|artikel ini telah tayang|simak (?:berita|artikel|juga)\b"
    r"|ikuti (?:berita|kami|kanal)\b|(?:pewarta|editor|penulis|reporter|redaktur|penyunting)\s*:"
    r"|copyright\s*©|©\s*\d{4})",
    re.IGNORECASE,
)


def _declared_time(html: str, timezone: str) -> datetime | None:
    head = html[:200_000]
    for pattern in _DECLARED_TIME:
        match = pattern.search(head)
        if match:
            try:
                moment = datetime.fromisoformat(match.group(1).strip().replace("Z", "+00:00"))
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))
    return None


def without_boilerplate(text: str) -> str:
    """The article text without "Baca juga" links, syndication notes and byline/copyright lines."""
    return "\n".join(line for line in text.splitlines() if not _BOILERPLATE.match(line)).strip()


def published_at(html: str, timezone: str) -> datetime | None:
    """The page's original publication time: the time the page declares (meta, schema.org, <time>), else
    htmldate's finding (which prefers dates in the URL, midnight); a time without offset is in the region's
    zone."""
    declared = _declared_time(html, timezone)
    if declared is not None:
        return declared
    found = htmldate.find_date(html, outputformat="%Y-%m-%dT%H:%M:%S%z", original_date=True)
    if not found:
        return None
    try:
        moment = datetime.strptime(found, "%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        moment = datetime.strptime(found[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=ZoneInfo(timezone))
    return moment


class ExtractPipeline(CountingPipeline):
    def _quarantine(self, item: PageItem, reason: str) -> PageItem:
        item.quarantine_reason = reason
        self.stats.inc_value(f"pantau/extract/quarantined/{reason.split(':')[0]}")
        return item

    def process_item(self, item: PageItem) -> PageItem:
        if not item.body.strip():
            return self._quarantine(item, "empty page")
        try:
            result = trafilatura.bare_extraction(
                item.html, url=item.url, with_metadata=True, include_comments=False
            )
        except Exception as exc:
            return self._quarantine(item, f"extraction failed: {type(exc).__name__}: {exc}"[:300])
        if result is None or not (result.text or "").strip():
            return self._quarantine(item, "no article text found")
        item.title = (result.title or item.listed_title or "").strip() or None
        item.text = without_boilerplate(result.text)
        if not item.text:
            return self._quarantine(item, "no article text found")
        item.author = (result.author or "").strip()[:300] or None
        item.published_at = published_at(item.html, item.timezone)
        item.content_hash = content_hash(item.text)
        self.stats.inc_value("pantau/extract/extracted")
        return item

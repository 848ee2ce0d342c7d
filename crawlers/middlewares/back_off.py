"""Back off when a site says so: a 429 or 503 with ``Retry-After`` (seconds or an HTTP date) raises the
delay of that site's download slot to at least that long, so the retry and every later request to the site
wait. Scrapy's RetryMiddleware retries the request but ignores ``Retry-After``; AutoThrottle never lowers a
delay on an error response, so the back-off holds until the site answers normally again."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy.statscollectors import StatsCollector

MAX_BACK_OFF_SECONDS = 600.0  # a site asking for more is tried again next cycle (the retry gives up first)
BACK_OFF_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: str, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds to wait (delta-seconds or an HTTP date), None when unreadable."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max((moment - (now or datetime.now(UTC))).total_seconds(), 0.0)


class BackOffMiddleware:
    def __init__(self, stats: StatsCollector, slots: Callable[[], Mapping[str, Any]]) -> None:
        self.stats = stats
        self.slots = slots

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        assert crawler.stats is not None

        def slots() -> Mapping[str, Any]:
            engine = crawler.engine
            return engine.downloader.slots if engine is not None else {}

        return cls(crawler.stats, slots)

    def process_response(self, request: Request, response: Response) -> Response:
        header = response.headers.get("Retry-After")
        if response.status not in BACK_OFF_STATUSES or header is None:
            return response
        wait = retry_after_seconds(header.decode("latin-1"))
        if wait is None:
            return response
        slot = self.slots().get(request.meta.get("download_slot", ""))
        if slot is not None:
            slot.delay = max(slot.delay, min(wait, MAX_BACK_OFF_SECONDS))
        self.stats.inc_value(f"pantau/backed_off/http_{response.status}")
        return response

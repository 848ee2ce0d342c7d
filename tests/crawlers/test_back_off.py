"""Retry-After on 429/503 slows the site's download slot (Scrapy's own Slot) before the retry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy import Request
from scrapy.core.downloader import Slot
from scrapy.http import Response
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from crawlers.middlewares.back_off import MAX_BACK_OFF_SECONDS, BackOffMiddleware, retry_after_seconds


def _answer(status: int, retry_after: str | None) -> tuple[Request, Response]:
    request = Request("https://kaltimtoday.co/feed/", meta={"download_slot": "kaltimtoday.co"})
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return request, Response(request.url, status=status, headers=headers, request=request)


@pytest.mark.parametrize(
    ("status", "retry_after", "delay"),
    [
        (429, "30", 30.0),
        (503, "5", 5.0),
        (429, "86400", MAX_BACK_OFF_SECONDS),
        (429, None, 1.0),
        (500, "30", 1.0),
    ],
)
def test_the_slot_waits_as_long_as_the_site_asks(status: int, retry_after: str | None, delay: float) -> None:
    stats = MemoryStatsCollector(get_crawler())
    slot = Slot(concurrency=1, delay=1.0)
    middleware = BackOffMiddleware(stats, lambda: {"kaltimtoday.co": slot})
    request, response = _answer(status, retry_after)
    assert middleware.process_response(request, response) is response
    assert slot.delay == delay
    assert bool(stats.get_value(f"pantau/backed_off/http_{status}")) == (delay != 1.0)


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert retry_after_seconds("Sun, 22 Nov 2026 08:02:00 GMT", now) == 120.0
    assert retry_after_seconds("Sun, 22 Nov 2026 07:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None

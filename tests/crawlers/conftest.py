"""Saved pages as Scrapy responses (City Bureau's ``file_response`` pattern), keyed by a real-looking URL."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.test import get_crawler

from config.settings import PROJECT_ROOT

SITES = PROJECT_ROOT / "demo" / "sites"
BASE = "http://127.0.0.1:8000"


def file_response(relative: str, url: str | None = None, status: int = 200) -> Response:
    """The saved file ``demo/sites/<relative>`` as the response to a GET of ``url``."""
    path = SITES / relative
    body = path.read_bytes().replace(b"__BASE_URL__", BASE.encode())
    url = url or f"{BASE}/{relative}"
    cls = HtmlResponse if path.suffix == ".html" else TextResponse
    return cls(url=url, request=Request(url=url), body=body, status=status)


@pytest.fixture
def stats() -> MemoryStatsCollector:
    return MemoryStatsCollector(get_crawler())


def saved(path: str) -> Path:
    return SITES / path

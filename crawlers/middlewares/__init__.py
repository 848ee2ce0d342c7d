"""Downloader middlewares: what is decided before a page is fetched (one per file)."""

from scrapy.exceptions import IgnoreRequest


class SkippedOnPurpose(IgnoreRequest):
    """A request dropped by design (stored already, not modified): counted by its middleware, no failure."""

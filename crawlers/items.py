"""What a spider hands to the pipelines: one fetched page, before and after extraction."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class PageItem:
    """A fetched article page, raw. Pipelines fill the extracted fields or a quarantine reason, in order."""

    source_slug: str
    region_code: str
    url: str
    http_status: int
    body: bytes
    content_type: str | None  # the HTTP Content-Type, whose charset extraction tries first
    fetched_at: datetime
    language: str = "id"
    timezone: str = "Asia/Jakarta"
    frontier_key: str | None = None  # the canonical URL of the listed article this page answers
    canonical_url: str = ""
    encoding: str | None = None
    title: str | None = None
    text: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    content_hash: str | None = None
    quarantine_reason: str | None = None
    notes: dict[str, str] = field(default_factory=dict)  # what extraction had to guess, and why
    raw_gzip: bytes | None = None  # the body compressed for storage (by the extraction worker)
    listed_title: str | None = field(default=None, metadata={"doc": "title given by the feed or sitemap"})

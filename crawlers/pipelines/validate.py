"""Check extracted pages; quarantine the unusable with the reason, count valid fields per spider."""

from __future__ import annotations

from crawlers.items import PageItem
from crawlers.pipelines.counting import CountingPipeline

MIN_TEXT_CHARS = 200
OPTIONAL_FIELDS = ("title", "author", "published_at")


class ValidatePipeline(CountingPipeline):
    def process_item(self, item: PageItem) -> PageItem:
        if item.quarantine_reason:
            return item
        if item.http_status != 200:
            item.quarantine_reason = f"unexpected HTTP status {item.http_status}"
        elif not item.title:
            item.quarantine_reason = "no title"
        elif len(item.text or "") < MIN_TEXT_CHARS:
            item.quarantine_reason = f"text shorter than {MIN_TEXT_CHARS} characters"
        if item.quarantine_reason:
            self.stats.inc_value(f"pantau/validate/quarantined/{item.quarantine_reason}")
            return item
        self.stats.inc_value("pantau/validate/valid")
        for name in OPTIONAL_FIELDS:
            if getattr(item, name):
                self.stats.inc_value(f"pantau/validate/field/{name}")
        return item

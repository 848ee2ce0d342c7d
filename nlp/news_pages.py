"""The MIT-licensed saved news pages (``../shared/data/news_html``) as labelled examples.

The team read every article page's title and text: all are general news (celebrities, business, sport,
courts), none reports a public-service problem, so all are ``not_complaint``. Index pages are skipped.
"""

from __future__ import annotations

from pathlib import Path

import trafilatura

from nlp.datasets import NOT_COMPLAINT, DataMissing, Example


def news_pages(data_dir: Path) -> list[Example]:
    folder = data_dir / "news_html"
    if not folder.exists():
        raise DataMissing(f"{folder} not found")
    examples = []
    for page in sorted(folder.glob("*/*singlepage*.html")):
        html = page.read_bytes().decode("utf-8", errors="replace")
        text = trafilatura.extract(html, include_comments=False) or ""
        if text.strip():
            key = f"news:{page.parent.name}/{page.name}"
            examples.append(Example(key, text, NOT_COMPLAINT, None, None, "news_html"))
    return examples

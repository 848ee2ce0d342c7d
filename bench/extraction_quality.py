"""Extraction quality: Pantau's ``crawlers.extraction.extract_page`` against plain ``trafilatura.extract`` on
the same saved pages (tests/crawlers/test_extraction_quality.py gates on the same figures).

    .venv/bin/python bench/extraction_quality.py [--shared-data ../shared/data] [--json OUT]

(a) ``news_html``: the article pages of ``../shared/data/news_html`` against the text its ``expected.json``
holds. That text follows another scraper's joining rules, so the comparison is fuzzy: token F1 over the
bags of lower-cased word tokens (``\\w+``, Unicode; punctuation and line breaks ignored, a repeated word
counts as often as it occurs), per page, then averaged per site and over all pages.
(b) The outlets' saved pages (tests/crawlers/fixtures/sources/<slug>/): their expected.json holds no full
text, only key phrases, so what is measured is the phrase checks: the excerpt found, each boilerplate phrase
("absent") and the "Baca juga" line (``read_also``) not found.

Plain means ``trafilatura.extract(body)`` with default options on the page's bytes (trafilatura decodes
them itself); Pantau's text is what it stores (``Extraction.text``), the title aside for both.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import trafilatura

from config.settings import PROJECT_ROOT, get_settings
from crawlers.extraction import extract_page

FIXTURES = PROJECT_ROOT / "tests" / "crawlers" / "fixtures" / "sources"
TIMEZONE = "Asia/Jakarta"
_WORD = re.compile(r"\w+")

Extractor = Callable[[bytes, str], str]  # (page bytes, url) -> article text


def words(text: str) -> Counter[str]:
    """The bag of lower-cased word tokens of ``text``."""
    return Counter(_WORD.findall(text.lower()))


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def token_score(found: str, expected: str) -> Score:
    """Precision and recall of ``found``'s word tokens against ``expected``'s (bags: counts matter)."""
    got, want = words(found), words(expected)
    common = sum((got & want).values())
    return Score(common / max(got.total(), 1), common / max(want.total(), 1))


def pantau(body: bytes, url: str) -> str:
    """The text Pantau stores for a page (saved files come without an HTTP Content-Type)."""
    fetched_at = datetime.now(UTC)
    return extract_page(body, url=url, content_type=None, timezone=TIMEZONE, fetched_at=fetched_at).text or ""


def plain(body: bytes, url: str) -> str:
    return trafilatura.extract(body) or ""


EXTRACTORS: dict[str, Extractor] = {"plain": plain, "pantau": pantau}


@dataclass(frozen=True)
class ExpectedPage:
    name: str  # path under its folder, e.g. "kompas/kompas-singlepage2.html"
    url: str
    body: bytes
    text: str


def news_html_pages(shared_data: Path) -> list[ExpectedPage]:
    """The article pages of ``news_html`` (index pages have no expected text), in name order."""
    root = shared_data / "news_html"
    expected: dict[str, dict[str, Any]] = json.loads((root / "expected.json").read_text(encoding="utf-8"))
    return [
        ExpectedPage(name, entry["url"], (root / name).read_bytes(), entry["content"])
        for name, entry in sorted(expected.items())
        if entry.get("content")
    ]


def news_html_scores(pages: list[ExpectedPage]) -> dict[str, dict[str, Score]]:
    """Each page's score per extractor: {page name: {extractor: Score}}."""
    return {
        page.name: {
            name: token_score(extract(page.body, page.url), page.text) for name, extract in EXTRACTORS.items()
        }
        for page in pages
    }


@dataclass(frozen=True)
class PhraseChecks:
    """The key-phrase checks of one outlet's saved article: how many passed, of how many."""

    excerpt_found: bool
    boilerplate_leaked: list[str]
    total: int  # the excerpt and every phrase that must not be there

    @property
    def passed(self) -> int:
        return int(self.excerpt_found) + self.total - 1 - len(self.boilerplate_leaked)


def phrase_checks(text: str, article: dict[str, Any]) -> PhraseChecks:
    unwanted = [*article["absent"], *([article["read_also"]] if article.get("read_also") else [])]
    leaked = [phrase for phrase in unwanted if phrase in text]
    return PhraseChecks(article["excerpt"] in text, leaked, 1 + len(unwanted))


def fixture_checks() -> dict[str, dict[str, PhraseChecks]]:
    """{outlet slug: {extractor: PhraseChecks}} over every outlet's saved article page."""
    found: dict[str, dict[str, PhraseChecks]] = {}
    for expected_file in sorted(FIXTURES.glob("*/expected.json")):
        article = json.loads(expected_file.read_text(encoding="utf-8"))["article"]
        body = (expected_file.parent / article["file"]).read_bytes()
        found[expected_file.parent.name] = {
            name: phrase_checks(extract(body, article["url"]), article)
            for name, extract in EXTRACTORS.items()
        }
    return found


def mean(scores: list[Score]) -> dict[str, float]:
    """Macro averages: each page counts once, whatever its length."""
    return {
        "precision": round(statistics.fmean(s.precision for s in scores), 3),
        "recall": round(statistics.fmean(s.recall for s in scores), 3),
        "f1": round(statistics.fmean(s.f1 for s in scores), 3),
    }


def news_html_report(scores: dict[str, dict[str, Score]]) -> dict[str, Any]:
    by_site: dict[str, list[str]] = {}
    for name in scores:
        by_site.setdefault(name.split("/")[0], []).append(name)

    def figures(pages: list[str]) -> dict[str, Any]:
        return {"pages": len(pages)} | {e: mean([scores[p][e] for p in pages]) for e in EXTRACTORS}

    return {
        "pages": len(scores),
        "per_site": {site: figures(pages) for site, pages in by_site.items()},
        "overall": figures(list(scores)),
        "per_page_f1": {name: {e: round(s.f1, 3) for e, s in by.items()} for name, by in scores.items()},
    }


def fixtures_report(checks: dict[str, dict[str, PhraseChecks]]) -> dict[str, Any]:
    per_site = {
        slug: {
            e: {"passed": c.passed, "of": c.total, "excerpt": c.excerpt_found, "leaked": c.boilerplate_leaked}
            for e, c in by.items()
        }
        for slug, by in checks.items()
    }
    overall = {
        e: {
            "passed": sum(by[e].passed for by in checks.values()),
            "of": sum(by[e].total for by in checks.values()),
            "excerpts_found": sum(by[e].excerpt_found for by in checks.values()),
            "pages_with_leaks": sum(bool(by[e].boilerplate_leaked) for by in checks.values()),
        }
        for e in EXTRACTORS
    }
    return {"outlets": len(checks), "per_site": per_site, "overall": overall}


def _print_tables(news: dict[str, Any] | None, fixtures: dict[str, Any]) -> None:
    if news is not None:
        print(f"news_html: token F1 (P/R) per site, {news['pages']} article pages", file=sys.stderr)
        rows = {**news["per_site"], "overall": news["overall"]}
        for site, row in rows.items():
            cells = "  ".join(
                f"{e} {row[e]['f1']:.3f} ({row[e]['precision']:.2f}/{row[e]['recall']:.2f})"
                for e in EXTRACTORS
            )
            print(f"  {site:14} {row['pages']:2}  {cells}", file=sys.stderr)
    print(f"outlet fixtures: phrase checks passed, {fixtures['outlets']} outlets", file=sys.stderr)
    for slug, row in [*fixtures["per_site"].items(), ("overall", fixtures["overall"])]:
        cells = "  ".join(f"{e} {row[e]['passed']}/{row[e]['of']}" for e in EXTRACTORS)
        print(f"  {slug:20} {cells}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared-data", type=Path, default=get_settings().shared_data_dir)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    news = None
    if (args.shared_data / "news_html").is_dir():
        news = news_html_report(news_html_scores(news_html_pages(args.shared_data)))
    else:
        print(f"{args.shared_data / 'news_html'} not found: news_html part skipped", file=sys.stderr)
    fixtures = fixtures_report(fixture_checks())
    _print_tables(news, fixtures)
    result = {"news_html": news, "outlet_fixtures": fixtures, "trafilatura": trafilatura.__version__}
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

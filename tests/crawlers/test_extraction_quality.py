"""Eval gate: Pantau's stored text is at least as good as plain ``trafilatura.extract`` on the same pages.

The figures come from bench/extraction_quality.py (loaded from its file: bench/ is not a package), so the gate
and the benchmark measure the same thing: token F1 against ``news_html``'s expected texts, and the key-phrase
checks of the outlets' saved pages. Quality only: nothing here is timed.
"""

from __future__ import annotations

import importlib.util
import statistics
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from config.settings import PROJECT_ROOT

# How much token F1 one page may lose against plain trafilatura: a character decoded differently or a byline
# line dropped costs a few thousandths; a lost paragraph costs far more.
PAGE_MARGIN = 0.01


@cache
def quality() -> ModuleType:
    name = "pantau_bench_extraction_quality"
    spec = importlib.util.spec_from_file_location(name, PROJECT_ROOT / "bench" / "extraction_quality.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@cache
def news_html_f1(shared_data: Path) -> dict[str, dict[str, float]]:
    """{page: {extractor: token F1}} over the article pages of ``news_html``."""
    scores = quality().news_html_scores(quality().news_html_pages(shared_data))
    return {page: {e: score.f1 for e, score in by.items()} for page, by in scores.items()}


@cache
def outlet_checks() -> dict[str, dict[str, Any]]:
    """{outlet: {extractor: PhraseChecks}} over the outlets' saved article pages."""
    checks: dict[str, dict[str, Any]] = quality().fixture_checks()
    return checks


@pytest.mark.shared_data
def test_news_html_is_scored_on_every_article_page(shared_data: Path) -> None:
    assert len(news_html_f1(shared_data)) == 26


@pytest.mark.shared_data
def test_pantau_scores_at_least_plain_trafilatura_over_news_html(shared_data: Path) -> None:
    f1 = news_html_f1(shared_data).values()
    assert statistics.fmean(p["pantau"] for p in f1) >= statistics.fmean(p["plain"] for p in f1)


@pytest.mark.shared_data
def test_no_news_html_page_is_worse_than_plain_trafilatura_by_more_than_the_margin(shared_data: Path) -> None:
    worse = {
        page: f1 for page, f1 in news_html_f1(shared_data).items() if f1["pantau"] < f1["plain"] - PAGE_MARGIN
    }
    assert worse == {}


@pytest.mark.parametrize("slug", sorted(p.name for p in quality().FIXTURES.iterdir() if p.is_dir()))
def test_outlet_page_passes_at_least_the_phrase_checks_plain_trafilatura_passes(slug: str) -> None:
    checks = outlet_checks()[slug]
    assert checks["pantau"].passed >= checks["plain"].passed

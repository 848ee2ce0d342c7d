"""Editing the sources file from the command line keeps comments and rolls back what does not validate."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.catalog import load_catalog
from config.errors import ConfigError
from config.settings import CONFIG_DATA_DIR
from config.sources_file import add_source, set_enabled

SOURCES = """# comment that must survive
sources:
  - slug: kaltimtoday  # a trailing comment
    name: Kaltim Today
    region: "64.08"
    platform: rss
    url: https://kaltimtoday.co/feed/
  - slug: niaga
    name: Niaga Asia
    region: "64.08"
    platform: sitemap
    url: https://www.niaga.asia/sitemap-news.xml
    enabled: true
"""


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(SOURCES, encoding="utf-8")
    return path


def _validate(path: Path):  # type: ignore[no-untyped-def]
    return lambda: load_catalog(CONFIG_DATA_DIR, path)


def _enabled(path: Path) -> dict[str, bool]:
    return {s.slug: s.enabled for s in load_catalog(CONFIG_DATA_DIR, path).sources}


def test_disable_and_enable_change_one_line_and_keep_comments(sources: Path) -> None:
    set_enabled(sources, "kaltimtoday", False, _validate(sources))
    set_enabled(sources, "niaga", False, _validate(sources))
    assert _enabled(sources) == {"kaltimtoday": False, "niaga": False}
    text = sources.read_text(encoding="utf-8")
    assert "# comment that must survive" in text and "# a trailing comment" in text
    set_enabled(sources, "kaltimtoday", True, _validate(sources))
    assert _enabled(sources) == {"kaltimtoday": True, "niaga": False}
    assert text.count("enabled:") == 2


def test_unknown_source_is_a_clear_error(sources: Path) -> None:
    with pytest.raises(ConfigError, match="no source 'tribun'"):
        set_enabled(sources, "tribun", False, _validate(sources))


def test_added_source_is_validated_and_appended(sources: Path) -> None:
    entry = {"slug": "prokal", "name": "Prokal", "region": "64.08", "platform": "sitemap",
             "url": "https://kaltim.prokal.co/sitemap.xml", "article_pattern": None}  # fmt: skip
    add_source(sources, entry, _validate(sources))
    assert list(_enabled(sources)) == ["kaltimtoday", "niaga", "prokal"]


def test_an_invalid_addition_leaves_the_file_as_it_was(sources: Path) -> None:
    entry = {
        "slug": "bad",
        "name": "Bad",
        "region": "99.99",
        "platform": "rss",
        "url": "https://bad.example/",
    }
    with pytest.raises(ConfigError, match="unknown region"):
        add_source(sources, entry, _validate(sources))
    assert sources.read_text(encoding="utf-8") == SOURCES


def test_first_source_replaces_an_empty_list(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("# none yet\nsources: []\n", encoding="utf-8")
    entry = {"slug": "antara-kaltim", "name": "Antara Kaltim", "region": "64.08", "platform": "rss",
             "url": "https://kaltim.antaranews.com/rss/terkini.xml"}  # fmt: skip
    add_source(path, entry, _validate(path))
    assert list(_enabled(path)) == ["antara-kaltim"]


def test_a_damaged_sources_file_is_a_config_error_with_its_line(tmp_path: Path) -> None:
    """Editing a file that is not UTF-8 once ended in a UnicodeDecodeError traceback."""
    path = tmp_path / "sources.yaml"
    path.write_bytes(b"sources:\n  - slug: kafe\n    name: Caf\xe9\n")
    with pytest.raises(ConfigError, match=r"sources.yaml:3:14: not UTF-8"):
        set_enabled(path, "kafe", False, lambda: None)
    assert path.read_bytes().endswith(b"Caf\xe9\n")  # left as it was

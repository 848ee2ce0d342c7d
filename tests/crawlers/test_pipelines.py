"""Canonicalise, extract and validate on saved pages, including broken ones."""

from __future__ import annotations

from datetime import UTC, datetime

from crawlers.extraction import extract_for_storage
from crawlers.items import PageItem
from crawlers.pipelines.canonicalize import CanonicalizePipeline, canonical_url
from crawlers.pipelines.extract import apply_extraction, page_to_extract
from crawlers.pipelines.validate import ValidatePipeline
from nlp.text import content_hash

from .conftest import saved


def _item(
    body: bytes, content_type: str | None = "text/html; charset=utf-8", url: str = "http://a.test/x.html"
) -> PageItem:
    return PageItem(
        source_slug="s",
        region_code="64.08",
        url=url,
        http_status=200,
        body=body,
        content_type=content_type,
        fetched_at=datetime.now(UTC),
        timezone="Asia/Makassar",
    )


def _through(item: PageItem, stats) -> PageItem:  # type: ignore[no-untyped-def]
    item = CanonicalizePipeline(stats, None).process_item(item)
    item = apply_extraction(item, extract_for_storage(page_to_extract(item))[0], stats)
    return ValidatePipeline(stats).process_item(item)


def test_canonical_url_drops_tracking_and_fragment() -> None:
    assert canonical_url("HTTP://News.Test:80/a.html?utm_source=x&id=2#top") == "http://news.test/a.html?id=2"


def test_canonical_url_of_a_relocatable_mirror_uses_the_placeholder(stats) -> None:  # type: ignore[no-untyped-def]
    item = _item(b"x", url="http://127.0.0.1:4321/arsip/a.html?utm_medium=social")
    CanonicalizePipeline(stats, "http://127.0.0.1:4321").process_item(item)
    assert item.canonical_url == "__BASE_URL__/arsip/a.html"


def test_article_is_extracted_with_title_date_author(stats) -> None:  # type: ignore[no-untyped-def]
    item = _through(_item(saved("wartakutim/berita/jalan-rusak-bengalon.html").read_bytes()), stats)
    assert item.quarantine_reason is None
    assert item.title and item.title.startswith("Jalan Poros Desa Tepian Langsat Rusak Parah")
    assert "Kecamatan Bengalon" in (item.text or "")
    assert "Baca juga" not in (item.text or "")
    assert item.author == "Bayu Pratama"
    assert item.published_at == datetime(2026, 11, 3, 1, 20, tzinfo=UTC)
    assert item.content_hash == content_hash(item.text or "")
    assert stats.get_value("pantau/validate/valid") == 1


def test_latin1_page_keeps_its_characters(stats) -> None:  # type: ignore[no-untyped-def]
    body = saved("kabarsangatta/artikel/jalan-longsor-kaliorang-latin1.html").read_bytes()
    item = _through(_item(body, content_type="text/html; charset=windows-1252"), stats)
    assert item.quarantine_reason is None
    assert "Andréas" in (item.text or "") and "60°" in (item.text or "")


def test_empty_page_is_quarantined_with_reason(stats) -> None:  # type: ignore[no-untyped-def]
    item = _through(_item(b"   "), stats)
    assert item.quarantine_reason == "empty page"
    assert stats.get_value("pantau/extract/quarantined/empty page") == 1


def test_page_without_article_text_is_quarantined(stats) -> None:  # type: ignore[no-untyped-def]
    item = _through(_item(b"<html><body><nav><a href='/'>Beranda</a></nav></body></html>"), stats)
    assert item.quarantine_reason is not None


def test_broken_html_still_yields_text(stats) -> None:  # type: ignore[no-untyped-def]
    paragraphs = "".join(f"<p>Warga mengeluhkan jalan rusak paragraf {i} tanpa penutup" for i in range(12))
    body = f"<html><head><title>Jalan rusak</title><body><article><h1>Jalan rusak</h1>{paragraphs}".encode()
    item = _through(_item(body), stats)
    assert item.quarantine_reason is None
    assert "paragraf 11" in (item.text or "")


def test_short_text_is_quarantined_by_validation(stats) -> None:  # type: ignore[no-untyped-def]
    body = b"<html><head><title>Singkat</title></head><body><article><p>Satu.</p></article></body></html>"
    item = _through(_item(body), stats)
    assert item.quarantine_reason == "text shorter than 200 characters"


def test_content_hash_ignores_case_and_spacing() -> None:
    assert content_hash("Jalan  Rusak\n di Bengalon") == content_hash("jalan rusak di bengalon")


def test_a_stale_single_byte_declaration_over_utf8_bytes_is_not_believed(stats) -> None:  # type: ignore[no-untyped-def]
    """A CMS template that still says iso-8859-1 around UTF-8 text (a saved national page does)."""
    paragraphs = "".join(
        f"<p>Warga di kafe Sangatta® mengeluhkan jalan rusak paragraf {i}.</p>" for i in range(9)
    )
    body = (
        '<html><head><meta charset="iso-8859-1"><title>Jalan rusak</title></head>'
        f"<body><article><h1>Jalan rusak</h1>{paragraphs}</article></body></html>"
    ).encode()
    item = _through(_item(body, content_type="text/html"), stats)
    assert "Sangatta®" in (item.text or "") and "Â" not in (item.text or "")
    assert item.encoding == "utf-8" and "bytes are utf-8" in item.notes["encoding"]

"""From the raw bytes of an article page to its text and metadata: a pure function, so that the crawl can run
it in worker processes (``crawlers.pipelines.extract``) and benchmarks and tests can call it directly.

``extract_page`` never raises: whatever it cannot read becomes a quarantine reason, and whatever it had to
guess (a charset that did not decode as declared, a publication date it refused) is kept in ``notes``.

trafilatura and htmldate are imported where they are used: the crawl process itself only handles these
results (a second of start-up saved); the extraction workers pay for the import once.
"""

from __future__ import annotations

import codecs
import gzip
import re
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from nlp.text import content_hash

if TYPE_CHECKING:
    from lxml.html import HtmlElement

# A news page dated before the web reached Indonesian newsrooms, or more than this after it was fetched, has a
# broken date (a template default, a typo, an attack): it is stored without a date, the reason kept.
EARLIEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=2)
DECLARED_TIME_SCAN_CHARS = 200_000

# Machine-readable publication times, most explicit first: Open Graph, schema.org (microdata, JSON-LD), time.
_DECLARED_TIME = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"<meta[^>]+(?:property|name)=[\"']article:published_time[\"'][^>]+content=[\"']([^\"']+)",
        r"<meta[^>]+content=[\"']([^\"']+)[\"'][^>]+(?:property|name)=[\"']article:published_time",
        r"<meta[^>]+itemprop=[\"']datePublished[\"'][^>]+content=[\"']([^\"']+)",
        r"[\"']datePublished[\"']\s*:\s*[\"']([^\"']+)",
        r"<time[^>]+datetime=[\"']([^\"']+)",
    )
]
# Lines of news boilerplate that trafilatura keeps inside the article body.
_BOILERPLATE = re.compile(
    r"^\s*(?:baca juga\b|artikel ini telah tayang|simak (?:berita|artikel|juga)\b"
    r"|ikuti (?:berita|kami|kanal)\b|(?:pewarta|editor|penulis|reporter|redaktur|penyunting)\s*:"
    r"|copyright\s*©|©\s*\d{4})",
    re.IGNORECASE,
)
# A byline inside the text: "Penulis: Bayu Pratama | Selasa, 3 November 2026" -> "Bayu Pratama".
_BYLINE = re.compile(
    r"^\s*(?:penulis|reporter|pewarta|oleh)\s*:?\s+([^|,\n]{3,80}?)\s*(?:[|,].*)?$", re.IGNORECASE
)
_FALLBACK_ENCODING = "cp1252"  # what browsers use for pages in Western and Indonesian locales
_SINGLE_BYTE = frozenset({"cp1252", "latin-1", "iso8859-1", "iso8859-15", "ascii"})


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the codec used, e.g. "utf-8", "cp1252", "utf-8+cp1252" (mixed)
    note: str | None = None  # set when the declared charset could not be used as it was


@dataclass
class Extraction:
    """What an article page yielded; picklable, so it can come back from a worker process."""

    encoding: str
    title: str | None = None
    text: str | None = None
    author: str | None = None
    published_at: datetime | None = None
    content_hash: str | None = None
    quarantine_reason: str | None = None
    notes: dict[str, str] = field(default_factory=dict)


def _utf8_or_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a byte that is not UTF-8 is read as windows-1252 (a mis-declared page)."""
    assert isinstance(error, UnicodeDecodeError)
    byte = error.object[error.start : error.start + 1]
    return byte.decode(_FALLBACK_ENCODING, errors="replace"), error.start + 1


codecs.register_error("pantau-cp1252", _utf8_or_cp1252)


def _strict(body: bytes, encoding: str) -> str | None:
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def decode_page(body: bytes, content_type: str | None) -> Decoded:
    """The page as text. A byte-order mark wins, then the HTTP charset, then the page's ``<meta charset>``;
    when none of those decodes cleanly, the bytes that are not UTF-8 are read as windows-1252 (a Latin-1
    page served as UTF-8, or a UTF-8 template around Latin-1 text), and a note says so. A single-byte
    charset decodes anything, so one declared over bytes that are valid UTF-8 with non-ASCII characters
    (a CMS template's stale ``iso-8859-1``) is not believed: such bytes are almost never Latin-1 text."""
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom is not None:
        return Decoded(body[len(bom) :].decode(bom_encoding, errors="replace"), bom_encoding)
    declared = [
        (encoding, origin)
        for encoding, origin in (
            (http_content_type_encoding(content_type) if content_type else None, "HTTP"),
            (html_body_declared_encoding(body[:4096]), "meta"),
        )
        if encoding
    ]
    utf8 = _strict(body, "utf-8")
    for encoding, origin in declared:
        text = _strict(body, encoding)
        if text is None:
            continue
        if utf8 is not None and encoding in _SINGLE_BYTE and not utf8.isascii():
            return Decoded(utf8, "utf-8", f"declared {encoding} ({origin}) but the bytes are utf-8")
        return Decoded(text, encoding)
    text = utf8
    failed = ", ".join(f"{encoding} ({origin})" for encoding, origin in declared)
    if text is not None:
        return Decoded(text, "utf-8", f"declared {failed} did not decode; read as utf-8" if failed else None)
    mixed = body.decode("utf-8", errors="pantau-cp1252")
    pure = mixed == body.decode(_FALLBACK_ENCODING, errors="replace")
    used = _FALLBACK_ENCODING if pure else "utf-8+cp1252"
    why = f"declared {failed} did not decode" if failed else "no charset declared and not utf-8"
    return Decoded(mixed, used, f"{why}; read as {used}")


def without_boilerplate(text: str) -> str:
    """The article text without "Baca juga" links, syndication notes and byline/copyright lines."""
    return "\n".join(line for line in text.splitlines() if not _BOILERPLATE.match(line)).strip()


def byline_author(text: str) -> str | None:
    """The author a byline line of the text names ("Penulis: Bayu Pratama | ..."), if one does."""
    for line in text.splitlines()[:40]:
        match = _BYLINE.match(line)
        if match:
            return match.group(1).strip()
    return None


@dataclass(frozen=True)
class _Metadata:
    title: str | None
    author: str | None


def _metadata(tree: HtmlElement) -> _Metadata:
    """Title and author the way trafilatura finds them (meta tags, then JSON-LD, then the page's title),
    without its costlier steps: the date is ours (``published_at``), and an author missing from the markup is
    looked for in the byline instead of by trafilatura's whole-tree search (5 ms a page)."""
    from trafilatura.metadata import examine_meta, extract_meta_json, extract_title

    meta = examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None  # trafilatura's rule: a one-word "author" is mostly a site name or a handle
    if not (meta.title and meta.author):
        # trafilatura's JSON-LD reader fails on some hostile markup (it guards the same way)
        with suppress(Exception):
            meta = extract_meta_json(tree, meta)
    return _Metadata(title=meta.title or extract_title(tree), author=meta.author)


def _in_utc(moment: datetime, timezone: str) -> datetime | None:
    """``moment`` in UTC (a time without offset is in ``timezone``); None when it falls off the calendar."""
    try:
        aware = moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(timezone))
        return aware.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _declared_times(html: str) -> Iterator[str]:
    head = html[:DECLARED_TIME_SCAN_CHARS]
    for pattern in _DECLARED_TIME:
        match = pattern.search(head)
        if match:
            yield match.group(1).strip()


def _candidate_times(html: str) -> Iterator[str]:
    """Declared times first; htmldate's finding (slower) only when none of those was usable."""
    yield from _declared_times(html)
    import htmldate

    found = htmldate.find_date(html, outputformat="%Y-%m-%dT%H:%M:%S%z", original_date=True)
    if found:
        yield found


def _parse_time(value: str, timezone: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        if len(value) < 19 or value[:19] == value:
            return None
        return _parse_time(value[:19], timezone)  # an offset Python cannot read: the local time
    return _in_utc(moment, timezone)


def published_at(html: str, timezone: str, fetched_at: datetime) -> tuple[datetime | None, str | None]:
    """The page's original publication time and, when a date was found but refused, why.

    The time the page declares (meta, schema.org, <time>) comes first, else htmldate's finding (which prefers
    dates in the URL, at midnight); a time without offset is in the region's zone. A time before 1995 or more
    than two days after the fetch is implausible and treated as missing."""
    refused: list[str] = []
    for value in _candidate_times(html):
        moment = _parse_time(value, timezone)
        if moment is not None and EARLIEST_PLAUSIBLE <= moment <= fetched_at + FUTURE_TOLERANCE:
            return moment, None
        refused.append(value[:80])
    if refused:
        return None, "implausible or unreadable publication time ignored: " + "; ".join(refused)
    return None, None


def extract_page(
    body: bytes,
    *,
    url: str,
    content_type: str | None,
    timezone: str,
    fetched_at: datetime,
    listed_title: str | None = None,
) -> Extraction:
    """Decode and extract one article page (title, text, author, publication time); never raises."""
    import trafilatura
    from trafilatura.utils import load_html

    if not body.strip():
        return Extraction(encoding="-", quarantine_reason="empty page")
    decoded = decode_page(body, content_type)
    result = Extraction(encoding=decoded.encoding)
    if decoded.note:
        result.notes["encoding"] = decoded.note
    try:
        tree = load_html(decoded.text)
        if tree is None:
            result.quarantine_reason = "no article text found"
            return result
        meta = _metadata(tree)  # first: text extraction prunes the tree
        found = trafilatura.bare_extraction(tree, url=url, include_comments=False)
        raw = found.text or "" if isinstance(found, trafilatura.settings.Document) else ""
        text = without_boilerplate(raw)
        if not text:
            result.quarantine_reason = "no article text found"
            return result
        result.title = (meta.title or listed_title or "").strip() or None
        result.text = text
        result.author = (meta.author or byline_author(raw) or "").strip()[:300] or None
        result.published_at, date_note = published_at(decoded.text, timezone, fetched_at)
        if date_note:
            result.notes["published_at"] = date_note
        result.content_hash = content_hash(text)
    except Exception as exc:  # a parser fault on hostile input must quarantine the page, not lose it
        result.quarantine_reason = f"extraction failed: {type(exc).__name__}: {exc}"[:300]
    return result


@dataclass(frozen=True)
class PageToExtract:
    """What a worker needs of a fetched page (crawlers.extraction_workers sends it over a pipe)."""

    body: bytes
    url: str
    content_type: str | None
    timezone: str
    fetched_at: datetime
    listed_title: str | None = None


RAW_COMPRESSION = 1  # the stored copy of the raw page: zlib's fastest level (a third of the CPU of level 6)


def extract_for_storage(page: PageToExtract) -> tuple[Extraction, bytes]:
    """``extract_page`` on ``page``, and the raw page compressed for storage: all the CPU a page costs."""
    result = extract_page(
        page.body,
        url=page.url,
        content_type=page.content_type,
        timezone=page.timezone,
        fetched_at=page.fetched_at,
        listed_title=page.listed_title,
    )
    return result, gzip.compress(page.body, compresslevel=RAW_COMPRESSION)


def warm_up() -> None:
    """Import and set up what extraction uses, on a small page (a worker does this before its first page)."""
    paragraphs = "".join(f"<p>Warga mengeluhkan jalan rusak di desa, paragraf {i}.</p>" for i in range(5))
    html = f"<html><head><title>Uji</title></head><body><article>{paragraphs}</article></body></html>"
    extract_page(
        html.encode(),
        url="http://pantau.invalid/uji.html",
        content_type=None,
        timezone="UTC",
        fetched_at=datetime.now(UTC),
    )

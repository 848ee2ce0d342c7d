"""Draft the text of an admin-entered LAPOR! report from a detected complaint (redacted, LAPOR!-ready)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.redact import redact

MAX_TITLE = 150
MAX_BODY = 3000
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class ReportDraft:
    judul: str
    isi: str
    lokasi: str


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " ..."


def excerpt(text: str, limit: int) -> str:
    """``text`` redacted, then clipped to ``limit`` characters (what a list shows of a document)."""
    return _clip(redact(text), limit)


def headline(title: str | None, text: str | None, limit: int = 300) -> str:
    """What names a document in an issue or a list: its title, else the start of its text; redacted."""
    return excerpt(title.strip(), limit) if title and title.strip() else excerpt(text or "", min(limit, 120))


def draft_report(
    *,
    title: str,
    text: str,
    function_name: str,
    location_label: str,
    region_name: str,
    source_links: list[str],
) -> ReportDraft:
    """Judul, isi and lokasi for the queue. Personal data is redacted before anything is clipped (a number cut
    at the edge would no longer look like one); the source links are cited."""
    lokasi = (
        f"{location_label}, {region_name}" if location_label else f"{region_name} (lokasi belum diketahui)"
    )
    paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
    if paragraphs and paragraphs[0] == title.strip():
        paragraphs = paragraphs[1:]
    summary = _clip(redact(" ".join(paragraphs[:4])), MAX_BODY - 400)
    sources = "\n".join(f"- {link}" for link in source_links)
    isi = (
        f"Laporan ini diinput oleh admin berdasarkan pemberitaan/unggahan publik ({function_name}).\n\n"
        f"Lokasi: {lokasi}\n\n"
        f"Ringkasan: {summary}\n\n"
        f"Sumber:\n{sources}"
    )
    return ReportDraft(judul=_clip(redact(title.strip()), MAX_TITLE), isi=isi, lokasi=redact(lokasi))

"""Messages to OPDs: subject, plain text and HTML from the same facts, in Bahasa Indonesia.

Every free-text field of a report (judul, isi, lokasi) and every source link passes through
``nlp.redact.redact`` here, even though callers redact before: a message that leaves Pantau must not carry a
NIK, a phone number, an e-mail or a house address because one caller forgot (UU 27/2022). The templates in
``templates/`` come in pairs (``x.txt`` and ``x.html``, sharing ``_report.txt``/``_report.html``) that carry
the same facts: the report, its deadline, the console link and the source links. HTML is autoescaped and
only http(s) links become anchors, so neither a ``<script>`` in a post nor a ``javascript:`` link gets in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from nlp.redact import redact
from services.notify.views import FIRST_FOLLOW_UP, DigestView, ReportView, StageWording

TEMPLATES = Path(__file__).resolve().parent / "templates"
SUBJECT_TITLE_CHARS = 80  # the title's share of a subject line; mail clients cut around 100 characters


@dataclass(frozen=True)
class Rendered:
    """One message: ``text`` for e-mail's text part and for Telegram, ``html`` for e-mail's HTML part."""

    subject: str
    text: str
    html: str


def _is_web_link(value: object) -> bool:
    """Only these become anchors: a redacted link ("[TELEPON]") or a ``javascript:`` one stays text."""
    return isinstance(value, str) and re.match(r"https?://[^\s<>\"']+$", value) is not None


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.tests["web_link"] = _is_web_link
    return env


_ENV = _environment()


def _redacted(view: ReportView) -> ReportView:
    return replace(
        view,
        judul=redact(view.judul),
        isi=redact(view.isi),
        lokasi=redact(view.lokasi),
        source_links=tuple(redact(link) for link in view.source_links),
    )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _shortened(title: str, limit: int = SUBJECT_TITLE_CHARS) -> str:
    """``title`` on one line, cut at a word boundary with an ellipsis when longer than ``limit``."""
    title = _one_line(title)
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:-") + "…"


def _subject(brand: str, rest: str) -> str:
    """One line, whatever the caller's labels hold: a line break in a header would be an injection."""
    return _one_line(f"[{brand}] {rest}")


def _render(name: str, subject: str, context: dict[str, Any]) -> Rendered:
    context = {"subject": subject, **context}
    text = _ENV.get_template(f"{name}.txt").render(context)
    html = _ENV.get_template(f"{name}.html").render(context)
    # template tags leave runs of blank lines behind: keep at most one
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    return Rendered(subject=subject, text=text, html=html)


def render_forwarded(view: ReportView) -> Rendered:
    """The disposisi: a report forwarded to the OPD for its tindak lanjut."""
    r = _redacted(view)
    subject = _subject(r.brand, f"Disposisi laporan #{r.id}: {_shortened(r.judul)}")
    return _render("forwarded", subject, {"r": r, "brand": r.brand, "region_name": r.region_name})


def render_deadline_warning(
    view: ReportView, percent: int, stage: StageWording = FIRST_FOLLOW_UP
) -> Rendered:
    """A reminder that ``percent`` of the time for a deadline (``stage``: the OPD's follow-up by default)
    has passed while its work is still missing."""
    r = _redacted(view)
    subject = _subject(
        r.brand, f"Pengingat tenggat laporan #{r.id} ({percent}% waktu berjalan): {_shortened(r.judul)}"
    )
    context = {"r": r, "percent": percent, "s": stage, "brand": r.brand, "region_name": r.region_name}
    return _render("deadline_warning", subject, context)


def render_escalation(
    view: ReportView, step_label: str, overdue_label: str, stage: StageWording = FIRST_FOLLOW_UP
) -> Rendered:
    """An overdue report brought to the next level (``step_label``: "tahap 1, Kepala Dinas PUPR")."""
    r = _redacted(view)
    subject = _subject(
        r.brand, f"Eskalasi ({step_label}) laporan #{r.id}, terlambat {overdue_label}: {_shortened(r.judul)}"
    )
    context = {
        "r": r,
        "s": stage,
        "step_label": step_label,
        "overdue_label": overdue_label,
        "brand": r.brand,
        "region_name": r.region_name,
    }
    return _render("escalation", subject, context)


def render_digest(digest: DigestView) -> Rendered:
    """The daily digest: overdue reports first (they need action today), then those due soon, then new."""
    overdue = tuple(_redacted(view) for view in digest.overdue)
    due_soon = tuple(_redacted(view) for view in digest.due_soon)
    new = tuple(_redacted(view) for view in digest.new)
    sections = (
        ("Melewati batas waktu", overdue, "Tidak ada laporan yang melewati batas waktu."),
        ("Mendekati batas waktu", due_soon, "Tidak ada laporan yang mendekati batas waktu."),
        ("Laporan baru", new, "Tidak ada laporan baru."),
    )
    subject = _subject(
        digest.brand,
        f"Ringkasan harian {digest.region_name}, {digest.date_label}: {len(overdue)} terlambat, "
        f"{len(due_soon)} mendekati tenggat, {len(new)} baru",
    )
    context = {
        "d": digest,
        "sections": sections,
        "brand": digest.brand,
        "region_name": digest.region_name,
    }
    return _render("digest", subject, context)


def report_payload(event: str, view: ReportView) -> dict[str, Any]:
    """The JSON body of a webhook about one report (``event``: "disposisi", "peringatan_tenggat",
    "eskalasi"), redacted like the messages, for OPDs whose own systems take the report in."""
    r = _redacted(view)
    return {
        "event": event,
        "report": {
            "id": r.id,
            "tracking_id": r.tracking_id,
            "judul": r.judul,
            "isi": r.isi,
            "kategori": r.kategori,
            "lokasi": r.lokasi,
            "agency": r.agency_name,
            "region": r.region_name,
            "brand": r.brand,
            "status": r.status_label,
            "due": r.due_label,
            "console_url": r.console_url,
            "source_links": list(r.source_links),
        },
    }

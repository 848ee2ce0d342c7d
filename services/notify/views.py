"""What the renderers take: plain frozen values built by the caller, never ORM objects.

Labels (status, deadline) arrive already worded in Bahasa Indonesia, because the caller knows the region's
working-day calendar and the renderer must not.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReportView:
    """One report as an OPD liaison reads it.

    ``tracking_id`` is the LAPOR! tracking ID once recorded; ``due_label`` the deadline in words
    ("Jumat, 4 Desember 2026 (3 hari kerja lagi)"), ``None`` when no deadline runs; ``console_url`` the
    report's page in the Pantau console; ``source_links`` where the complaint was published.
    """

    id: int
    tracking_id: str | None
    judul: str
    isi: str
    kategori: str
    lokasi: str
    agency_name: str
    region_name: str
    brand: str
    status_label: str
    due_label: str | None
    console_url: str
    source_links: tuple[str, ...]


@dataclass(frozen=True)
class DigestView:
    """The daily digest for one recipient (an OPD or the regional admin).

    ``brand`` names the complaint channel in the subject ("Lapor Paman"); it defaults to Pantau's own name
    because a digest may hold no report to take it from.
    """

    recipient_label: str
    region_name: str
    date_label: str
    new: tuple[ReportView, ...]
    due_soon: tuple[ReportView, ...]
    overdue: tuple[ReportView, ...]
    console_url: str
    brand: str = "Pantau"


@dataclass(frozen=True)
class StageWording:
    """How a reminder or an escalation names the deadline it is about, in Bahasa Indonesia: whom it greets
    (``addressee``: "Pejabat Penghubung Dinas PUPR"), the deadline ("tindak lanjut") and what is still
    missing ("belum ditindaklanjuti"). The default is the OPD's first follow-up."""

    addressee: str | None = None  # None: the liaison of the report's agency
    deadline: str = "tindak lanjut"
    missing: str = "belum ditindaklanjuti"


FIRST_FOLLOW_UP = StageWording()

"""The quarterly report to the Bupati (Kutai Timur's SOP): a region's complaint handling over a quarter, in
Bahasa Indonesia, against the quarter before: volumes by function, kecamatan and OPD, the funnel, response
times and deadline compliance per OPD, the oldest open and most overdue reports, notable incidents (urgent,
most mentioned), and the weekly chart. One HTML document (``services/templates/quarterly.html``), printed to
PDF by WeasyPrint; ``pantau report quarterly`` and the dashboard's button both make it here.

The figures are the dashboard's (``services.dashboard``): what a pimpinan reads on the screen and on paper
is the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select

from config.errors import PantauError
from db.base import utcnow
from db.local_time import local_display
from db.models import Region
from flows.runtime import Runtime
from services.dashboard import Dashboard, Period, dashboard

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


class UnknownRegion(PantauError):
    """No region with that code."""


@dataclass(frozen=True)
class QuarterlyReport:
    region: str
    brand: str
    made_at: str  # local time
    figures: Dashboard


def quarterly_report(runtime: Runtime, region_code: str, period: Period) -> QuarterlyReport:
    with runtime.sessions() as session:
        region = session.scalars(select(Region).where(Region.code == region_code)).one_or_none()
        if region is None:
            raise UnknownRegion(f"wilayah {region_code!r} tidak dikenal")
        region_id, name, brand, zone = region.id, region.name, region.brand, region.timezone
    return QuarterlyReport(
        region=name,
        brand=brand,
        made_at=local_display(utcnow(), zone),
        figures=dashboard(runtime, region_id, period),
    )


def render_html(report: QuarterlyReport) -> str:
    return TEMPLATES.get_template("quarterly.html").render(r=report, d=report.figures)


def render_pdf(report: QuarterlyReport) -> bytes:
    """The report as PDF (A4), printed by WeasyPrint from the same HTML."""
    import weasyprint  # loads Pango: only those who print pay for it

    pdf: bytes = weasyprint.HTML(string=render_html(report)).write_pdf()
    return pdf


def file_name(report: QuarterlyReport, region_code: str, suffix: str) -> str:
    period = report.figures.period
    quarter = f"{period.first.year}Q{(period.first.month - 1) // 3 + 1}"
    return f"laporan-triwulan-{region_code}-{quarter}.{suffix}"

"""Nothing personal leaves the raw document: the issue an operator reviews, the report drafted for LAPOR!
and the explanation of a detection carry no NIK, phone number or house address, even when a page's title
does (issue titles were once stored as the page's title, unredacted)."""

from __future__ import annotations

from sqlalchemy import select

from db.base import utcnow
from db.models import Detection, Document, DocumentStatus, Issue, Report, Source
from db.session import transaction
from flows.queueing import queue_new_issues
from flows.runtime import Runtime
from flows.triage_service import triage_pending
from nlp.text import content_hash

PERSONAL = ["6408012345678901", "0812-3456-7890", "0812 3456 7890", "Jl. Mawar No. 12"]
# Complaints written for this test, each with personal data in its title and text.
PAGES = [
    (
        "Warga NIK 6408012345678901 keluhkan jalan rusak di Bengalon",
        "Jalan poros Desa Tepian Langsat, Kecamatan Bengalon, rusak parah dan berlumpur setinggi betis. "
        "Warga dengan NIK 6408012345678901 meminta Dinas PUPR segera memperbaiki jalan yang berlubang itu.",
    ),
    (
        "Lampu jalan padam, hubungi 0812-3456-7890",
        "Belasan lampu penerangan jalan umum di Desa Singa Gembara, Kecamatan Sangatta Utara, padam sebulan. "
        "Warga yang melapor bisa dihubungi di 0812 3456 7890; jalan gelap dan rawan kecelakaan malam hari.",
    ),
    (
        "Drainase tersumbat di depan rumah Jl. Mawar No. 12 Teluk Lingga",
        "Saluran drainase di Kelurahan Teluk Lingga, Kecamatan Sangatta Utara, tersumbat sedimen dan sampah "
        "sehingga permukiman di Jl. Mawar No. 12 tergenang setiap hujan deras. Warga meminta parit dikeruk.",
    ),
]


def _leaks(text: object) -> list[str]:
    return [item for item in PERSONAL if item in str(text)]


def test_issues_reports_and_explanations_carry_no_personal_data(runtime: Runtime) -> None:
    with transaction(runtime.sessions) as session:
        source_id = session.scalars(select(Source.id).where(Source.slug == "wartakutim")).one()
        for i, (title, text) in enumerate(PAGES):
            url = f"https://berita.example/privasi-{i}.html"
            session.add(
                Document(
                    source_id=source_id,
                    url=url,
                    canonical_url=url,
                    status=DocumentStatus.OK,
                    title=title,
                    text=f"{title}\n{text}",
                    content_hash=content_hash(text),
                    fetched_at=utcnow(),
                )
            )
    summary = triage_pending(runtime)
    assert summary.bands["complaint"] == 3 and summary.issues_created == 3
    queue_new_issues(runtime)

    with runtime.sessions() as session:
        issues = session.scalars(select(Issue)).all()
        reports = session.scalars(select(Report)).all()
        detections = session.scalars(select(Detection)).all()
    assert len(issues) == 3 and len(reports) == 3
    for issue in issues:
        assert not _leaks(issue.title), issue.title
    for report in reports:
        assert not _leaks(report.judul + report.isi + report.lokasi), report.judul
    for detection in detections:
        assert not _leaks(detection.explanation) and not _leaks(detection.location_label)
    titles = " ".join(issue.title for issue in issues)
    assert "[NIK]" in titles and "[TELEPON]" in titles and "[ALAMAT]" in titles  # redacted, not dropped

"""Upgrading redacts what earlier versions stored unredacted (issue titles, report bodies, explanations)."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from db.migrate import upgrade

BEFORE = "5be1f1bc4464"  # the revision before the redaction migration


def test_upgrade_redacts_stored_issue_titles_reports_and_explanations(database_url: str) -> None:
    upgrade(database_url, BEFORE)
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO region (id, code, name, timezone, deadlines, extra_holidays) "
                "VALUES (1, '64.08', 'Kutai Timur', 'Asia/Makassar', '{}', '[]')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO issue (id, region_id, title, place_status, urgent, priority, mention_count, "
                "status, first_seen_at, last_seen_at, created_at) VALUES (1, 1, "
                "'Warga NIK 6408012345678901 mengadu', 'in_region', false, 0, 1, 'open', "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO report (id, issue_id, region_id, status, klasifikasi, judul, isi, kategori, "
                "lokasi, source_links, anonim, rahasia, queued_at, verification_due_at, status_changed_at) "
                "VALUES (1, 1, 1, 'queued', 'pengaduan', 'Jalan rusak', :isi, 'Infrastruktur', 'Bengalon', "
                "'[]', true, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            {"isi": "Ringkasan: hubungi 0812 3456 ...\n\nSumber: x"},  # clipped before redaction, as once
        )
    upgrade(database_url)
    with engine.connect() as connection:
        title = connection.execute(text("SELECT title FROM issue")).scalar_one()
        isi = connection.execute(text("SELECT isi FROM report")).scalar_one()
    engine.dispose()
    assert title == "Warga NIK [NIK] mengadu"
    assert isi == "Ringkasan: hubungi [ANGKA TERPOTONG] ...\n\nSumber: x"  # a number the old clipping cut

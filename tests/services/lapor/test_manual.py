"""The assisted-entry text: every LAPOR! form field under its Indonesian label, in the form's order, and the
command that records the tracking ID."""

from __future__ import annotations

from dataclasses import replace

from services.lapor.manual import entry_text
from services.lapor.protocol import Submission


def test_every_field_is_labelled_in_the_forms_order(submission: Submission) -> None:
    text = entry_text(submission, "SP4N-LAPOR!", report_id=42)

    labels = [
        "Judul:",
        "Isi Laporan:",
        "Tanggal Kejadian:",
        "Lokasi Kejadian:",
        "Instansi Tujuan:",
        "Kategori:",
        "Klasifikasi:",
        "Anonim:",
        "Rahasia:",
        "Tautan Sumber:",
    ]
    positions = [text.index(f"\n{label}") for label in labels]
    assert positions == sorted(positions)


def test_values_are_written_as_an_operator_enters_them(submission: Submission) -> None:
    lines = entry_text(submission, "SP4N-LAPOR!", report_id=42).splitlines()

    assert lines[lines.index("Judul:") + 1] == submission.judul
    assert "Tanggal Kejadian: 15/11/2026" in lines
    assert "Lokasi Kejadian: Kecamatan Bengalon, Kabupaten Kutai Timur" in lines
    assert "Instansi Tujuan: Dinas Pekerjaan Umum dan Penataan Ruang" in lines
    assert "Kategori: Infrastruktur Jalan" in lines
    assert "Klasifikasi: Pengaduan" in lines
    assert "Anonim: Ya" in lines
    assert "Rahasia: Tidak" in lines
    links = lines.index("Tautan Sumber:")
    assert lines[links + 1 : links + 3] == [f"- {link}" for link in submission.source_links]


def test_the_whole_isi_is_kept_line_by_line(submission: Submission) -> None:
    text = entry_text(submission, "SP4N-LAPOR!", report_id=42)

    assert "Isi Laporan:\n" + submission.isi + "\n" in text


def test_it_ends_with_the_command_that_records_the_tracking_id(submission: Submission) -> None:
    lines = entry_text(submission, "Lapor Paman", report_id=42).splitlines()

    assert lines[-1] == "pantau file --report 42 --tracking-id NOMOR"
    assert "Lapor Paman" in lines[-2]
    assert "Lapor Paman" in lines[0]
    assert "#42" in lines[0]


def test_other_klasifikasi_flags_and_no_links(submission: Submission) -> None:
    changed = replace(
        submission, klasifikasi="permintaan_informasi", anonim=False, rahasia=True, source_links=()
    )
    lines = entry_text(changed, "SP4N-LAPOR!", report_id=7).splitlines()

    assert "Klasifikasi: Permintaan Informasi" in lines
    assert "Anonim: Tidak" in lines
    assert "Rahasia: Ya" in lines
    assert lines[lines.index("Tautan Sumber:") + 1] == "(tidak ada)"


def test_no_line_carries_trailing_spaces_into_the_form(submission: Submission) -> None:
    messy = replace(submission, isi="Baris pertama   \n\nBaris kedua  \n")
    text = entry_text(messy, "SP4N-LAPOR!", report_id=1)

    assert all(line == line.rstrip() for line in text.splitlines())
    assert "Baris pertama\n\nBaris kedua" in text

"""Assisted entry: a report as text an operator pastes into LAPOR!'s admin form, field by field.

For regions without the Integration API (docs/lapor.md, "Manual path"). The labels follow LAPOR!'s form; the
last line is the command that records the tracking ID LAPOR! gives, which moves the report on in Pantau.
"""

from __future__ import annotations

from services.lapor.protocol import KLASIFIKASI, Submission


def _yes_no(flag: bool) -> str:
    return "Ya" if flag else "Tidak"


def entry_text(sub: Submission, brand: str, report_id: int) -> str:
    """The LAPOR!-ready text of Pantau report ``report_id``; ``brand`` is the region's name for its
    complaint channel (``RegionDef.brand``: SP4N-LAPOR!, Lapor Paman, ...)."""
    links = "\n".join(f"- {link}" for link in sub.source_links) or "(tidak ada)"
    lines = [
        f"Laporan Pantau #{report_id}: siap diinput ke {brand} sebagai laporan admin",
        "",
        "Judul:",
        sub.judul,
        "",
        "Isi Laporan:",
        sub.isi.strip(),
        "",
        f"Tanggal Kejadian: {sub.tanggal_kejadian:%d/%m/%Y}",
        f"Lokasi Kejadian: {sub.lokasi_kejadian}",
        f"Instansi Tujuan: {sub.instansi_nama}",
        f"Kategori: {sub.kategori}",
        f"Klasifikasi: {KLASIFIKASI[sub.klasifikasi]}",
        f"Anonim: {_yes_no(sub.anonim)}",
        f"Rahasia: {_yes_no(sub.rahasia)}",
        "Tautan Sumber:",
        links,
        "",
        f"Setelah laporan tersimpan di {brand}, catat nomor pelacakannya di Pantau:",
        f"pantau file --report {report_id} --tracking-id NOMOR",
    ]
    return "\n".join(line.rstrip() for line in "\n".join(lines).split("\n")) + "\n"

"""Messages to OPDs: Indonesian subject and body, the same facts in text and HTML, nothing personal leaves."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser

import pytest

from services.notify.render import (
    Rendered,
    render_deadline_warning,
    render_digest,
    render_escalation,
    render_forwarded,
    report_payload,
)
from services.notify.views import DigestView, ReportView

NIK = "6408012345678901"
PHONE_DIGITS = "81234567890"
EMAIL = "budi.santoso@gmail.com"


class _Text(HTMLParser):
    """The visible text of an HTML part, with each link's target, to compare it with the text part."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += [value or "" for name, value in attrs if tag == "a" and name == "href"]

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible(html_part: str) -> tuple[str, list[str]]:
    parser = _Text()
    parser.feed(html_part)
    return " ".join(" ".join(parser.parts).split()), parser.links


def one_line(text: str) -> str:
    return " ".join(text.split())


def renderings(report: ReportView) -> dict[str, Rendered]:
    digest = DigestView(
        "Dinas PUPR", report.region_name, "Senin, 30 November 2026", (report,), (), (), "https://x/"
    )
    return {
        "disposisi": render_forwarded(report),
        "peringatan": render_deadline_warning(report, 75),
        "eskalasi": render_escalation(report, "tahap 1, Kepala Dinas PUPR", "2 hari kerja"),
        "ringkasan": render_digest(digest),
    }


def test_forwarded_subject_names_brand_report_and_title(make_report: Callable[..., ReportView]) -> None:
    rendered = render_forwarded(make_report(id=123, judul="Jalan berlubang di Poros Bengalon"))
    assert rendered.subject == "[Lapor Paman] Disposisi laporan #123: Jalan berlubang di Poros Bengalon"


def test_a_long_title_is_cut_at_a_word_in_the_subject(make_report: Callable[..., ReportView]) -> None:
    title = "Jalan berlubang " + "sangat parah dan berbahaya " * 8
    subject = render_forwarded(make_report(judul=title)).subject
    cut = subject.removeprefix("[Lapor Paman] Disposisi laporan #123: ")
    assert cut.endswith("…")
    assert len(cut) <= 80
    assert title.startswith(cut.removesuffix("…"))
    assert title[len(cut) - 1] == " "  # the cut falls between words


def test_line_breaks_in_labels_never_reach_the_subject(make_report: Callable[..., ReportView]) -> None:
    rendered = render_escalation(make_report(judul="Lampu\nmati"), "tahap 2\r\nBcc: x@y", "1 hari")
    assert "\n" not in rendered.subject and "\r" not in rendered.subject


@pytest.mark.parametrize("kind", ["disposisi", "peringatan", "eskalasi", "ringkasan"])
def test_text_and_html_carry_the_same_facts(kind: str, make_report: Callable[..., ReportView]) -> None:
    report = make_report()
    rendered = renderings(report)[kind]
    text = one_line(rendered.text)
    html_text, links = visible(rendered.html)
    facts = [
        "#123",
        report.judul,
        "4455667",
        report.agency_name,
        report.lokasi,
        report.status_label,
        str(report.due_label),
        report.console_url,
        *report.source_links,
    ]
    for fact in facts:
        assert fact in text, fact
        assert fact in html_text, fact
    assert {report.console_url, *report.source_links} <= set(links)


@pytest.mark.parametrize("kind", ["disposisi", "peringatan", "eskalasi"])
def test_messages_about_one_report_carry_its_body(kind: str, make_report: Callable[..., ReportView]) -> None:
    report = make_report()
    rendered = renderings(report)[kind]
    assert report.isi in one_line(rendered.text)
    assert report.isi in visible(rendered.html)[0]


def test_forwarded_speaks_indonesian_to_the_liaison(make_report: Callable[..., ReportView]) -> None:
    text = one_line(render_forwarded(make_report()).text)
    assert text.startswith("Yth. Pejabat Penghubung Dinas PUPR,")
    assert "didisposisikan kepada Dinas PUPR untuk ditindaklanjuti" in text
    assert "Batas waktu: Jumat, 4 Desember 2026 (5 hari kerja lagi)" in text
    assert "mohon tidak membalas" in text


def test_deadline_warning_says_how_much_time_has_passed(make_report: Callable[..., ReportView]) -> None:
    rendered = render_deadline_warning(make_report(), 75)
    assert rendered.subject.startswith("[Lapor Paman] Pengingat tenggat laporan #123 (75% waktu berjalan)")
    assert "telah berjalan 75%" in one_line(rendered.text)
    assert "75%" in visible(rendered.html)[0]


def test_escalation_names_the_step_and_the_delay(make_report: Callable[..., ReportView]) -> None:
    rendered = render_escalation(make_report(), "tahap 1, Kepala Dinas PUPR", "2 hari kerja")
    assert rendered.subject.startswith("[Lapor Paman] Eskalasi (tahap 1, Kepala Dinas PUPR) laporan #123")
    for part in (one_line(rendered.text), visible(rendered.html)[0]):
        assert "Eskalasi tahap 1, Kepala Dinas PUPR" in part
        assert "melewati batas waktu tindak lanjut 2 hari kerja" in part


def test_missing_tracking_id_and_deadline_are_said_in_words(make_report: Callable[..., ReportView]) -> None:
    rendered = render_forwarded(make_report(tracking_id=None, due_label=None, source_links=()))
    for part in (one_line(rendered.text), visible(rendered.html)[0]):
        assert "belum tercatat" in part
        assert "tidak ada batas waktu berjalan" in part
        assert "Sumber: tidak ada tautan publik" in part
        assert "None" not in part


def test_digest_puts_overdue_first_and_counts_in_the_subject(make_report: Callable[..., ReportView]) -> None:
    digest = DigestView(
        recipient_label="Dinas PUPR Kabupaten Kutai Timur",
        region_name="Kabupaten Kutai Timur",
        date_label="Senin, 30 November 2026",
        new=(make_report(id=1, judul="Drainase tersumbat"), make_report(id=2, judul="Lampu jalan mati")),
        due_soon=(),
        overdue=(
            make_report(id=3, judul="Jembatan retak", console_url="https://pantau.example.go.id/laporan/3"),
        ),
        console_url="https://pantau.example.go.id/laporan",
        brand="Lapor Paman",
    )
    rendered = render_digest(digest)
    assert rendered.subject == (
        "[Lapor Paman] Ringkasan harian Kabupaten Kutai Timur, Senin, 30 November 2026: "
        "1 terlambat, 0 mendekati tenggat, 2 baru"
    )
    for part in (one_line(rendered.text), visible(rendered.html)[0]):
        assert part.index("Melewati batas waktu (1)") < part.index("#3 Jembatan retak")
        assert part.index("#3 Jembatan retak") < part.index("Mendekati batas waktu (0)")
        assert "Tidak ada laporan yang mendekati batas waktu." in part
        assert part.index("Laporan baru (2)") < part.index("#1 Drainase tersumbat") < part.index("#2 Lampu")
        assert "https://pantau.example.go.id/laporan/3" in part
        assert "https://pantau.example.go.id/laporan" in part


@pytest.mark.parametrize("kind", ["disposisi", "peringatan", "eskalasi", "ringkasan"])
def test_personal_data_never_leaves(kind: str, private_report: ReportView) -> None:
    rendered = renderings(private_report)[kind]
    for part in (rendered.subject, rendered.text, html.unescape(rendered.html)):
        digits = re.sub(r"\D", "", part)
        assert NIK not in digits
        assert PHONE_DIGITS not in digits
        assert EMAIL not in part and "@" not in part
        assert "Mawar" not in part
    text = rendered.text
    assert "[ALAMAT]" in text and "[TELEPON]" in text
    if kind != "ringkasan":  # the digest lists reports by title, without their body
        assert "[ALAMAT]" in rendered.subject
        assert "[NIK]" in text and "[EMAIL]" in text


def test_html_escapes_markup_from_a_post(make_report: Callable[..., ReportView]) -> None:
    report = make_report(
        judul='Sampah <script>alert("x")</script>',
        isi="<b>tebal</b> & <img src=x onerror=alert(1)>",
        source_links=("javascript:alert(1)", 'https://x.id/"><script>'),
    )
    rendered = render_forwarded(report)
    assert "<script>" not in rendered.html
    assert "<img" not in rendered.html and "<b>" not in rendered.html
    assert "&lt;script&gt;" in rendered.html
    assert 'href="javascript:' not in rendered.html
    assert "javascript:alert(1)" in visible(rendered.html)[0]  # still shown, as text
    assert '<script>alert("x")</script>' in rendered.text  # plain text needs no escaping


def test_webhook_payload_is_redacted_too(private_report: ReportView) -> None:
    payload = report_payload("disposisi", private_report)
    flat = repr(payload)
    assert NIK not in flat and EMAIL not in flat and "Mawar" not in flat
    assert PHONE_DIGITS not in re.sub(r"\D", "", flat)
    assert payload["event"] == "disposisi"
    assert payload["report"]["id"] == 123
    assert payload["report"]["console_url"] == private_report.console_url

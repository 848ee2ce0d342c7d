"""The incident view (services.incidents) on SQLite and PostgreSQL: mentions, predictions, the explanation's
spans and their displaCy markup (escaped, no inline styles), the drafted and assisted-entry LAPOR! fields,
region scoping; and the incident's own actions (urgency, filing now, merge by number)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from config.schema import LaporMode
from db.models import Agency, AuditLog, DeliveryState, Detection, Filing, Issue, Region, Report, Role, Source
from db.session import transaction
from nlp.rules import URGENT_PRIORITY
from services import actions
from services.actions import ActionError, Actor, Conflict, Corrections, NotFound
from services.incidents import (
    PLACE,
    STREET,
    TERM,
    URGENT,
    WATCHLIST,
    find_spans,
    incident_view,
    merge_with,
    snippet,
)
from services.reports import Viewer
from web.explain import explained

XSS = '<script>alert("x")</script> <img src=x onerror=alert(1)>'


def _viewer(desk, region: str = "64.08", agency: str | None = None) -> Viewer:  # type: ignore[no-untyped-def]
    with desk.runtime.sessions() as session:
        region_id = session.scalars(select(Region.id).where(Region.code == region)).one()
        agency_id = (
            session.scalars(
                select(Agency.id).where(Agency.region_id == region_id, Agency.code == agency)
            ).one()
            if agency
            else None
        )
    return Viewer(region_id=region_id, agency_id=agency_id)


def _lead(desk, report_id: int, *, text: str, explanation: dict[str, Any]) -> int:  # type: ignore[no-untyped-def]
    """Give the report's first mention ``text`` (no title) and ``explanation``; returns its detection id."""
    with transaction(desk.runtime.sessions) as session:
        issue_id = session.get_one(Report, report_id).issue_id
        detection = session.scalars(
            select(Detection).where(Detection.issue_id == issue_id).order_by(Detection.id)
        ).first()
        assert detection is not None
        detection.explanation = explanation
        detection.document.title = None
        detection.document.text = text
        return detection.id


def test_every_mention_is_listed_with_its_source_time_band_and_snippet(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report(mentions=3, title="Jalan berlubang di Bengalon")
    view = incident_view(desk.runtime, report_id, _viewer(desk), unredacted=True)
    assert view.mention_count == 3 and len(view.mentions) == 3
    first = view.mentions[0]
    assert first.published == "2026-11-20 10:00 WITA"  # 02:00 UTC in Kutai Timur
    assert first.url.startswith("https://berita.example/") and first.band == "keluhan"
    assert first.title == "Jalan berlubang di Bengalon (1)" and first.outlet and not first.social
    assert "0812-3456-7890" in first.snippet  # raw text for the people who review
    redacted = incident_view(desk.runtime, report_id, _viewer(desk)).mentions[0]
    assert "0812" not in redacted.snippet and "[TELEPON]" in redacted.snippet
    assert view.prediction is not None and view.prediction.function == "Jalan dan jembatan"
    assert view.prediction.place == "Kecamatan Bengalon" and view.prediction.agency is not None
    assert {f.key for f in view.draft} >= {"judul", "isi", "kategori", "lokasi", "tanggal", "instansi"}
    assert "PUPR" in dict(view.agencies) and "Infrastruktur" in view.categories
    assert view.corrections["opd"] == "PUPR" and view.entry == [] and not view.can_file_now


def test_a_report_of_another_region_or_opd_reads_as_missing(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    with pytest.raises(NotFound, match=f"laporan #{report_id} tidak ada"):
        incident_view(desk.runtime, report_id, _viewer(desk, "63.72"))
    with pytest.raises(NotFound):
        incident_view(desk.runtime, report_id, _viewer(desk, agency="DLH"))
    assert incident_view(desk.runtime, report_id, _viewer(desk, agency="PUPR")).report_id == report_id


def test_the_explanation_is_found_in_the_text_case_insensitively_on_word_boundaries(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report(mentions=2)
    text = "JALAN RUSAK parah di Desa Sepaso, Jl. Poros Bengalon; kerusakan lama. Banjir setinggi lutut."
    why = {
        "terms": ["jalan rusak", "rusak", "lama"],
        "place_evidence": ["sepaso"],
        "streets": ["Jalan Poros Bengalon"],
        "urgency": ["banjir"],
        "watchlists": [{"name": "genangan", "terms": ["banjir*", "lutut"], "priority": 2}],
        "model_version": "uji-1",
    }
    lead = _lead(desk, report_id, text=text, explanation=why)
    view = incident_view(desk.runtime, report_id, _viewer(desk))
    assert view.explanation is not None and view.explanation.detection_id == lead
    found = [(text[s.start : s.end], s.label) for s in view.explanation.spans]
    assert found == [
        ("JALAN RUSAK", TERM),  # the word pair, not "rusak" alone inside it
        ("Sepaso", PLACE),
        ("Jl. Poros Bengalon", STREET),
        ("lama", TERM),  # "rusak" is not found inside "kerusakan"
        ("Banjir", URGENT),  # an urgency rule outranks the watchlist term on the same word
        ("lutut", WATCHLIST),
    ]
    assert (
        view.explanation.watchlists == ["genangan (prioritas 2)"]
        and view.explanation.model_version == "uji-1"
    )
    other = view.mentions[1].detection_id
    chosen = incident_view(desk.runtime, report_id, _viewer(desk), mention=other)
    assert chosen.explanation is not None and chosen.explanation.detection_id == other
    assert chosen.explanation.spans == []  # that mention has no explanation stored


def test_spans_never_overlap_and_a_longer_finding_wins() -> None:
    why = {"terms": ["air", "air bersih"], "watchlists": [{"terms": ["bersih"]}], "urgency": ["mati"]}
    spans = find_spans("Air bersih mati", why)
    assert [(s.start, s.end, s.label) for s in spans] == [(0, 10, TERM), (11, 15, URGENT)]


def test_the_displacy_markup_escapes_crawled_text_and_has_no_inline_style(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    text = f'Jalan rusak {XSS} di "Bengalon" & sekitarnya\nbaris kedua style="color:red"'
    _lead(desk, report_id, text=text, explanation={"terms": ["rusak"], "place_evidence": ["Bengalon"]})
    view = incident_view(desk.runtime, report_id, _viewer(desk), unredacted=True)
    assert view.explanation is not None
    markup = str(explained(view.explanation.text, view.explanation.spans))
    assert "<script" not in markup and "<img" not in markup
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in markup
    assert "&lt;img src=x onerror=alert(1)&gt;" in markup and "&amp; sekitarnya" in markup
    assert ' style="' not in markup  # the CSP's style-src 'self' would block it
    assert "style=&quot;color:red&quot;" in markup  # the text's own words stay, escaped
    assert (
        '<mark class="entity entity-tempat">Bengalon<span class="entity-label">TEMPAT</span></mark>' in markup
    )
    assert "<br>" in markup


def test_assisted_entry_gives_each_lapor_field_and_the_whole_text(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    actions.approve(desk.runtime, report_id, actor=Actor("user:uji"), mode=LaporMode.MANUAL)
    view = incident_view(desk.runtime, report_id, _viewer(desk))
    fields = {f.key: f.value for f in view.entry}
    assert fields["anonim"] == "Ya" and fields["klasifikasi"] == "Pengaduan"
    assert fields["tanggal"] == "20/11/2026" and fields["tautan"].startswith("https://berita.example/")
    assert view.entry_text is not None and fields["judul"] in view.entry_text
    assert view.filing == DeliveryState.WAITING_ENTRY and not view.can_file_now


def test_urgency_moves_priority_as_triage_would_and_is_audited(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    operator = Actor("user:operator-a")
    version = desk.get(report_id).version
    state = actions.set_urgent(
        desk.runtime, report_id, True, actor=operator, reason="air naik", expected_version=version
    )
    assert state.version > version
    view = incident_view(desk.runtime, report_id, _viewer(desk))
    assert view.urgent and view.priority == URGENT_PRIORITY
    assert view.history[-1].text == f"ditandai mendesak (prioritas {URGENT_PRIORITY}): air naik"
    with pytest.raises(Conflict, match="sudah diubah oleh user:operator-a"):
        actions.set_urgent(desk.runtime, report_id, False, actor=operator, expected_version=version)
    with pytest.raises(ActionError, match="sudah ditandai mendesak"):
        actions.set_urgent(desk.runtime, report_id, True, actor=operator)
    actions.set_urgent(desk.runtime, report_id, False, actor=operator)
    with desk.runtime.sessions() as session:
        issue = session.get_one(Issue, desk.get(report_id).issue_id)
        assert not issue.urgent and issue.priority == 0
        rows = session.scalars(
            select(AuditLog).where(AuditLog.entity_type == "issue", AuditLog.action == "urgent")
        ).all()
    assert [(r.before, r.after) for r in rows] == [
        ({"urgent": False, "priority": 0}, {"urgent": True, "priority": URGENT_PRIORITY}),
        ({"urgent": True, "priority": URGENT_PRIORITY}, {"urgent": False, "priority": 0}),
    ]
    with pytest.raises(actions.Forbidden):
        actions.set_urgent(desk.runtime, report_id, True, actor=Actor("user:pupr", Role.OPD, "PUPR"))


def test_file_now_sends_a_waiting_or_failed_api_filing_at_the_next_pass(desk) -> None:  # type: ignore[no-untyped-def]
    operator = Actor("user:operator-a")
    manual = desk.report()
    actions.approve(desk.runtime, manual, actor=operator, mode=LaporMode.MANUAL)
    with pytest.raises(ActionError, match="tidak punya pengiriman API"):
        actions.file_now(desk.runtime, manual, actor=operator)
    report_id = desk.report()
    actions.approve(desk.runtime, report_id, actor=operator, mode=LaporMode.API)
    assert incident_view(desk.runtime, report_id, _viewer(desk)).can_file_now
    with transaction(desk.runtime.sessions) as session:
        filing = session.scalars(select(Filing).where(Filing.report_id == report_id)).one()
        filing.state, filing.attempts, filing.last_error = DeliveryState.FAILED, 7, "LAPOR! 503"
    actions.file_now(desk.runtime, report_id, actor=operator, expected_version=desk.get(report_id).version)
    filing_after = desk.filing(report_id)
    assert filing_after is not None
    assert filing_after.state == DeliveryState.PENDING and filing_after.attempts == 0
    with desk.runtime.sessions() as session:
        row = session.scalars(select(AuditLog).where(AuditLog.action == "filing:now")).one()
    assert row.before == {"state": "failed", "attempts": 7} and row.reason == "LAPOR! 503"


def test_merge_by_number_hides_another_regions_report(desk) -> None:  # type: ignore[no-untyped-def]
    operator = Actor("user:operator-a")
    keep, absorb = desk.report(mentions=2), desk.report(mentions=1)
    with transaction(desk.runtime.sessions) as session:  # the demo has no source in Banjarbaru
        banjarbaru = session.scalars(select(Region.id).where(Region.code == "63.72")).one()
        session.add(
            Source(
                slug="uji-banjarbaru",
                name="Uji",
                region_id=banjarbaru,
                platform="rss",
                url="https://x.example/",
            )
        )
    elsewhere = desk.report(region="63.72", agency=None)
    viewer = _viewer(desk)
    with pytest.raises(NotFound, match=f"laporan #{elsewhere} tidak ada"):
        merge_with(desk.runtime, keep, str(elsewhere), viewer=viewer, actor=operator)
    with pytest.raises(ActionError, match="tidak sah"):
        merge_with(desk.runtime, keep, "dua belas", viewer=viewer, actor=operator)
    merge_with(
        desk.runtime,
        keep,
        f"#{absorb}",
        viewer=viewer,
        actor=operator,
        expected_version=desk.get(keep).version,
    )
    view = incident_view(desk.runtime, keep, viewer)
    assert view.mention_count == 3 and len(view.mentions) == 3
    assert view.history[-1].report_id == absorb and desk.get(absorb).status == "rejected"


def test_a_correction_that_leaves_a_field_as_drafted_is_not_recorded(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    drafted = desk.get(report_id)
    corrections = Corrections(
        judul=drafted.judul,
        isi=drafted.isi.replace("\n", "\r\n") + "  ",  # a browser's textarea
        kategori=drafted.kategori,
        lokasi="Desa Sepaso, Kecamatan Bengalon",
        agency_code="pupr",
        anonim=drafted.anonim,
    )
    actions.approve(desk.runtime, report_id, actor=Actor("user:uji"), corrections=corrections)
    with desk.runtime.sessions() as session:
        row = session.scalars(select(AuditLog).where(AuditLog.action == "correct")).one()
    assert row.before == {"lokasi": drafted.lokasi} and row.after == {
        "lokasi": "Desa Sepaso, Kecamatan Bengalon"
    }
    assert desk.get(report_id).isi == drafted.isi


def test_a_snippet_is_one_line_cut_at_a_word() -> None:
    assert snippet("satu\n\ndua   tiga") == "satu dua tiga"
    cut = snippet("kata " * 100, limit=22)
    assert cut == "kata kata kata kata…"

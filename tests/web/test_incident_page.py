"""The incident page (the report page as an operator or manager sees it) and its actions, through the
console's forms: approve with corrections, merge, split, re-route, urgent, file now, assisted entry."""

from __future__ import annotations

from sqlalchemy import select

from config.schema import LaporMode
from db.models import AuditLog, DeliveryState, Detection, Filing, Report
from db.session import transaction
from services import actions
from services.actions import Actor


def _form(console, client, report_id: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The hidden fields a browser sends back with a form of the report page: CSRF token and version."""
    page = client.get(f"/laporan/{report_id}").text
    version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
    return {"csrf_token": console.csrf(client, f"/laporan/{report_id}"), "version": version}


def _report(console, report_id: int) -> Report:  # type: ignore[no-untyped-def]
    with console.runtime.sessions() as session:
        report = session.get_one(Report, report_id)
        session.expunge(report)
        return report


def _audit(console, action: str) -> list[AuditLog]:  # type: ignore[no-untyped-def]
    with console.runtime.sessions() as session:
        rows = list(session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))
        session.expunge_all()
        return rows


def _detections(console, report_id: int) -> list[int]:  # type: ignore[no-untyped-def]
    with console.runtime.sessions() as session:
        issue_id = session.get_one(Report, report_id).issue_id
        return list(
            session.scalars(select(Detection.id).where(Detection.issue_id == issue_id).order_by(Detection.id))
        )


def test_the_operator_sees_every_mention_and_the_explanation_escaped(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = queued_report(console.runtime, mentions=2, title="Jalan berlubang di Bengalon")
    with transaction(console.runtime.sessions) as session:
        detection = session.get_one(Detection, _detections(console, report_id)[0])
        detection.document.text = (
            'Jalan rusak <script>alert("x")</script><img src=x onerror=alert(1)> di Bengalon'
        )
        detection.explanation = {"terms": ["rusak"], "place_evidence": ["Bengalon"], "urgency": []}
    answer = console.client("operator").get(f"/laporan/{report_id}")
    page = answer.text
    assert answer.status_code == 200 and "style-src 'self'" in answer.headers["content-security-policy"]
    assert page.count('<a href="https://berita.example/') == 2 and "2026-11-20 10:00 WITA" in page
    assert (
        '<mark class="entity entity-keluhan">rusak<span class="entity-label">KATA KELUHAN</span></mark>'
        in page
    )
    assert (
        "<script>alert" not in page
        and "<img src=x" not in page
        and "&lt;img src=x onerror=alert(1)&gt;" in page
    )
    assert " style=" not in page  # no inline style anywhere: the CSP would block it
    assert "Jalan dan jembatan" in page and "Rancangan isian LAPOR!" in page and "Tindakan insiden" in page
    read_only = console.client("pimpinan").get(f"/laporan/{report_id}").text
    assert "Tindakan insiden" not in read_only and "entity-label" not in read_only


def test_approve_with_full_corrections_changes_the_stored_report(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = queued_report(console.runtime)
    client = console.client("operator")
    drafted = _report(console, report_id)
    form = {
        **_form(console, client, report_id),
        "judul": "Jalan poros Bengalon berlubang besar",
        "isi": "Lubang besar di jalan poros.\r\nMohon segera ditambal.",
        "kategori": "Infrastruktur",
        "lokasi": drafted.lokasi,  # left as drafted: not a correction
        "opd": "DLH",
        "klasifikasi": "aspirasi",
        "anonim": "tidak",
        "rahasia": "ya",
        "manual": "1",
    }
    answer = client.post(f"/laporan/{report_id}/setujui", data=form, follow_redirects=False)
    assert answer.status_code == 303
    stored = _report(console, report_id)
    assert stored.status == "approved" and stored.judul == "Jalan poros Bengalon berlubang besar"
    assert stored.isi == "Lubang besar di jalan poros.\nMohon segera ditambal."
    assert (stored.klasifikasi, stored.anonim, stored.rahasia) == ("aspirasi", False, True)
    assert stored.agency_id != drafted.agency_id
    (correction,) = _audit(console, "correct")
    assert correction.actor == "user:operator" and set(correction.after or {}) == {
        "judul",
        "isi",
        "klasifikasi",
        "anonim",
        "rahasia",
        "agency_id",
    }
    page = client.get(f"/laporan/{report_id}").text  # assisted entry: each field with its copy button
    assert (
        'data-copy="#lapor-judul"' in page
        and 'id="lapor-judul">Jalan poros Bengalon berlubang besar<' in page
    )
    assert '<script src="/statis/copy.js" defer></script>' in page and "Nomor tracking dari LAPOR!" in page
    assert client.get("/statis/copy.js").status_code == 200


def test_a_refused_approval_comes_back_with_what_was_typed(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = queued_report(console.runtime)
    client = console.client("operator")
    form = {**_form(console, client, report_id), "judul": "Judul baru yang diketik", "kategori": "x" * 121}
    answer = client.post(f"/laporan/{report_id}/setujui", data=form)
    assert answer.status_code == 400 and "kategori harus 1-120 karakter" in answer.text
    assert 'value="Judul baru yang diketik"' in answer.text and _report(console, report_id).status == "queued"


def test_merge_split_reroute_and_urgent_work_and_are_audited(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    keep = queued_report(console.runtime, mentions=2)
    absorb = queued_report(console.runtime, mentions=1)
    client = console.client("manajer")
    merged = client.post(
        f"/laporan/{keep}/gabung",
        data={**_form(console, client, keep), "nomor": f"#{absorb}"},
        follow_redirects=False,
    )
    assert merged.status_code == 303 and _report(console, absorb).status == "rejected"
    assert len(_detections(console, keep)) == 3 and _audit(console, "merge")[0].actor == "user:manajer"

    mentions = _detections(console, keep)
    split = client.post(
        f"/laporan/{keep}/pisah",
        data={**_form(console, client, keep), "sebutan": str(mentions[-1])},
        follow_redirects=False,
    )
    assert split.status_code == 303 and _detections(console, keep) == mentions[:2]
    with console.runtime.sessions() as session:
        new_issue = session.get_one(Detection, mentions[-1]).issue_id
        new_report = session.scalar(select(Report.id).where(Report.issue_id == new_issue))
    assert new_report is not None and _report(console, new_report).status == "queued"
    page = client.get(f"/laporan/{keep}").text
    assert f'<a href="/laporan/{new_report}">laporan #{new_report}</a>' in page  # the incident's history

    rerouted = client.post(
        f"/laporan/{keep}/alihkan",
        data={**_form(console, client, keep), "opd": "DLH", "reason": "sampah, bukan jalan"},
        follow_redirects=False,
    )
    assert rerouted.status_code == 303
    assert _audit(console, "correct")[-1].actor == "user:manajer"
    urgent = client.post(
        f"/laporan/{keep}/mendesak",
        data={**_form(console, client, keep), "mendesak": "1", "reason": "air naik"},
        follow_redirects=False,
    )
    assert urgent.status_code == 303 and _audit(console, "urgent")[0].reason == "air naik"
    assert "Cabut tanda mendesak" in client.get(f"/laporan/{keep}").text


def test_a_stale_version_gets_409_with_who_and_changes_nothing(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    keep = queued_report(console.runtime, mentions=2)
    absorb = queued_report(console.runtime)
    first, second = console.client("operator"), console.client("manajer")
    stale = _form(console, second, keep)
    assert (
        first.post(
            f"/laporan/{keep}/mendesak",
            data={**_form(console, first, keep), "mendesak": "1"},
            follow_redirects=False,
        ).status_code
        == 303
    )

    def state() -> tuple[object, ...]:
        report = _report(console, keep)
        return len(_audit(console, "merge")), len(_audit(console, "split")), report.version, report.agency_id

    before = state()
    for path, fields in (
        ("gabung", {"nomor": str(absorb)}),
        ("pisah", {"sebutan": str(_detections(console, keep)[-1])}),
        ("alihkan", {"opd": "DLH", "reason": "uji"}),
        ("mendesak", {"mendesak": "0"}),
    ):
        refused = second.post(f"/laporan/{keep}/{path}", data={**stale, **fields})
        assert refused.status_code == 409, path
        assert "sudah diubah oleh user:operator" in refused.text
    assert state() == before and _report(console, absorb).status == "queued"
    missing = second.post(f"/laporan/{keep}/gabung", data={**_form(console, second, keep), "nomor": "999999"})
    assert missing.status_code == 400 and "laporan #999999 tidak ada" in missing.text
    assert 'name="nomor" inputmode="numeric" required value="999999"' in missing.text  # as typed


def test_file_now_sends_a_failed_api_filing_again(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = queued_report(console.runtime)
    actions.approve(console.runtime, report_id, actor=Actor("user:uji"), mode=LaporMode.API)
    with transaction(console.runtime.sessions) as session:
        filing = session.scalars(select(Filing).where(Filing.report_id == report_id)).one()
        filing.state, filing.attempts, filing.last_error = DeliveryState.FAILED, 5, "LAPOR! 503"
    client = console.client("operator")
    page = client.get(f"/laporan/{report_id}").text
    assert "Kirim sekarang" in page and "Pengiriman gagal" in page
    answer = client.post(
        f"/laporan/{report_id}/kirim", data=_form(console, client, report_id), follow_redirects=False
    )
    assert answer.status_code == 303
    with console.runtime.sessions() as session:
        filing = session.scalars(select(Filing).where(Filing.report_id == report_id)).one()
        assert (filing.state, filing.attempts) == (DeliveryState.PENDING, 0)
    assert _audit(console, "filing:now")[0].actor == "user:operator"
    assert "Pengiriman menunggu percobaan berikutnya." in client.get(f"/laporan/{report_id}").text

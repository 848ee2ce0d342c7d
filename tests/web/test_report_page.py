"""The report page (the link in every OPD e-mail) and the actions on it, through the console's forms."""

from __future__ import annotations

from services import actions
from services.actions import Actor


def _form(console, client, report_id: int) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The hidden fields a browser sends back with a form of the report page: CSRF token and version."""
    page = client.get(f"/laporan/{report_id}").text
    version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
    return {"csrf_token": console.csrf(client, f"/laporan/{report_id}"), "version": version}


def test_an_operator_approves_from_the_page_and_a_stale_form_is_refused(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = queued_report(console.runtime, title="Jalan berlubang di Bengalon")
    first, second = console.client("operator"), console.client("manajer")
    stale = _form(console, second, report_id)  # the manager opened the page too
    approved = first.post(
        f"/laporan/{report_id}/setujui",
        data={**_form(console, first, report_id), "manual": "1"},
        follow_redirects=False,
    )
    assert approved.status_code == 303
    shown = first.get(f"/laporan/{report_id}").text
    assert "siap diinput" in shown and "Nomor tracking dari LAPOR!" in shown
    refused = second.post(
        f"/laporan/{report_id}/tolak", data={**stale, "code": "spam"}, follow_redirects=False
    )
    assert refused.status_code == 409 and "sudah diubah oleh user:operator" in refused.text
    recorded = first.post(
        f"/laporan/{report_id}/catat-tracking",
        data={**_form(console, first, report_id), "tracking_id": "#7000123"},
        follow_redirects=False,
    )
    assert recorded.status_code == 303 and "7000123" in first.get(f"/laporan/{report_id}").text


def test_a_bad_tracking_id_is_shown_not_stored(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = queued_report(console.runtime)
    actions.approve(console.runtime, report_id, actor=Actor("user:uji"), mode=actions.LaporMode.MANUAL)
    client = console.client("operator")
    answer = client.post(
        f"/laporan/{report_id}/catat-tracking",
        data={**_form(console, client, report_id), "tracking_id": "LAP-1"},
    )
    assert answer.status_code == 400 and "tidak valid" in answer.text


def test_the_opd_answers_on_the_page_and_cannot_see_another_opds_report(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = queued_report(console.runtime, title='Jalan <script>alert("x")</script> rusak')
    operator = Actor("user:uji")
    actions.approve(console.runtime, report_id, actor=operator, mode=actions.LaporMode.MANUAL)
    actions.record_tracking_id(console.runtime, report_id, "7000456", actor=operator)
    pupr, dlh = console.client("pupr"), console.client("dlh")
    page = pupr.get(f"/laporan/{report_id}").text
    assert "<script>alert" not in page and "&lt;script&gt;" in page and "Kirim tindak lanjut" in page
    assert dlh.get(f"/laporan/{report_id}").status_code == 404  # another OPD's: as if it did not exist
    assert console.client("operator-banjarbaru").get(f"/laporan/{report_id}").status_code == 404
    forged = dlh.post(
        f"/laporan/{report_id}/terima", data={"csrf_token": console.csrf(dlh, "/kotak-masuk"), "version": "1"}
    )
    assert forged.status_code == 404
    assert pupr.post(f"/laporan/{report_id}/terima", data=_form(console, pupr, report_id)).status_code == 200
    answered = pupr.post(
        f"/laporan/{report_id}/tanggapi",
        data={**_form(console, pupr, report_id), "text": "Lubang sudah ditambal tim UPT jalan."},
    )
    assert answered.status_code == 200 and "Lubang sudah ditambal tim UPT jalan." in answered.text
    assert "ditindaklanjuti" in answered.text


def test_an_action_without_its_csrf_token_changes_nothing(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    report_id = queued_report(console.runtime)
    client = console.client("operator")
    version = _form(console, client, report_id)["version"]
    answer = client.post(f"/laporan/{report_id}/setujui", data={"version": version})
    assert answer.status_code == 403 and "menunggu tinjauan" in client.get(f"/laporan/{report_id}").text

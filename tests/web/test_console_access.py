"""Logging in, sessions, CSRF, security headers, lock-out, and who sees which queue, on both databases."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from db.models import Agency, Region, Role, Source
from db.session import transaction
from services import actions
from services.accounts import MAX_FAILED_LOGINS, AccountError, add_user
from services.actions import Actor

PASSWORD = "kata-sandi-uji-123"


def test_logged_out_pages_send_to_the_login(console) -> None:  # type: ignore[no-untyped-def]
    client = console.client()
    for path in ("/", "/antrean", "/kotak-masuk"):
        answer = client.get(path, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/masuk"), path


def test_login_lands_each_role_on_its_page_and_logout_ends_the_session(console) -> None:  # type: ignore[no-untyped-def]
    operator = console.client()
    answer = console.login(operator, "operator", PASSWORD)
    assert (answer.status_code, answer.headers["location"]) == (303, "/antrean")
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    opd = console.client()
    assert console.login(opd, "pupr", PASSWORD).headers["location"] == "/kotak-masuk"
    assert console.login(console.client(), "pimpinan", PASSWORD).headers["location"] == "/dasbor"
    token = console.csrf(operator, "/antrean")
    assert operator.post("/keluar", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert operator.get("/antrean", follow_redirects=False).headers["location"] == "/masuk"


def test_a_wrong_password_and_an_unknown_user_read_the_same(console) -> None:  # type: ignore[no-untyped-def]
    client = console.client()
    wrong = console.login(client, "operator", "salah-sekali-123")
    unknown = console.login(client, "tidak-ada", "salah-sekali-123")
    assert wrong.status_code == unknown.status_code == 400
    assert (
        "nama pengguna atau kata sandi salah" in wrong.text
        and "nama pengguna atau kata sandi salah" in unknown.text
    )


def test_repeated_failures_lock_the_account(console) -> None:  # type: ignore[no-untyped-def]
    client = console.client()
    for _ in range(MAX_FAILED_LOGINS):
        assert console.login(client, "operator", "salah-sekali-123").status_code == 400
    locked = console.login(client, "operator", PASSWORD)
    assert locked.status_code == 400 and "dikunci" in locked.text


def test_a_form_without_its_csrf_token_is_refused(console) -> None:  # type: ignore[no-untyped-def]
    client = console.client()
    client.get("/masuk")
    answer = client.post(
        "/masuk", data={"username": "operator", "password": PASSWORD}, follow_redirects=False
    )
    forged = client.post(
        "/masuk",
        data={"username": "operator", "password": PASSWORD, "csrf_token": "palsu"},
        follow_redirects=False,
    )
    assert answer.status_code == forged.status_code == 403
    assert "token formulir tidak sah" in answer.text


def test_every_page_carries_the_security_headers(console) -> None:  # type: ignore[no-untyped-def]
    client = console.client("operator")
    for path in ("/masuk", "/antrean"):
        headers = client.get(path).headers
        policy = headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert headers["x-frame-options"] == "DENY" and headers["x-content-type-options"] == "nosniff"


def test_crawled_text_is_escaped_in_the_queue(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    queued_report(
        console.runtime, title='Jalan rusak <script>alert("x")</script> <img src=x onerror=alert(1)>'
    )
    page = console.client("operator").get("/antrean").text
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page


def test_each_role_and_region_sees_only_its_own(console, queued_report) -> None:  # type: ignore[no-untyped-def]
    mine = queued_report(console.runtime, title="Jalan berlubang untuk PUPR")
    other = queued_report(console.runtime, title="Sampah menumpuk untuk DLH", function="SAMPAH", agency="DLH")
    operator = Actor("user:uji")
    for report_id in (mine, other):
        actions.approve(console.runtime, report_id, actor=operator, mode=actions.LaporMode.MANUAL)
        actions.record_tracking_id(console.runtime, report_id, f"{3000000 + report_id}", actor=operator)
    pupr = console.client("pupr")
    inbox = pupr.get("/kotak-masuk").text
    assert "Jalan berlubang untuk PUPR" in inbox and "Sampah menumpuk untuk DLH" not in inbox
    assert pupr.get("/antrean").status_code == 403
    assert "Jalan berlubang" in console.client("operator").get("/antrean?status=semua").text
    elsewhere = console.client("operator-banjarbaru").get("/antrean?status=semua").text
    assert "Jalan berlubang" not in elsewhere and "Antrean kosong" in elsewhere


def test_accounts_are_checked_when_made(console) -> None:  # type: ignore[no-untyped-def]
    base = {"full_name": "X", "region_code": "64.08", "actor": "user:uji"}
    with pytest.raises(AccountError, match="minimal"):
        add_user(console.runtime, username="a", role=Role.OPERATOR, password="pendek", **base)
    with pytest.raises(AccountError, match="perlu kode OPD"):
        add_user(console.runtime, username="b", role=Role.OPD, password=PASSWORD, **base)
    with pytest.raises(AccountError, match="sudah dipakai"):
        add_user(console.runtime, username="operator", role=Role.OPERATOR, password=PASSWORD, **base)


def _second_kaltim_region(runtime) -> None:  # type: ignore[no-untyped-def]
    """Kota Samarinda (64.72) beside Kutai Timur in the database: its settings, PUPR and one source copied
    from 64.08, as a sync of its own YAML would make them."""

    def copy(row, **changes):  # type: ignore[no-untyped-def]
        columns = {c.key: getattr(row, c.key) for c in row.__table__.columns if c.key != "id"}
        return type(row)(**{**columns, **changes})

    with transaction(runtime.sessions) as session:
        kutim = session.scalars(select(Region).where(Region.code == "64.08")).one()
        samarinda = copy(kutim, code="64.72", name="Kota Samarinda")
        session.add(samarinda)
        session.flush()
        pupr = session.scalars(
            select(Agency).where(Agency.region_id == kutim.id, Agency.code == "PUPR")
        ).one()
        source = session.scalars(select(Source).where(Source.region_id == kutim.id).limit(1)).one()
        session.add_all(
            [copy(pupr, region_id=samarinda.id), copy(source, region_id=samarinda.id, slug="samarinda-uji")]
        )


def test_a_province_user_works_in_each_kabupaten_kota_of_its_province_only(  # type: ignore[no-untyped-def]
    console, queued_report
) -> None:
    _second_kaltim_region(console.runtime)
    kutim = queued_report(console.runtime, title="Jalan berlubang di Sangatta")
    samarinda = queued_report(console.runtime, region="64.72", title="Jalan berlubang di Samarinda")
    account = add_user(
        console.runtime,
        username="manajer-kaltim",
        full_name="Diskominfo Kaltim",
        role=Role.MANAGER,
        region_code="64",
        password=PASSWORD,
        actor="user:uji",
    )
    assert account.region_code == "64.08"
    assert account.regions == (("64.08", "Kabupaten Kutai Timur"), ("64.72", "Kota Samarinda"))
    with pytest.raises(AccountError, match="bukan provinsi"):
        add_user(console.runtime, username="x", full_name="X", role=Role.OPD, region_code="64",
                 agency_code="PUPR", password=PASSWORD, actor="user:uji")  # fmt: skip
    with pytest.raises(AccountError, match="tidak dikenal"):
        add_user(console.runtime, username="x", full_name="X", role=Role.MANAGER, region_code="99",
                 password=PASSWORD, actor="user:uji")  # fmt: skip

    client = console.client("manajer-kaltim")
    page = client.get("/antrean").text
    assert 'name="wilayah"' in page and 'value="64.72"' in page and 'value="63.72"' not in page
    assert "di Sangatta" in page and "di Samarinda" not in page

    moved = client.post("/wilayah", data={"wilayah": "64.72", "csrf_token": console.csrf(client, "/antrean")})
    assert moved.status_code == 200 and "wilayah 64.72" in moved.text  # followed to the queue
    assert "di Samarinda" in moved.text and "di Sangatta" not in moved.text
    assert client.get(f"/laporan/{samarinda}").status_code == 200
    assert client.get(f"/laporan/{kutim}").status_code == 404  # another region's, while in this one

    outside = client.post(
        "/wilayah", data={"wilayah": "63.72", "csrf_token": console.csrf(client, "/antrean")}
    )
    assert outside.status_code == 403
    page = client.get("/antrean").text
    assert "wilayah 64.72" in page
    # the dashboard puts the province's kabupaten/kota side by side, each with its own figures
    dashboard = client.get("/dasbor").text
    assert "Kabupaten/kota di provinsi Anda" in dashboard
    side = re.findall(r'<th scope="row">(64\.\d\d [^<]+)</th><td class="number">(\d+)</td>', dashboard)
    assert sorted(side) == [("64.08 Kabupaten Kutai Timur", "1"), ("64.72 Kota Samarinda", "1")]
    # a kabupaten's own manager has no choice to make, and may not make one
    manager = console.client("manajer")
    assert "Kabupaten/kota di provinsi Anda" not in manager.get("/dasbor").text
    assert 'name="wilayah"' not in manager.get("/antrean").text
    refused = manager.post(
        "/wilayah", data={"wilayah": "64.72", "csrf_token": console.csrf(manager, "/antrean")}
    )
    assert refused.status_code == 403

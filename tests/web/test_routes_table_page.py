"""The manager's routing table through the console: a row changed with a reason shows its history; an
inactive agency, another region's agency, a missing reason or a stale form are refused with the reason;
other roles are refused and a manager only ever changes their own region's table."""

from __future__ import annotations

from sqlalchemy import select

from db.models import Agency, Region, Role, Route
from db.session import transaction
from services.accounts import add_user
from tests.web.conftest import PASSWORD


def _form(console, client, function: str = "JALAN") -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The hidden fields a browser sends back with the row's form: CSRF token and the OPD it showed."""
    page = client.get(f"/rute/{function}").text
    current = page.split('name="current" value="', 1)[1].split('"', 1)[0]
    return {"csrf_token": console.csrf(client, f"/rute/{function}"), "current": current}


def _agency_of(console, region: str, function: str) -> str:  # type: ignore[no-untyped-def]
    with console.runtime.sessions() as session:
        route = session.scalars(
            select(Route)
            .join(Region, Region.id == Route.region_id)
            .where(Region.code == region, Route.function == function)
        ).one()
        return route.agency.code


def test_a_manager_changes_a_row_with_a_reason_and_sees_its_history(console) -> None:  # type: ignore[no-untyped-def]
    client = console.client("manajer")
    table = client.get("/rute").text
    assert "(JALAN)" in table and "(PUPR)" in table and 'href="/rute/JALAN"' in table
    changed = client.post(
        "/rute/JALAN",
        data={**_form(console, client), "agency": "PERKIM", "reason": "jalan lingkungan ke Perkim"},
        follow_redirects=False,
    )
    assert changed.status_code == 303 and changed.headers["location"] == "/rute/JALAN"
    page = client.get("/rute/JALAN").text
    assert "OPD sekarang</dt><dd>Dinas Perkim (PERKIM)" in page
    history = page.split("Riwayat", 1)[1]
    assert "user:manajer" in history and "jalan lingkungan ke Perkim" in history
    assert history.index("user:manajer") < history.index("system:config-sync")  # newest first
    assert _agency_of(console, "64.08", "JALAN") == "PERKIM"


def test_refusals_re_render_the_row_with_the_reason(console) -> None:  # type: ignore[no-untyped-def]
    with transaction(console.runtime.sessions) as session:  # as when the YAML drops an agency
        session.scalars(
            select(Agency)
            .join(Region, Region.id == Agency.region_id)
            .where(Region.code == "64.08", Agency.code == "DINSOS")
        ).one().active = False
    client = console.client("manajer")
    cases = [
        ({"agency": "DINSOS", "reason": "uji"}, 400, "tidak ada OPD aktif berkode &#39;DINSOS&#39;"),
        ({"agency": "DISNAKER", "reason": "uji"}, 400, "tidak ada OPD aktif berkode &#39;DISNAKER&#39;"),
        ({"agency": "PERKIM", "reason": "  "}, 400, "alasan perubahan wajib diisi"),
    ]
    for fields, status, message in cases:
        answer = client.post("/rute/JALAN", data={**_form(console, client), **fields})
        assert answer.status_code == status and 'role="alert"' in answer.text and message in answer.text
    assert _agency_of(console, "64.08", "JALAN") == "PUPR"
    assert client.get("/rute/TIDAK_ADA").status_code == 404


def test_a_stale_form_is_refused_naming_who_changed_the_row(console) -> None:  # type: ignore[no-untyped-def]
    first, second = console.client("manajer"), console.client("manajer")
    stale = _form(console, second)
    answer = first.post(
        "/rute/JALAN",
        data={**_form(console, first), "agency": "PERKIM", "reason": "uji"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    late = second.post("/rute/JALAN", data={**stale, "agency": "DISHUB", "reason": "uji"})
    assert late.status_code == 409 and "sudah diubah oleh user:manajer" in late.text
    assert _agency_of(console, "64.08", "JALAN") == "PERKIM"


def test_other_roles_are_refused_and_a_manager_changes_only_their_region(console) -> None:  # type: ignore[no-untyped-def]
    for name in ("operator", "pupr", "pimpinan"):
        client = console.client(name)
        assert client.get("/rute").status_code == 403
        token = console.csrf(client, "/masuk")
        data = {"csrf_token": token, "current": "PUPR", "agency": "PERKIM", "reason": "uji"}
        assert client.post("/rute/JALAN", data=data).status_code == 403
    add_user(
        console.runtime,
        username="manajer-banjarbaru",
        full_name="Manajer Banjarbaru",
        role=Role.MANAGER,
        region_code="63.72",
        password=PASSWORD,
        actor="user:uji",
    )
    other = console.client("manajer-banjarbaru")
    assert "DISNAKER" in other.get("/rute").text and "BPJS_KESEHATAN" not in other.get("/rute").text
    refused = other.post("/rute/JALAN", data={**_form(console, other), "agency": "BBPJN", "reason": "uji"})
    assert refused.status_code == 400  # a Kutai Timur agency does not exist in Banjarbaru
    changed = other.post(
        "/rute/JALAN",
        data={**_form(console, other), "agency": "PERKIM", "reason": "uji"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert (_agency_of(console, "63.72", "JALAN"), _agency_of(console, "64.08", "JALAN")) == (
        "PERKIM",
        "PUPR",
    )

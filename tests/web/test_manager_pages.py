"""The manager's region pages through the console's forms: deadlines and contacts, sources, users, audit.
Only the manager's own region: another region's agency or account answers 404 even to a manager."""

from __future__ import annotations

import re

from sqlalchemy import select

from db.models import Agency, Region, Role, User
from services.accounts import add_user
from tests.web.conftest import PASSWORD


def _hidden(page: str, action: str, name: str) -> str:
    """The value of a hidden field of the form posting to ``action`` (the first such form on the page)."""
    form = page.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    found = re.search(rf'name="{name}" value="([^"]*)"', form)
    assert found is not None, f"no field {name} in the form of {action}"
    return found.group(1)


def _user_id(console, username: str) -> int:  # type: ignore[no-untyped-def]
    with console.runtime.sessions() as session:
        return int(session.scalars(select(User.id).where(User.username == username)).one())


def _agency_id(console, region: str, code: str) -> int:  # type: ignore[no-untyped-def]
    with console.runtime.sessions() as session:
        query = select(Agency.id).join(Region).where(Region.code == region, Agency.code == code)
        return int(session.scalars(query).one())


DEADLINES = {
    "verification_working_days": "4",
    "first_followup_working_days": "5",
    "settlement_days": "60",
    "autoclose_working_days": "10",
    "postponed_archive_days": "30",
}


def test_the_manager_changes_a_deadline_and_reads_it_in_the_audit(console) -> None:  # type: ignore[no-untyped-def]
    manager, other = console.client("manajer"), console.client("manajer")
    page = manager.get("/tenggat-kontak").text
    assert "hanya berlaku untuk tenggat yang dihitung sesudahnya" in page
    form = {
        "csrf_token": _hidden(page, "/tenggat-kontak/tenggat", "csrf_token"),
        "version": _hidden(page, "/tenggat-kontak/tenggat", "version"),
    }
    stale = {**form, "csrf_token": console.csrf(other, "/tenggat-kontak")}
    missing = manager.post(
        "/tenggat-kontak/tenggat", data={**form, **DEADLINES, "verification_working_days": "9"}
    )
    assert missing.status_code == 400 and "alasan perubahan wajib diisi" in missing.text
    assert 'value="9"' in missing.text  # what was typed is shown again
    saved = manager.post(
        "/tenggat-kontak/tenggat",
        data={**form, **DEADLINES, "reason": "tim <b>verifikasi</b> berkurang"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/tenggat-kontak"
    assert (
        'name="verification_working_days" min="1" max="30" required value="4"'
        in manager.get("/tenggat-kontak").text
    )
    refused = other.post("/tenggat-kontak/tenggat", data={**stale, **DEADLINES, "reason": "lain"})
    assert refused.status_code == 409 and "sudah diubah oleh user:manajer" in refused.text
    log = manager.get("/audit?jenis=region").text
    assert (
        "deadlines.verification_working_days" in log and "tim &lt;b&gt;verifikasi&lt;/b&gt; berkurang" in log
    )
    assert "<b>verifikasi</b>" not in log


def test_contacts_of_an_own_agency_change_and_another_regions_agency_does_not_exist(console) -> None:  # type: ignore[no-untyped-def]
    manager = console.client("manajer")
    pupr, theirs = _agency_id(console, "64.08", "PUPR"), _agency_id(console, "63.72", "PUPR")
    page = manager.get(f"/tenggat-kontak/opd/{pupr}").text
    assert "penghubung.pupr@kutaitimur.example" in page
    action = f"/tenggat-kontak/opd/{pupr}/kontak"
    form = {
        "csrf_token": _hidden(page, action, "csrf_token"),
        "version": _hidden(page, action, "version"),
        "asal": "baru",
        "rung": "sekretaris",
        "email": "sekretaris.pupr@kutaitimur.example",
        "reason": "sekretaris dinas ikut menerima",
    }
    saved = manager.post(action, data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert "sekretaris.pupr@kutaitimur.example" in manager.get(f"/tenggat-kontak/opd/{pupr}").text
    assert manager.get(f"/tenggat-kontak/opd/{theirs}").status_code == 404
    forged = manager.post(f"/tenggat-kontak/opd/{theirs}/kontak", data={**form, "version": "x"})
    assert forged.status_code == 404
    with console.runtime.sessions() as session:
        assert "sekretaris" not in session.get_one(Agency, theirs).contacts


def test_a_new_accounts_generated_password_is_shown_once(console) -> None:  # type: ignore[no-untyped-def]
    manager = console.client("manajer")
    form = {
        "csrf_token": console.csrf(manager, "/pengguna"),
        "username": "penghubung.dlh",
        "full_name": "Penghubung DLH",
        "role": "opd",
        "agency": "DLH",
    }
    created = manager.post("/pengguna", data=form)
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    password = created.text.split('<code class="password">', 1)[1].split("</code>", 1)[0]
    assert password not in manager.get("/pengguna").text and "penghubung.dlh" in manager.get("/pengguna").text
    newcomer = console.make_client()
    assert console.login(newcomer, "penghubung.dlh", password).headers["location"] == "/kotak-masuk"
    taken = manager.post("/pengguna", data={**form, "password": PASSWORD})
    assert taken.status_code == 400 and "sudah dipakai" in taken.text


def test_a_disabled_account_is_logged_out_and_a_manager_cannot_disable_themselves(console) -> None:  # type: ignore[no-untyped-def]
    manager, pupr = console.client("manajer"), console.client("pupr")
    pupr_id, own_id = _user_id(console, "pupr"), _user_id(console, "manajer")
    token = console.csrf(manager, "/pengguna")
    disabled = manager.post(
        f"/pengguna/{pupr_id}/status",
        data={"csrf_token": token, "aktif": "0", "reason": "pindah tugas"},
        follow_redirects=False,
    )
    assert disabled.status_code == 303
    assert pupr.get("/kotak-masuk", follow_redirects=False).headers["location"] == "/masuk"
    assert "pindah tugas" in manager.get("/audit?jenis=user_account").text
    itself = manager.post(f"/pengguna/{own_id}/status", data={"csrf_token": token, "aktif": "0"})
    assert itself.status_code == 400 and "akun Anda sendiri" in itself.text
    assert manager.get("/pengguna", follow_redirects=False).status_code == 200


def test_a_role_change_applies_at_the_next_request(console) -> None:  # type: ignore[no-untyped-def]
    manager, operator = console.client("manajer"), console.client("operator")
    assert operator.get("/antrean").status_code == 200
    changed = manager.post(
        f"/pengguna/{_user_id(console, 'operator')}/peran",
        data={
            "csrf_token": console.csrf(manager, "/pengguna"),
            "role": "opd",
            "agency": "PUPR",
            "reason": "mutasi",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert operator.get("/antrean").status_code == 403 and operator.get("/kotak-masuk").status_code == 200


def test_another_regions_manager_finds_none_of_this_regions_accounts(console) -> None:  # type: ignore[no-untyped-def]
    add_user(
        console.runtime,
        username="manajer-banjarbaru",
        full_name="Manajer Banjarbaru",
        role=Role.MANAGER,
        region_code="63.72",
        password=PASSWORD,
        actor="user:uji",
    )
    theirs = console.client("manajer-banjarbaru")
    pupr_id = _user_id(console, "pupr")
    assert theirs.get(f"/pengguna/{pupr_id}").status_code == 404
    token = console.csrf(theirs, "/pengguna")
    for path in ("status", "kata-sandi", "peran"):
        form = {"csrf_token": token, "aktif": "0", "role": "operator", "password": "x" * 12}
        assert theirs.post(f"/pengguna/{pupr_id}/{path}", data=form).status_code == 404
    listed = theirs.get("/pengguna").text
    assert "manajer-banjarbaru" in listed and f'href="/pengguna/{pupr_id}"' not in listed
    assert console.client("pupr").get("/kotak-masuk").status_code == 200  # still active, still PUPR


def test_the_sources_page_shows_the_regions_sources_and_where_they_are_configured(console) -> None:  # type: ignore[no-untyped-def]
    page = console.client("manajer").get("/sumber").text
    assert "Warta Kutim (contoh)" in page and "Kabar Sangatta (contoh)" in page
    assert "demo/sources.yaml" in page and "belum dirayapi" in page
    assert console.client("operator").get("/sumber").status_code == 403

"""The manager's watchlist pages through the console: a query with a mistake shows the error and where, the
fixed query a preview with the right count, saving writes a version that the page lists with who and why;
other roles are refused and another region's watchlist does not exist for the manager."""

from __future__ import annotations

import html
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from db.base import utcnow
from db.models import Document, Role, Source, WatchlistVersion
from db.session import transaction
from services.accounts import add_user
from tests.web.conftest import PASSWORD


def _document(console, title: str, text: str = "", days_ago: float = 1) -> None:  # type: ignore[no-untyped-def]
    with transaction(console.runtime.sessions) as session:
        source_id = session.scalars(select(Source.id).where(Source.slug == "wartakutim")).one()
        url = f"https://berita.example/{uuid.uuid4().hex}"
        moment = utcnow() - timedelta(days=days_ago)
        session.add(
            Document(
                source_id=source_id,
                url=url,
                canonical_url=url,
                title=title,
                text=text,
                published_at=moment,
                fetched_at=moment,
            )
        )


def _form(console, client, path: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The hidden fields a browser sends back with the save form of ``path``: CSRF token and version."""
    page = client.get(path).text
    version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
    return {"csrf_token": console.csrf(client, path), "version": version}


def _preview(client, token: str, query: str):  # type: ignore[no-untyped-def]
    """What HTMX sends as the manager types: the query, with the CSRF header of base.html's hx-headers."""
    return client.post(
        "/watchlist/pratinjau", data={"query": query}, headers={"X-CSRF-Token": token, "HX-Request": "true"}
    )


def test_a_manager_writes_a_mistake_fixes_it_previews_and_saves(console) -> None:  # type: ignore[no-untyped-def]
    _document(console, "Banjir di Sangatta Utara", "Air setinggi lutut merendam rumah warga.")
    _document(console, "Genangan lagi", "Banjirrr gk surut, jalan rusak.")
    _document(console, "Banjir tahun lalu", days_ago=40)
    _document(console, "Jalan rusak", "Tidak ada air.")
    client = console.client("manajer")
    page = client.get("/watchlist/baru").text
    assert 'id="query"' in page and 'id="preview"' in page
    assert 'hx-post="/watchlist/pratinjau"' in page and 'hx-trigger="keyup changed delay:400ms"' in page
    token = console.csrf(client, "/watchlist/baru")

    wrong = _preview(client, token, "(banjir OR genangan")
    assert wrong.status_code == 200
    assert 'class="parse-error" role="alert"' in wrong.text
    assert "kurung buka tidak ditutup" in wrong.text and "baris 1, kolom 1" in wrong.text
    assert '<pre class="query-marker">(banjir OR genangan\n^</pre>' in wrong.text

    fixed = _preview(client, token, "(banjir OR genangan) -tahun")
    assert "parse-error" not in fixed.text
    assert "<strong>2</strong> dokumen cocok dari 3 dokumen" in fixed.text
    assert "Genangan lagi" in fixed.text and "Banjir di Sangatta Utara" in fixed.text
    assert fixed.text.index("Genangan lagi") < fixed.text.index("Banjir di Sangatta Utara")  # newest first

    saved = client.post(
        "/watchlist/simpan",
        data={
            **_form(console, client, "/watchlist/baru"),
            "name": "Banjir",
            "query": "(banjir OR genangan) -tahun",
            "priority": "3",
            "reason": "musim hujan",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == "/watchlist/Banjir"
    listed = client.get("/watchlist").text
    assert "/watchlist/Banjir" in listed and html.escape("(banjir OR genangan) -tahun") in listed


def test_the_watchlist_page_lists_every_version_with_who_and_why(console) -> None:  # type: ignore[no-untyped-def]
    client = console.client("manajer")
    refused = client.post(
        "/watchlist/simpan",
        data={
            **_form(console, client, "/watchlist/Sangatta"),
            "name": "Sangatta",
            "query": 'wilayah:"Sangatta Utara" OR',
            "priority": "2",
            "reason": "hanya Utara",
        },
    )
    assert refused.status_code == 400
    assert (
        'class="parse-error" role="alert"' in refused.text
        and "operator OR tidak diikuti istilah" in refused.text
    )
    assert "hanya Utara" in refused.text  # what was typed stays in the form
    saved = client.post(
        "/watchlist/simpan",
        data={
            **_form(console, client, "/watchlist/Sangatta"),
            "name": "Sangatta",
            "query": 'wilayah:"Sangatta Utara"',
            "priority": "2",
            "reason": "hanya Utara",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    page = client.get("/watchlist/Sangatta").text
    versions = page.split("Semua versi", 1)[1]
    assert "<td>2</td>" in versions and "user:manajer" in versions and "hanya Utara" in versions
    assert "<td>1</td>" in versions and "system:config-sync (konfigurasi)" in versions
    assert versions.index("user:manajer") < versions.index("system:config-sync")  # newest first


def test_a_stale_form_is_refused_naming_who_saved_first(console) -> None:  # type: ignore[no-untyped-def]
    first, second = console.client("manajer"), console.client("manajer")
    stale = _form(console, second, "/watchlist/Sangatta")
    data = {"name": "Sangatta", "priority": "1", "reason": "uji"}
    answer = first.post(
        "/watchlist/simpan",
        data={**_form(console, first, "/watchlist/Sangatta"), **data, "query": "sangatta"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    late = second.post("/watchlist/simpan", data={**stale, **data, "query": "kabo"})
    assert late.status_code == 409 and "sudah diubah oleh user:manajer" in late.text
    assert 'name="version" value="2"' in late.text  # saving again is a choice made having read that


def test_retiring_is_a_version_and_needs_a_reason(console) -> None:  # type: ignore[no-untyped-def]
    client = console.client("manajer")
    form = _form(console, client, "/watchlist/Sangatta")
    without = client.post("/watchlist/nonaktifkan", data={**form, "name": "Sangatta", "reason": " "})
    assert without.status_code == 400 and "alasan perubahan wajib diisi" in without.text
    retired = client.post(
        "/watchlist/nonaktifkan",
        data={**form, "name": "Sangatta", "reason": "tidak dipakai"},
        follow_redirects=False,
    )
    assert retired.status_code == 303
    page = client.get("/watchlist/Sangatta").text
    assert "nonaktif sejak versi 2" in page and "tidak dipakai" in page
    assert "Nonaktif" in client.get("/watchlist").text


def test_crawled_titles_in_the_preview_are_escaped(console) -> None:  # type: ignore[no-untyped-def]
    _document(console, 'Banjir <script>alert("x")</script> <img src=x onerror=alert(1)>')
    client = console.client("manajer")
    shown = _preview(client, console.csrf(client, "/watchlist/baru"), "banjir").text
    assert "<script>alert" not in shown and "<img src=x" not in shown and "&lt;script&gt;" in shown


def test_other_roles_are_refused_and_another_regions_watchlist_does_not_exist(console) -> None:  # type: ignore[no-untyped-def]
    for name in ("operator", "pupr", "pimpinan"):
        client = console.client(name)
        assert client.get("/watchlist").status_code == 403
        assert client.get("/watchlist/Sangatta").status_code == 403
        token = console.csrf(client, "/masuk")
        assert _preview(client, token, "banjir").status_code == 403
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
    assert other.get("/watchlist").status_code == 200
    assert "Sangatta" not in other.get("/watchlist").text  # Kutai Timur's watchlist
    assert other.get("/watchlist/Sangatta").status_code == 404
    answer = other.post(
        "/watchlist/simpan",
        data={
            "csrf_token": console.csrf(other, "/watchlist"),
            "version": "1",
            "name": "Sangatta",
            "query": "banjir",
            "priority": "1",
            "reason": "uji",
        },
    )
    assert answer.status_code == 404
    with console.runtime.sessions() as session:  # nothing written, in either region
        assert session.scalar(select(func.max(WatchlistVersion.version))) == 1

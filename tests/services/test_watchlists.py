"""Watchlists as managers keep them: versions with who and why, parse errors with their position, and a
preview that matches stored documents exactly as triage does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from db.models import AuditLog, Detection, Document, Region, Role, Source, WatchlistVersion
from db.session import transaction
from flows.runtime import Runtime
from nlp.text import tokens
from nlp.triage import triage_text, watch_document
from nlp.watchlist import parse
from services.actions import Actor, Conflict, Forbidden, NotFound
from services.watchlists import (
    QueryRefused,
    check_query,
    preview,
    region_watchlists,
    retire_watchlist,
    save_watchlist,
    watchlist_versions,
)

MANAGER = Actor("user:manajer-a", Role.MANAGER)
MANAGER_B = Actor("user:manajer-b", Role.MANAGER)
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)


def _region_id(runtime: Runtime, code: str = "64.08") -> int:
    with runtime.sessions() as session:
        return session.scalars(select(Region.id).where(Region.code == code)).one()


def _document(
    runtime: Runtime,
    title: str,
    text: str = "",
    *,
    days_ago: float = 1,
    source: str = "wartakutim",
    detection: dict[str, object] | None = None,
    published: bool = True,
) -> int:
    """A stored document of ``source``, seen ``days_ago`` before NOW, with a detection when given."""
    moment = NOW - timedelta(days=days_ago)
    with transaction(runtime.sessions) as session:
        source_id = session.scalars(select(Source.id).where(Source.slug == source)).one()
        url = f"https://berita.example/{uuid.uuid4().hex}"
        document = Document(
            source_id=source_id,
            url=url,
            canonical_url=url,
            title=title,
            text=text,
            published_at=moment if published else None,
            fetched_at=moment,
        )
        session.add(document)
        session.flush()
        if detection is not None:
            region_id = session.scalars(select(Source.region_id).where(Source.id == source_id)).one()
            fields = {"model_version": "uji", "complaint_score": 0.9, "band": "complaint", **detection}
            session.add(Detection(document_id=document.id, region_id=region_id, **fields))
        return document.id


def _save(
    runtime: Runtime, name: str, query: str, version: int, actor: Actor = MANAGER, **more: object
) -> int:
    fields: dict[str, object] = {"priority": 2, "reason": "uji", **more}
    saved = save_watchlist(
        runtime,
        _region_id(runtime),
        name=name,
        query=query,
        actor=actor,
        expected_version=version,
        **fields,  # type: ignore[arg-type]
    )
    return saved.version


# -- the YAML's versions and the list --------------------------------------------------------------------


def test_the_yaml_watchlists_are_the_first_versions(desk) -> None:  # type: ignore[no-untyped-def]
    views = region_watchlists(desk.runtime, _region_id(desk.runtime), NOW)
    assert [v.current.name for v in views] == [
        "Jalan poros dan jembatan",
        "Sangatta",
        "Sekolah dan puskesmas",
    ]
    for view in views:
        assert (view.current.version, view.current.origin) == (1, "config")
        assert view.current.created_by == "system:config-sync" and view.current.active
    assert region_watchlists(desk.runtime, _region_id(desk.runtime, "63.72"), NOW) == []


def test_the_list_counts_the_documents_each_watchlist_flagged_in_30_days(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    _document(runtime, "Jembatan putus", detection={"watchlists": ["Jalan poros dan jembatan"]})
    _document(runtime, "Jembatan ambruk", detection={"watchlists": ["Jalan poros dan jembatan", "Sangatta"]})
    _document(runtime, "Lama", days_ago=31, detection={"watchlists": ["Jalan poros dan jembatan"]})
    _document(runtime, "Tanpa watchlist", detection={"watchlists": []})
    hits = {v.current.name: v.hits for v in region_watchlists(runtime, _region_id(runtime), NOW)}
    assert hits == {"Jalan poros dan jembatan": 2, "Sangatta": 1, "Sekolah dan puskesmas": 0}


# -- saving and retiring ---------------------------------------------------------------------------------


def test_saving_writes_the_next_version_with_who_and_why_audited(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    assert _save(runtime, "Sangatta", 'wilayah:"Sangatta Utara"', 1, reason="Selatan sudah ada") == 2
    versions = watchlist_versions(runtime, _region_id(runtime), "Sangatta")
    assert [(v.version, v.origin, v.created_by) for v in versions] == [
        (2, "console", "user:manajer-a"),
        (1, "config", "system:config-sync"),
    ]
    assert versions[0].reason == "Selatan sudah ada" and versions[0].query == 'wilayah:"Sangatta Utara"'
    with runtime.sessions() as session:
        row = session.scalars(select(WatchlistVersion).where(WatchlistVersion.version == 2)).one()
        entry = session.scalars(
            select(AuditLog).where(AuditLog.entity_type == "watchlist_version", AuditLog.entity_id == row.id)
        ).one()
    assert entry.actor == "user:manajer-a" and entry.action == "update"
    assert entry.before is not None and entry.before["version"] == 1
    assert entry.after is not None and entry.after["query"] == 'wilayah:"Sangatta Utara"'


def test_a_new_watchlist_starts_at_version_one(desk) -> None:  # type: ignore[no-untyped-def]
    assert _save(desk.runtime, "Banjir", "banjir OR genangan", 0) == 1
    names = [v.current.name for v in region_watchlists(desk.runtime, _region_id(desk.runtime), NOW)]
    assert "Banjir" in names


def test_a_query_that_does_not_parse_is_refused_with_where(desk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryRefused) as refused:
        _save(desk.runtime, "Banjir", "(banjir OR genangan", 0)
    assert refused.value.problem.message == "kurung buka tidak ditutup"
    assert refused.value.problem.position == 0
    assert "baris 1, kolom 1" in str(refused.value)
    assert region_watchlists(desk.runtime, _region_id(desk.runtime, "63.72"), NOW) == []
    with pytest.raises(NotFound):
        watchlist_versions(desk.runtime, _region_id(desk.runtime), "Banjir")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"reason": "  "}, "alasan perubahan wajib diisi"),
        ({"name": ""}, "nama watchlist wajib diisi"),
        ({"name": "a/b"}, "tidak bisa dipakai"),
        ({"name": "Baru"}, "tidak bisa dipakai"),
        ({"priority": 6}, "prioritas harus 1 sampai 5"),
    ],
)
def test_what_a_save_needs(desk, change: dict[str, object], message: str) -> None:  # type: ignore[no-untyped-def]
    fields: dict[str, object] = {
        "name": "Banjir",
        "query": "banjir",
        "priority": 1,
        "reason": "uji",
        **change,
    }
    with pytest.raises(Exception, match=message):
        save_watchlist(
            desk.runtime,
            _region_id(desk.runtime),
            actor=MANAGER,
            expected_version=0,
            **fields,  # type: ignore[arg-type]
        )


def test_only_a_manager_changes_watchlists(desk) -> None:  # type: ignore[no-untyped-def]
    for actor in (Actor("user:op", Role.OPERATOR), Actor("user:pupr", Role.OPD, "PUPR"), Actor.system("x")):
        with pytest.raises(Forbidden):
            _save(desk.runtime, "Sangatta", "sangatta", 1, actor=actor)
        with pytest.raises(Forbidden):
            retire_watchlist(
                desk.runtime,
                _region_id(desk.runtime),
                name="Sangatta",
                reason="x",
                actor=actor,
                expected_version=1,
            )


def test_a_second_manager_sees_who_saved_first_and_overwrites_nothing(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    _save(runtime, "Sangatta", "sangatta", 1)
    with pytest.raises(Conflict, match=r"sudah diubah oleh user:manajer-a .*sekarang versi 2"):
        _save(runtime, "Sangatta", "sangatta OR kabo", 1, actor=MANAGER_B)
    with pytest.raises(Conflict, match="sudah ada, versi 2 oleh user:manajer-a"):
        _save(runtime, "Sangatta", "kabo", 0, actor=MANAGER_B)
    assert watchlist_versions(runtime, _region_id(runtime), "Sangatta")[0].query == "sangatta"


def test_saving_the_same_query_and_priority_changes_nothing(desk) -> None:  # type: ignore[no-untyped-def]
    _save(desk.runtime, "Banjir", "banjir", 0, priority=3)
    with pytest.raises(Exception, match="tidak ada yang berubah"):
        _save(desk.runtime, "Banjir", "banjir", 1, priority=3)
    assert _save(desk.runtime, "Banjir", "banjir", 1, priority=4) == 2


def test_retiring_is_a_version_and_saving_brings_it_back(desk) -> None:  # type: ignore[no-untyped-def]
    runtime, region_id = desk.runtime, _region_id(desk.runtime)
    retired = retire_watchlist(
        runtime, region_id, name="Sangatta", reason="tidak dipakai", actor=MANAGER, expected_version=1
    )
    assert (retired.version, retired.active, retired.query) == (
        2,
        False,
        'wilayah:"Sangatta Utara" OR wilayah:"Sangatta Selatan"',
    )
    with pytest.raises(Exception, match="sudah nonaktif"):
        retire_watchlist(
            runtime, region_id, name="Sangatta", reason="lagi", actor=MANAGER, expected_version=2
        )
    with pytest.raises(NotFound):
        retire_watchlist(runtime, region_id, name="Tidak ada", reason="x", actor=MANAGER, expected_version=1)
    assert _save(runtime, "Sangatta", "sangatta", 2) == 3
    current = {v.current.name: v.current for v in region_watchlists(runtime, region_id, NOW)}["Sangatta"]
    assert current.active and current.version == 3


def test_a_watchlist_of_another_region_reads_as_missing(desk) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        watchlist_versions(desk.runtime, _region_id(desk.runtime, "63.72"), "Sangatta")
    with pytest.raises(NotFound):
        save_watchlist(
            desk.runtime,
            _region_id(desk.runtime, "63.72"),
            name="Sangatta",
            query="x",
            priority=1,
            reason="x",
            actor=MANAGER,
            expected_version=1,
        )


# -- parse errors ----------------------------------------------------------------------------------------


def test_a_parse_error_points_at_its_line_and_column() -> None:
    problem = check_query("banjir OR\r\n  (longsor AND lampu NEAR/0 mati)")
    assert problem is not None
    assert problem.message == "jarak NEAR harus antara 1 dan 1000"
    assert (problem.line, problem.column) == (2, 27)
    assert problem.excerpt == "  (longsor AND lampu NEAR/0 mati)"
    assert problem.excerpt[problem.marker] == "0"
    assert problem.pointer == " " * 26 + "^"
    assert check_query("banjir OR longsor") is None


def test_a_long_line_is_cut_around_the_position() -> None:
    query = "banjir " * 30 + "kota:samarinda " + "longsor " * 30
    problem = check_query(query)
    assert problem is not None and problem.message.startswith("field tidak dikenal")
    assert problem.excerpt.startswith("…") and problem.excerpt.endswith("…")
    assert problem.excerpt[problem.marker :].startswith("kota:samarinda")
    assert problem.column == query.index("kota") + 1


def test_an_error_at_the_end_points_past_the_last_character() -> None:
    problem = check_query("lampu NEAR/")
    assert problem is not None and problem.marker == len(problem.excerpt) == 11
    assert problem.pointer == " " * 11 + "^"


# -- the preview -----------------------------------------------------------------------------------------


def test_the_preview_counts_the_region_documents_of_30_days_newest_first(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    older = _document(runtime, "Banjir di Sangatta", "Air setinggi lutut.", days_ago=3)
    newer = _document(runtime, "Genangan", "Banjirrr lagi gk surut", days_ago=1)
    _document(runtime, "Jalan rusak", "Tidak ada air.", days_ago=2)
    _document(runtime, "Banjir lama", days_ago=31)
    _document(runtime, "Banjir tanpa tanggal terbit", days_ago=5, published=False)
    with transaction(runtime.sessions) as session:  # a source of another region, with a matching document
        session.add(
            Source(
                slug="banjarbaru-pos",
                name="Banjarbaru Pos",
                region_id=_region_id(runtime, "63.72"),
                platform="rss",
                url="https://banjarbaru.example/feed",
            )
        )
    _document(runtime, "Banjir di Banjarbaru", source="banjarbaru-pos")

    found = preview(runtime, _region_id(runtime), "banjir", now=NOW)
    assert (found.matched, found.examined, found.in_window, found.capped) == (3, 4, 4, False)
    assert [m.title for m in found.newest] == [
        "Genangan",
        "Banjir di Sangatta",
        "Banjir tanpa tanggal terbit",
    ]
    assert found.newest[0].terms == ["banjir"] and found.newest[0].source == "wartakutim"
    assert found.newest[0].url and found.newest[0].url.startswith("https://berita.example/")
    assert older != newer


def test_the_preview_reads_at_most_the_cap_newest_documents(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    for day in range(1, 6):
        _document(runtime, f"Banjir hari ke-{day}", days_ago=day)
    found = preview(runtime, _region_id(runtime), "banjir", now=NOW, cap=3)
    assert (found.matched, found.examined, found.in_window, found.capped) == (3, 3, 5, True)
    assert [m.title for m in found.newest] == ["Banjir hari ke-1", "Banjir hari ke-2", "Banjir hari ke-3"]


def test_the_preview_uses_the_function_and_places_of_the_newest_detection(desk) -> None:  # type: ignore[no-untyped-def]
    runtime = desk.runtime
    _document(
        runtime,
        "Lampu mati",
        "Sudah seminggu gelap.",
        detection={"function": "PJU", "kecamatan_code": "64.08.05", "desa_code": None},
    )
    _document(runtime, "Lampu mati juga", "Belum dideteksi.")
    assert preview(runtime, _region_id(runtime), "lampu fungsi:pju", now=NOW).matched == 1
    assert preview(runtime, _region_id(runtime), "lampu -fungsi:pju", now=NOW).matched == 1
    kecamatan = runtime.catalog.regions["64.08"].gazetteer.kecamatan
    name = next(k.name for k in kecamatan if k.code == "64.08.05")
    region_id = _region_id(runtime)
    assert preview(runtime, region_id, f'lampu wilayah:"{name}"', now=NOW).matched == 1
    assert preview(runtime, region_id, 'lampu wilayah:"Kabupaten Kutai Timur"', now=NOW).matched == 2


def test_the_preview_agrees_with_the_triage_matcher(desk) -> None:  # type: ignore[no-untyped-def]
    """Whatever the query, the preview's count is what ``nlp.triage.watch_document`` gives triage."""
    runtime = desk.runtime
    texts = [
        ("JLN RUSAAAK gk diperbaiki", "Warga kesal, jalannnn berlubang."),
        ("Lampu jalan padam", "PJU di gang itu mati sejak Senin."),
        ("Banjir", "Air masuk rumah warga, jalan rusak."),
        ("", "Hanya isi tanpa judul: jalan rusak parah."),
    ]
    for title, text in texts:
        _document(runtime, title, text)
    region = runtime.catalog.regions["64.08"]
    for query in ['"jalan rusak" tidak', "(lampu OR pju) NEAR/3 (mati OR padam)", "jalan -banjir", "rusa*"]:
        compiled = parse(query)
        expected = sum(
            compiled.matches(watch_document(tokens(triage_text(t, x)), region, (), "wartakutim", ""))
            for t, x in texts
        )
        assert preview(runtime, _region_id(runtime), query, now=NOW).matched == expected, query

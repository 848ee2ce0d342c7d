"""Triage on plain strings with the shipped configuration and model: place status, vertical bodies, urgency,
watchlists, priority, explanations, and bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config.catalog import Catalog, load_catalog
from config.errors import ConfigError
from config.settings import CONFIG_DATA_DIR, get_settings
from nlp.model import ComplaintModel
from nlp.rules import URGENT_PRIORITY, compile_region, compile_urgency
from nlp.triage import IN_REGION, OUTSIDE_REGION, PLACE_UNKNOWN, Triage, TriageInput, Triager
from tests.nlp.linear_time import assert_linear

KUTIM = "64.08"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CONFIG_DATA_DIR, CONFIG_DATA_DIR / "sources.yaml")


@pytest.fixture(scope="module")
def triager(catalog: Catalog) -> Triager:
    return Triager(ComplaintModel.load(get_settings().model_path), catalog, 0.5, 0.3)


def _one(triager: Triager, text: str, title: str = "", source: str = "wartakutim") -> Triage:
    (result,) = triager.triage([TriageInput(text, KUTIM, title, source)])
    return result


def test_flood_in_a_kecamatan_is_urgent_located_and_explained(triager: Triager) -> None:
    result = _one(
        triager,
        "Banjir setinggi lutut merendam puluhan rumah warga di Desa Sepaso, Kecamatan Bengalon, sejak "
        "semalam. Warga meminta pemerintah segera memperbaiki saluran drainase yang tersumbat.",
    )
    assert result.band == "complaint"
    assert result.place_status == IN_REGION
    assert result.location is not None and result.location.kecamatan_name == "Bengalon"
    assert result.urgent and "banjir" in result.explanation["urgency"]
    assert result.priority >= URGENT_PRIORITY
    assert result.explanation["model_version"] == triager.model.version
    assert result.explanation["terms"]


def test_a_complaint_from_another_region_is_flagged_with_that_region(triager: Triager) -> None:
    result = _one(
        triager,
        "Warga Kota Samarinda mengeluhkan jalan berlubang di kawasan Sungai Kunjang yang tak kunjung "
        "diperbaiki. Sudah banyak pengendara motor terjatuh di lubang tersebut.",
    )
    assert result.place_status == OUTSIDE_REGION
    assert result.outside is not None and result.outside.name == "Kota Samarinda"
    assert result.outside.province == "Kalimantan Timur"


def test_a_complaint_without_a_place_is_flagged_unknown(triager: Triager) -> None:
    result = _one(triager, "Sampah menumpuk sudah dua minggu tidak diangkut, baunya sampai ke rumah warga.")
    assert result.place_status == PLACE_UNKNOWN and result.location is None and result.outside is None


def test_a_street_alone_locates_the_complaint_in_the_region(triager: Triager) -> None:
    result = _one(triager, "Lubang besar di Jalan Yos Sudarso belum juga ditambal, warga kesal.")
    assert result.place_status == IN_REGION
    assert result.streets == ["Jalan Yos Sudarso"]


@pytest.mark.parametrize(
    ("text", "agency"),
    [
        ("Jalan nasional di Kecamatan Kaliorang rusak parah dan berlubang, truk sering terperosok.", "BBPJN"),
        ("Listrik padam hampir setiap malam di Desa Sepaso, PLN tidak memberi kabar.", "PLN"),
        (
            "Pasien peserta BPJS ditolak puskesmas di Muara Wahau dengan alasan kartu tidak aktif.",
            "BPJS_KESEHATAN",
        ),
    ],
)
def test_bodies_outside_the_regional_government_get_the_item(
    triager: Triager, text: str, agency: str
) -> None:
    result = _one(triager, text)
    assert result.routes[0].agency_code == agency
    assert result.routes[0].agency_kind == "vertikal"
    assert result.explanation["vertical"]["agency"] == agency
    assert len(result.routes) > 1, "the routing table's choices stay as alternatives"


def test_a_watchlist_match_raises_priority_and_names_the_watchlist(triager: Triager) -> None:
    result = _one(
        triager, "Jembatan di jalan poros Sangatta - Bengalon putus diterjang arus, kendaraan tak bisa lewat."
    )
    names = [hit.name for hit in result.watchlists]
    assert "Jalan poros dan jembatan" in names
    assert result.explanation["watchlists"][0]["terms"]
    assert result.priority >= 2


def test_a_watchlist_on_a_kecamatan_uses_the_located_place(triager: Triager) -> None:
    result = _one(
        triager, "Lampu jalan di Kecamatan Sangatta Utara padam sebulan, warga minta segera diganti."
    )
    assert "Sangatta" in [hit.name for hit in result.watchlists]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "😡😡😡😡",
        "\x00\x01\x02\x1b[31m",
        "Jalan rusak parah!! " * 50_000,
        "lampu mati ya ga? " + "é" * 10_000,
        "Jalan kat kampung kami rosak teruk, lubang besar, tolong baiki segera",  # Malay
        "Dalane rusak parah, wis setaun ora didandani, bocah sekolah kudu mlaku",  # Javanese
        "The road to Sangatta is broken again, when will PUPR fix it? #kutim",  # English
    ],
)
def test_bad_input_gets_a_result_quickly(triager: Triager, text: str) -> None:
    result = _one(triager, text)
    assert_linear(lambda t: _one(triager, t), text)
    assert 0.0 <= result.complaint_score <= 1.0
    if not text.strip() or text.startswith("😡"):
        assert result.band == "not_complaint"


def test_a_watchlist_query_that_does_not_parse_names_file_and_line(tmp_path: Path) -> None:
    config = tmp_path / "data"
    shutil.copytree(CONFIG_DATA_DIR, config)
    region_file = next((config / "regions").glob("64.08-*.yaml"))
    text = region_file.read_text(encoding="utf-8")
    region_file.write_text(
        text.replace('\'wilayah:"Sangatta Utara" OR', '\'(wilayah:"Sangatta Utara" OR'), "utf-8"
    )
    catalog = load_catalog(config, config / "sources.yaml")
    with pytest.raises(ConfigError) as caught:
        compile_region(catalog.regions[KUTIM])
    assert caught.value.path == region_file
    line = next(
        i for i, row in enumerate(region_file.read_text("utf-8").splitlines(), 1) if "(wilayah:" in row
    )
    assert caught.value.line == line
    assert "query does not parse" in str(caught.value) and "▶" in str(caught.value)


def test_shipped_urgency_rules_compile(catalog: Catalog) -> None:
    assert {rule.name for rule in compile_urgency(catalog)} >= {"banjir", "longsor", "kebakaran"}

"""Kabupaten/kota outside the home region, and the national table they come from."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config.wilayah import build_kabkota, render_kabkota
from nlp.foreign_places import DEFAULT_TABLE, ForeignPlace, ForeignPlaceFinder
from nlp.text import tokens
from tests.nlp.linear_time import assert_linear, cpu_seconds


@pytest.fixture(scope="module")
def kutim() -> ForeignPlaceFinder:
    return ForeignPlaceFinder("64.08")


@pytest.fixture(scope="module")
def banjarbaru() -> ForeignPlaceFinder:
    return ForeignPlaceFinder("63.72")


def _codes(places: list[ForeignPlace]) -> list[str]:
    return [place.code for place in places]


def test_prefixed_and_bare_cities(kutim: ForeignPlaceFinder) -> None:
    places = kutim.find("Jalan rusak di Kota Samarinda, juga di Balikpapan dan kota bontang.")
    assert _codes(places) == ["64.72", "64.74", "64.71"]  # one mention each: prefixed ones first
    assert places[0] == ForeignPlace("64.72", "Kota Samarinda", "Kalimantan Timur", "Kota Samarinda")
    assert [p.evidence for p in places[1:]] == ["kota bontang", "Balikpapan"]


def test_longest_name_wins(kutim: ForeignPlaceFinder) -> None:
    (place,) = kutim.find("Banjir juga melanda Kabupaten Kutai Kartanegara")
    assert (place.code, place.name) == ("64.02", "Kabupaten Kutai Kartanegara")
    (place,) = kutim.find("Warga Kutai Barat mengeluh")
    assert place.code == "64.07"
    (place,) = kutim.find("Jalan di Penajam Paser Utara")
    assert place.code == "64.09"


def test_home_region_its_province_and_its_places_are_never_foreign(kutim: ForeignPlaceFinder) -> None:
    text = (
        "Banjir di Teluk Lingga, Kecamatan Sangatta Utara, Kabupaten Kutai Timur, Kalimantan Timur. "
        "Pemkab Kutim dan Pemprov Kaltim diminta turun tangan; Bengalon juga terdampak."
    )
    assert kutim.find(text) == []
    assert kutim.find("Kutai Timur") == []


def test_another_home_region(banjarbaru: ForeignPlaceFinder) -> None:
    assert banjarbaru.find("Lampu jalan di Kota Banjarbaru, Kalimantan Selatan padam") == []
    assert _codes(banjarbaru.find("Jalan rusak di Sangatta, Kutai Timur")) == ["64.08"]


def test_abbreviations_and_prefixes(kutim: ForeignPlaceFinder) -> None:
    places = kutim.find("Pemkab Kukar, Kab. Berau dan Prov. Kalsel sepakat")
    assert _codes(places) == ["64.02", "64.03", "63"]
    assert [p.evidence for p in places] == ["Pemkab Kukar", "Kab. Berau", "Prov. Kalsel"]
    assert places[2].name == "Provinsi Kalimantan Selatan"


def test_a_province_counts_only_without_one_of_its_kabupaten_kota(kutim: ForeignPlaceFinder) -> None:
    assert _codes(kutim.find("Jalan rusak di Kalimantan Selatan")) == ["63"]
    assert _codes(kutim.find("Jalan rusak di Banjarbaru, Kalimantan Selatan")) == ["63.72"]


def test_order_is_kabupaten_kota_then_mentions_then_position(kutim: ForeignPlaceFinder) -> None:
    text = "Jawa Timur, Samarinda, lalu Bontang, Bontang dan Kota Balikpapan"
    assert _codes(kutim.find(text)) == ["64.74", "64.71", "64.72", "35"]


@pytest.mark.parametrize(
    "text",
    [
        "Barat, Timur, Selatan, Tengah, Utara, kota",  # directions and "kota" alone are no place
        "jalan di kalimantan selatan dan samarinda",  # bare names must be capitalised
        "Nasi Padang di Sangatta enak, Batu Bara diangkut truk",  # stop list
        "Mie Aceh dan orang Banjar di Bengalon",
        "Batu Besar Menimpa Rumah Warga",  # title-case headline
        "Warga asal Bone dan asal Kota Malang bermukim di Sangatta",  # origin
        "Ruko di Jl. Balikpapan dan Jalan Samarinda, Sangatta",  # street names
        "Jalan poros Sangatta-Bontang rusak",  # a route
        "Perbaikan Jalan Poros Samarinda\u2013Bontang",
    ],
)
def test_what_is_not_a_foreign_place(kutim: ForeignPlaceFinder, text: str) -> None:
    assert kutim.find(text) == []


def test_prefixed_stop_names_still_count(kutim: ForeignPlaceFinder) -> None:
    assert _codes(kutim.find("Kota Batu, kota padang dan Kabupaten Agam")) == ["35.79", "13.71", "13.06"]


def test_shared_bare_names(kutim: ForeignPlaceFinder) -> None:
    assert _codes(kutim.find("Jambi")) == ["15"]  # province and kota: the province
    assert _codes(kutim.find("Bogor")) == ["32.71"]  # kota and kabupaten: the kota
    assert _codes(kutim.find("Kabupaten Bogor")) == ["32.01"]


def test_dateline_in_capitals_counts(kutim: ForeignPlaceFinder) -> None:
    assert _codes(kutim.find("SAMARINDA \u2013 Banjir kembali melanda")) == ["64.72"]


@pytest.mark.parametrize("text", ["", "   ", "🏙️🚧😡", "\x00\x07\x1b[0m", "Kota", "Kabupaten Kab. Prov."])
def test_bad_input_gives_nothing(kutim: ForeignPlaceFinder, text: str) -> None:
    assert kutim.find(text) == []


def test_control_characters_around_a_name(kutim: ForeignPlaceFinder) -> None:
    assert _codes(kutim.find("\x00Kota Samarinda\x07")) == ["64.72"]


def test_one_megabyte_takes_linear_time(kutim: ForeignPlaceFinder) -> None:
    text = ("Warga Kota Samarinda dan Sangatta Utara mengeluhkan jalan rusak. " * 16_000)[:1_000_000]
    assert _codes(kutim.find(text)) == ["64.72"]
    assert_linear(kutim.find, text)


def test_finding_places_costs_a_few_times_reading_the_words(kutim: ForeignPlaceFinder) -> None:
    """Against a baseline in the same process (``nlp.text.tokens`` of the same 1,000 characters, about 0.06
    ms): the finder takes about three times as long (measured 2026-11-30); a scan of every place name per
    call would take many times more. Speed itself is measured in ``bench/triage_bench.py``."""
    text = (
        "Warga Desa Sepaso, Kecamatan Bengalon, mengeluhkan jalan poros yang rusak parah sejak musim hujan. "
        "Pemkot Samarinda dan Kabupaten Kutai Kartanegara sudah memperbaiki jalan serupa. "
    ) * 6
    text = text[:1_000]
    assert _codes(kutim.find(text))  # a place of another region is found
    reading = cpu_seconds(lambda: [tokens(text) for _ in range(200)], repeat=5)
    finding = cpu_seconds(lambda: [kutim.find(text) for _ in range(200)], repeat=5)
    assert finding <= 12 * reading, f"{finding:.4f} s against {reading:.4f} s for the words"


def test_unknown_home_region_is_refused() -> None:
    with pytest.raises(ValueError, match=r"99\.99"):
        ForeignPlaceFinder("99.99")


def test_table_shape() -> None:
    table = yaml.safe_load(DEFAULT_TABLE.read_text(encoding="utf-8"))
    assert len(table["provinces"]) == 38
    assert len(table["kabkota"]) == 514
    by_code = {row["code"]: row for row in table["kabkota"]}
    assert by_code["64.72"] == {
        "code": "64.72",
        "name": "Kota Samarinda",
        "kind": "kota",
        "short_name": "Samarinda",
        "province_code": "64",
        "province_name": "Kalimantan Timur",
        "aliases": [],
    }
    assert by_code["31.72"]["short_name"] == "Jakarta Utara"  # "Kota Administrasi", trailing space dropped
    assert DEFAULT_TABLE.read_text(encoding="utf-8").startswith("# Generated by config.wilayah.write_kabkota")


@pytest.mark.shared_data
def test_table_is_up_to_date_with_the_builder(shared_data: Path) -> None:
    wilayah_csv = shared_data / "regions" / "wilayah.csv"
    if not wilayah_csv.exists():
        pytest.skip(f"{wilayah_csv} not present")
    assert DEFAULT_TABLE.read_text(encoding="utf-8") == render_kabkota(build_kabkota(wilayah_csv))

"""Street and lane names found in complaint texts, and the common noun "jalan" left alone."""

from __future__ import annotations

import pytest

from nlp.streets import MAX_STREETS, find_streets
from tests.nlp.linear_time import assert_linear


@pytest.mark.parametrize(
    ("text", "streets"),
    [
        ("Jalan Poros Sangatta-Bengalon rusak parah sejak Januari.", ["Jalan Poros Sangatta-Bengalon"]),
        ("Lubang besar di Jl. Yos Sudarso, Sangatta Utara", ["Jalan Yos Sudarso"]),
        ("Lampu mati di Jln Pendidikan dan jl.Soekarno-Hatta", ["Jalan Pendidikan", "Jalan Soekarno-Hatta"]),
        ("Longsor di Jalan Poros KM 12 arah Bengalon", ["Jalan Poros KM 12"]),
        ("Jalan Poros Km.12 berlubang", ["Jalan Poros KM 12"]),
        ("Banjir setinggi lutut di Gg. Mawar dan Gang Melati", ["Gang Mawar", "Gang Melati"]),
        ("Jalan Poros Sangatta \u2013 Bengalon macet", ["Jalan Poros Sangatta-Bengalon"]),
        ("Jln. Jend. Sudirman gelap, juga jalan 17 Agustus", ["Jalan Jend. Sudirman", "Jalan 17 Agustus"]),
        ("warga di jalan Yos Sudarso mengeluh", ["Jalan Yos Sudarso"]),
        ("JALAN POROS SANGATTA-BENGALON RUSAK", ["Jalan Poros Sangatta-Bengalon"]),
        ("Jalan Tol Balikpapan-Samarinda ditutup", ["Jalan Tol Balikpapan-Samarinda"]),
    ],
)
def test_street_names_are_found_and_normalised(text: str, streets: list[str]) -> None:
    assert find_streets(text) == streets


@pytest.mark.parametrize(
    "text",
    [
        "jalan rusak dan jalan berlubang di desa kami",
        "jalan menuju Tepian Langsat belum diaspal",
        "Jalan Rusak Parah, Warga Tanam Pisang",  # a title-case headline
        "Jalan Menuju Bengalon Longsor",
        "anak-anak jalan-jalan ke pasar, lalu berjalan pulang",
        "Jalan sepanjang 3 km rusak sejak 2024",
        "Jalan Nasional di Kaliorang rusak",
        "Gang sempit itu gelap",
    ],
)
def test_common_noun_jalan_is_no_street(text: str) -> None:
    assert find_streets(text) == []


def test_name_stops_at_punctuation_lowercase_and_house_parts() -> None:
    text = "Jalan Rusak di Jalan Poros Bengalon; rumah di Jl. Mawar No. 12 RT 03 dan Jalan Melati\nBaru"
    assert find_streets(text) == ["Jalan Poros Bengalon", "Jalan Mawar", "Jalan Melati"]


def test_repeats_are_dropped_order_kept_and_at_most_five() -> None:
    text = "Jl. Mawar, Jalan Melati, jalan Mawar, Jalan Kenanga, Gg. Anggrek, Jalan Dahlia, Jalan Cempaka"
    streets = find_streets(text)
    assert streets == ["Jalan Mawar", "Jalan Melati", "Jalan Kenanga", "Gang Anggrek", "Jalan Dahlia"]
    assert len(streets) == MAX_STREETS


def test_a_name_has_at_most_five_words() -> None:
    assert find_streets("Jalan Satu Dua Tiga Empat Lima Enam") == ["Jalan Satu Dua Tiga Empat Lima"]


@pytest.mark.parametrize(
    "text", ["", "   ", "🚧🚧🕳️😡", "\x00\x07\x1b[31mJalan\x00Mawar", "Jalan\u200bMawar", "Jl."]
)
def test_bad_input_gives_no_street(text: str) -> None:
    assert find_streets(text) == []


def test_control_characters_around_a_street() -> None:
    assert find_streets("\x00\tJalan Mawar\x07 rusak") == ["Jalan Mawar"]


@pytest.mark.parametrize(
    "text",
    [
        ("Warga Sangatta Utara mengeluhkan Jalan Poros Bengalon yang rusak parah. " * 14_000)[:1_000_000],
        "Jalan " * 170_000,
        "Jalan " + "A" * 1_000_000,
        ("Jl. Km" + " " * 3) * 100_000,
        "Jalan Mawar" + " " * 1_000_000 + "x",
    ],
    ids=["complaints", "street-words", "long-word", "km-marks", "long-gap"],
)
def test_one_megabyte_takes_linear_time(text: str) -> None:
    assert_linear(find_streets, text)

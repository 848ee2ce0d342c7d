"""Redaction of house addresses next to NIK, phone and e-mail, and public places that must stay."""

from __future__ import annotations

import time

import pytest

from nlp.redact import redact, redact_address


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        (
            "rumah saya di Jl. Mawar No. 12 RT 03 RW 05 Kel. Teluk Lingga",
            "rumah saya di [ALAMAT] Kel. Teluk Lingga",
        ),
        (
            "alamat: Jalan Yos Sudarso no 12A, RT.03/RW.05, Sangatta Utara",
            "alamat: [ALAMAT], Sangatta Utara",
        ),
        ("di jl mawar nomor 7 rt 2 air PDAM mati", "di [ALAMAT] air PDAM mati"),
        ("Jl. Melati Blok C-5 banjir", "[ALAMAT] banjir"),
        ("Gg. Mawar Blok C No 5 gelap", "[ALAMAT] gelap"),
        ("Perumahan Bukit Pelangi Blok B2 No 7 tergenang", "[ALAMAT] tergenang"),
        ("Perum. Griya Sangatta Permai blok A nomor 3", "[ALAMAT]"),
        ("Jalan Pendidikan No.12/3, RT 4", "[ALAMAT]"),
    ],
)
def test_house_addresses_are_redacted_whole(text: str, redacted: str) -> None:
    assert redact(text) == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Sampah menumpuk di RT 03 RW 05 Teluk Lingga", "Sampah menumpuk di [ALAMAT] Teluk Lingga"),
        ("warga RT.03/RW.05 mengeluh", "warga [ALAMAT] mengeluh"),
        ("RT/RW 003/005 Desa Sepaso", "[ALAMAT] Desa Sepaso"),
        ("Ketua RT 3 sudah melapor", "Ketua [ALAMAT] sudah melapor"),
        ("RW 5", "[ALAMAT]"),
    ],
)
def test_rt_rw_alone_is_redacted(text: str, redacted: str) -> None:
    assert redact(text) == redacted


@pytest.mark.parametrize(
    "text",
    [
        "Jalan Poros Bengalon rusak parah",
        "Jalan Poros KM 12 longsor, Km 12 arah Sangatta",
        "jalan nomor satu di Kaltim",
        "Sangatta nomor 1 di Indonesia, No. 1 di Indonesia",
        "Sesuai Perda Nomor 3 Tahun 2020",
        "Ketua RT sudah melapor ke lurah",
        "Produksi Blok Mahakam naik",
        "Jl. Mawar 12 gelap",
        "Jalan sepanjang 3 km rusak sejak 2024",
    ],
)
def test_public_places_and_numbers_without_a_street_stay(text: str) -> None:
    assert redact(text) == text


def test_address_next_to_nik_phone_and_email() -> None:
    text = "NIK 6408012345678901, Jl. Mawar No. 3 RT 2, HP 0812-3456-7890, surel warga@contoh.id"
    assert redact(text) == "NIK [NIK], [ALAMAT], HP [TELEPON], surel [EMAIL]"


def test_redact_address_touches_nothing_else() -> None:
    assert redact_address("0812-3456-7890 di Jl. Mawar No. 3") == "0812-3456-7890 di [ALAMAT]"


@pytest.mark.parametrize("text", ["", "   ", "🚧😡🕳️", "\x00\x07\x1b[0m", "No.", "RT", "Jl."])
def test_bad_input_is_returned_unchanged(text: str) -> None:
    assert redact(text) == text


def test_control_characters_around_an_address() -> None:
    assert redact("\x00Jl. Mawar No. 3\x07") == "\x00[ALAMAT]\x07"


@pytest.mark.parametrize(
    "text",
    [
        ("Rumah di Jl. Mawar No. 12 RT 03 kebanjiran, hubungi 081234567890. " * 15_000)[:1_000_000],
        "Jalan " * 170_000,
        "Jalan Mawar Blok C" + " " * 1_000_000,
        "a" * 1_000_000 + "@",
        "RT 3" + " " * 1_000_000,
    ],
    ids=["complaints", "street-words", "long-gap", "long-local-part", "rt-gap"],
)
def test_one_megabyte_takes_less_than_a_second(text: str) -> None:
    started = time.perf_counter()
    redact(text)
    assert time.perf_counter() - started < 1.0

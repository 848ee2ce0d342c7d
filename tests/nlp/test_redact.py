"""Redaction of personal data: the reviewer's misses, house addresses, public places that must stay, speed.

The recall and false-positive figures over the whole evaluation set are in test_redaction_set.py.
"""

from __future__ import annotations

import pytest

from nlp.redact import redact, redact_address
from tests.nlp.linear_time import assert_linear


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
    "text",
    [
        "Sampah menumpuk di RT 03 RW 05 Teluk Lingga",
        "warga RT.03/RW.05 mengeluh",
        "RT/RW 003/005 Desa Sepaso",
        "Ketua RT 3 sudah melapor",
        "RW 5",
    ],
)
def test_rt_rw_alone_stays(text: str) -> None:
    """Changed requirement (issue 8): the OPD needs the RT/RW to find the drain; it names no household."""
    assert redact(text) == text


def test_rt_rw_with_a_house_number_is_an_address() -> None:
    assert redact("Desa Sepaso RT 05 No. 17, dekat masjid") == "Desa Sepaso [ALAMAT], dekat masjid"


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("NIK 6408 0123 4567 0002", "NIK [NIK]"),
        ("NIK 6408.0123.4567.0003", "NIK [NIK]"),
        ("NIK 6408-0123-4567-0004", "NIK [NIK]"),
        ("hubungi 62 812 3456 7898", "hubungi [TELEPON]"),
        ("hubungi +62 (812) 3456 7800", "hubungi [TELEPON]"),
        ("telp (0549) 21234", "telp [TELEPON]"),
        ("telp 0549-21235", "telp [TELEPON]"),
        ("telp +62 549 21236", "telp [TELEPON]"),
        ("surel budi [at] gmail [dot] com", "surel [EMAIL]"),
        ("surel agus@localhost", "surel [EMAIL]"),
    ],
)
def test_the_reviewers_misses_are_redacted(text: str, redacted: str) -> None:
    assert redact(text) == redacted


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("No. KK 6408012701100005", "No. KK [NO_KK]"),
        ("NPWP 12.345.678.9-012.345", "NPWP [NPWP]"),
        ("No. Paspor: X 1234567", "No. Paspor: [PASPOR]"),
        ("nopol KT1234AB, truk DA 1234 XY", "nopol [NOPOL], truk [NOPOL]"),
        ("rek. BRI 0123-01-012345-50-1 a.n. Budi", "rek. BRI [REKENING] a.n. Budi"),
        ("ID pelanggan PLN 532101234567", "ID pelanggan PLN [NOMOR_ID]"),
        ("TTL: Sangatta, 12-03-1980", "TTL: Sangatta, [TGL_LAHIR]"),
        ("https://wa.me/6281234567891?text=Halo, terima kasih", "[TELEPON], terima kasih"),
    ],
)
def test_each_kind_has_its_placeholder_and_the_cue_stays(text: str, redacted: str) -> None:
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
        "1" * 1_000_000,
        "6408 " * 200_000,
        "12.345." * 142_857,
        "0812-" * 200_000,
        " " * 1_000_000,
        "." * 1_000_000,
        "+62 (" * 200_000,
        "NIK KK rek BRI lahir paspor nopol TTL " * 26_000,
        ("lahir" + " " * 40 + "x ") * 21_000,
        "a [at] " * 140_000,
        "a@b." * 250_000,
        "KT 1234 " * 125_000,
    ],
    ids=[
        *("complaints", "street-words", "long-gap", "long-local-part", "rt-gap", "digits", "digit-groups"),
        *("dotted-digits", "dashed-digits", "spaces", "dots", "phone-prefixes", "cue-words", "cue-gaps"),
        *("obfuscated-at", "at-signs", "plates"),
    ],
)
def test_one_megabyte_takes_linear_time(text: str) -> None:
    """A pattern that backtracks over the megabyte takes minutes: its time grows far faster than the text."""
    assert_linear(redact, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jalan berlubang di depan Jl. Mawar No. 12", "Jalan berlubang di depan [ALAMAT]"),
        ("Gang sempit di Jl. Kenanga No. 3 RT 02 tergenang", "Gang sempit di [ALAMAT] tergenang"),
        ("Jalan rusak, rumah di Gg. Damai No 7 retak", "Jalan rusak, rumah di [ALAMAT] retak"),
    ],
)
def test_an_address_starts_at_its_own_street_word(text: str, expected: str) -> None:
    """A street word used as a common noun before the address ("Jalan berlubang di depan ...") is not part
    of the address: only the nearest street, with its house number, is redacted."""
    assert redact(text) == expected

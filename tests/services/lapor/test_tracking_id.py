"""Tracking IDs as operators type them: the digits are kept, the decoration goes, anything else is refused
with a message that says what is expected."""

from __future__ import annotations

import pytest

from services.lapor.tracking_id import InvalidTrackingId, parse_tracking_id


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1234567", "1234567"),
        ("1234567890", "1234567890"),
        ("#1234567", "1234567"),
        ("  #1234567 \n", "1234567"),
        ("# 123 4567", "1234567"),
        ("12 34 56 78", "12345678"),
        ("\t1234\u00a0567", "1234567"),  # a no-break space pasted from a web page
        ("0012345", "0012345"),  # leading zeros are part of the ID
    ],
)
def test_typed_tracking_ids_are_normalised(typed: str, stored: str) -> None:
    assert parse_tracking_id(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "#",
        "123456",  # 6 digits
        "12345678901",  # 11 digits
        "LAP-1234567",
        "##1234567",
        "1234567#",
        "1234-567",
        "12345.67",
        "-1234567",
        "\u0661\u0662\u0663\u0664\u0665\u0666\u0667",  # Arabic-Indic digits: digits to Python, not to LAPOR!
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17",  # full-width digits
    ],
)
def test_anything_else_is_refused(typed: str) -> None:
    with pytest.raises(InvalidTrackingId):
        parse_tracking_id(typed)


def test_the_refusal_is_a_value_error_naming_the_input_and_the_rule() -> None:
    with pytest.raises(ValueError, match="7 sampai 10 angka") as caught:
        parse_tracking_id("LAP-12")

    message = str(caught.value)
    assert "'LAP-12'" in message
    assert "7 to 10 digits" in message
    assert "\n" not in message


def test_a_long_paste_is_clipped_in_the_message() -> None:
    with pytest.raises(InvalidTrackingId) as caught:
        parse_tracking_id("Nomor laporan Anda adalah " + "x" * 5000)

    assert len(str(caught.value)) < 250

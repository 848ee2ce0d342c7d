"""Redact personal data before text leaves Pantau: NIK, phone numbers, e-mail and house addresses.

A house address is what points at one household, not at a public place:

* a street, lane or housing estate (``Jalan``/``Jl``/``Jln``, ``Gang``/``Gg``, ``Perumahan``/``Perum``,
  ``Kompleks``/``Komplek``/``Komp``, ``Griya``, ``Villa``, ``Residence``, ``Cluster``) with one to five name
  words, followed by a house number ("No. 12", "no 12A", "nomor 7", "No. 12/3") or a block ("Blok C-5",
  "Blok B2", "Blok C No 5"), and any RT/RW that follows: the whole is replaced by ``[ALAMAT]``;
* an RT/RW on its own ("RT 03 RW 05", "RT.03/RW.05", "RT/RW 003/005", "RT 3", "RW 5"): ``[ALAMAT]``.

Kept on purpose, because they locate public infrastructure or are no address at all:

* a street without a house number: "Jalan Poros Bengalon rusak parah" stays (that is where the pothole is);
  so does "Jalan Poros KM 12" and "Jl. Mawar 12" (a bare number may be a kilometre or a lane number);
* a number without a street: "No. 1 di Indonesia", "Perda Nomor 3 Tahun 2020", "Km 12";
* "nomor" without digits: "jalan nomor satu di Kaltim";
* a block without a street: "Blok Mahakam" (an oil and gas block);
* the kelurahan, desa and kecamatan after an address ("[ALAMAT] Kel. Teluk Lingga"): they are public.

An RT without a number ("Ketua RT") stays; "Ketua RT 03" becomes "Ketua [ALAMAT]".
All patterns are precompiled and their repetitions bounded, so the time is linear in the text.
"""

from __future__ import annotations

import re

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_PHONE = re.compile(r"(?<![\w+])(?:\+62[\s-]?|62|0)8\d{1,3}[\s.-]?\d{3,4}[\s.-]?\d{3,5}(?!\d)")

_GAP = r"[ \t]*(?:,[ \t]*)?"
_PLACE_PREFIX = (
    r"(?i:(?:jalan|gang|perumahan|kompleks|komplek|griya|villa|residence|cluster)[ \t]+"
    r"|(?:jln?|gg|perum|komp)(?:\.[ \t]*|[ \t]+))"
)
# a word of a street or estate name, in any case, but not the house part that follows it
_PLACE_WORD = r"(?!(?i:no|nomor|nomer|blok|rt|rw)(?![\w'\u2019]))(?:[^\W\d_][\w'\u2019-]{0,29}\.?|\d{1,3})"
# atomic: the words never include the house part, so giving some back could not help
_PLACE = rf"(?<![\w-]){_PLACE_PREFIX}(?>{_PLACE_WORD}(?:[ \t]+{_PLACE_WORD}){{0,4}})"
_NUMBER = r"\d{1,4}[A-Za-z]?(?:[ \t]*[/-][ \t]*\d{1,4}[A-Za-z]?)?(?![\w])"
_HOUSE_NUMBER = rf"(?i:no|nomor|nomer)\.?[ \t]*{_NUMBER}"
_BLOCK = r"(?i:blok)\.?[ \t]*(?:[A-Za-z]{1,2}(?:[ \t]*(?:[-.][ \t]*)?\d{1,4}[A-Za-z]?)?|\d{1,4})(?![\w])"
_RT_RW = (
    r"(?<![\w])(?:(?i:rt)[ \t]*/[ \t]*(?i:rw)\.?[ \t]*\d{1,3}[ \t]*/[ \t]*\d{1,3}"
    r"|(?i:rt|rw)\.?[ \t]*\d{1,3}(?:[ \t]*(?:[/,][ \t]*)?(?i:rw)\.?[ \t]*\d{1,3})?)(?!\d)"
)
_ADDRESS = re.compile(
    rf"{_PLACE}{_GAP}(?:{_BLOCK}(?:{_GAP}{_HOUSE_NUMBER})?|{_HOUSE_NUMBER})(?:{_GAP}{_RT_RW})?"
)
_NEIGHBOURHOOD = re.compile(_RT_RW)
_REPEATED_ADDRESS = re.compile(rf"\[ALAMAT\](?:{_GAP}\[ALAMAT\])+")


def redact_address(text: str) -> str:
    """``text`` with house addresses and RT/RW replaced by ``[ALAMAT]`` (see the module docstring)."""
    text = _ADDRESS.sub("[ALAMAT]", text)
    text = _NEIGHBOURHOOD.sub("[ALAMAT]", text)
    return _REPEATED_ADDRESS.sub("[ALAMAT]", text)


def redact(text: str) -> str:
    """``text`` with NIK, phone numbers, e-mail and house addresses replaced by placeholders."""
    text = _EMAIL.sub("[EMAIL]", text)
    text = _NIK.sub("[NIK]", text)
    text = _PHONE.sub("[TELEPON]", text)
    return redact_address(text)

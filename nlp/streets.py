"""Street and lane names mentioned in a text ("Jalan Poros Sangatta-Bengalon", "Gang Mawar").

A mention is a street word (``Jalan``, ``Jln``, ``Jl``, ``Jl.``; ``Gang``, ``Gg``, ``Gg.``) followed by a name
of one to five words, each capitalised (or all capitals) or a kilometre mark ("KM 12"); it may start with
a number before such a word ("17 Agustus"); words may be joined by hyphens or dashes ("Sangatta-Bengalon").
The name ends at punctuation, at a lowercase word and at a word of :data:`NAME_STOP_WORDS` (what breaks,
where it leads, house numbers and RT/RW: "Jalan Rusak", "Jalan Menuju ...", "Jl. Mawar No. 12" gives
"Jalan Mawar").
So the common noun "jalan" ("jalan rusak", "jalan menuju desa", "jalan-jalan", "berjalan") is no street.

Everything is one precompiled regular expression whose repetitions are bounded, so the time is linear in
the text.
"""

from __future__ import annotations

import re
from itertools import groupby

MAX_STREETS = 5
# Words that end a street name (matched case-insensitively): conditions, directions, places, house parts,
# and function words that title-case headlines capitalise.
NAME_STOP_WORDS = (
    "rusak", "berlubang", "lubang", "parah", "licin", "becek", "berlumpur", "longsor", "amblas", "ambles",
    "retak", "tergenang", "banjir", "gelap", "macet", "rawan", "sempit",
    "menuju", "arah", "ke", "di", "dari", "dan", "atau", "yang", "itu", "ini", "tersebut", "sudah", "belum",
    "tidak", "masih", "akan", "bisa", "sejak", "saat", "kini", "hingga", "sampai", "sepanjang", "pada",
    "untuk", "dengan", "oleh", "karena", "warga",
    "nasional", "provinsi", "kabupaten", "kecamatan", "kelurahan", "kel", "kec", "desa", "ds", "kampung",
    "no", "nomor", "nomer", "blok", "rt", "rw", "jalan", "jl", "jln", "gang", "gg",
)  # fmt: skip
_TITLES = r"(?:Jend|Jenderal|Letjen|Mayjen|Brigjen|Kol|Let|Dr|Ir|Prof|KH|Hj|H|R|St)\."
_KM = r"K[Mm]\.?[ \t]?\d{1,4}(?:[.,]\d{1,3})?"
_CAP_WORD = r"[A-Z][A-Za-z'\u2019]{0,29}(?:-[A-Za-z0-9]{1,30}){0,3}(?![A-Za-z0-9'\u2019])"


def _alternation(words: tuple[str, ...]) -> str:
    """A regular expression matching any of ``words``, grouped by first letter so that it fails fast."""
    branches = []
    for first, group in groupby(sorted(set(words)), key=lambda word: word[0]):
        rests = sorted((word[1:] for word in group), key=len, reverse=True)
        branches.append(re.escape(first) + "(?:" + "|".join(map(re.escape, rests)) + ")")
    return "|".join(branches)


_NOT_A_STOP_WORD = rf"(?!(?i:{_alternation(NAME_STOP_WORDS)})(?![\w'\u2019]))"
NAME_WORD = rf"{_NOT_A_STOP_WORD}(?:{_TITLES}|{_KM}|{_CAP_WORD})"
"""One word of a street name (a regular expression), as used by :data:`STREET_REGEX`."""
# a name may start with a number when a word follows ("Jalan 17 Agustus")
_FIRST_WORD = rf"(?:\d{{1,3}}[ \t]+)?{NAME_WORD}"
_SEPARATOR = r"(?:[ \t]+(?:[-\u2013\u2014][ \t]*)?|[-\u2013\u2014][ \t]*)"
STREET_REGEX = re.compile(
    r"(?<![\w-])"
    r"(?:(?P<road>[Jj]alan|JALAN)[ \t]+|(?P<road_abbr>[Jj][Ll][Nn]?)(?:\.[ \t]*|[ \t]+)"
    r"|(?P<lane>[Gg]ang|GANG)[ \t]+|(?P<lane_abbr>[Gg][Gg])(?:\.[ \t]*|[ \t]+))"
    rf"(?P<name>{_FIRST_WORD}(?:{_SEPARATOR}{NAME_WORD}){{0,4}})"
)
"""A street word and the name after it; groups ``road``/``road_abbr``/``lane``/``lane_abbr`` and ``name``."""
_KM_WORD = re.compile(r"^K[Mm]\.?[ \t]?(?P<number>\d.*)$")
_DASH = re.compile(r"[ \t]*[-\u2013\u2014][ \t]*")
_DISPLAY_WORD = re.compile(r"K[Mm]\.?[ \t]?\d[\d.,]*|\S+")


def _display_word(word: str, all_caps: bool) -> str:
    km = _KM_WORD.match(word)
    if km:
        return "KM " + km.group("number")
    if all_caps and len(word) > 1 and not word.isdigit():
        return "-".join(part.capitalize() for part in word.split("-"))
    return word


def _display_name(name: str) -> str:
    """``name`` with dashes joined, spaces collapsed and an all-capitals name title-cased."""
    name = _DASH.sub("-", name)
    all_caps = not any(char.islower() for char in name)
    words = _DISPLAY_WORD.findall(name)
    return " ".join(_display_word(word, all_caps) for word in words)


def find_streets(text: str) -> list[str]:
    """Street and lane names in ``text`` ("Jalan ...", "Gang ..."), in order, without repeats, at most 5."""
    streets: list[str] = []
    seen: set[str] = set()
    seen_raw: set[str] = set()
    for match in STREET_REGEX.finditer(text):
        if match.group(0) in seen_raw:
            continue
        seen_raw.add(match.group(0))
        name = _display_name(match.group("name"))
        street = ("Gang " if match.group("lane") or match.group("lane_abbr") else "Jalan ") + name
        if street.lower() not in seen:
            seen.add(street.lower())
            streets.append(street)
            if len(streets) == MAX_STREETS:
                break
    return streets

"""Kabupaten/kota (and provinces) outside the home region named in a text: a complaint there is "bukan
wewenang" of the home government.

Matching is a case-insensitive phrase index (``nlp.phrases``) over the national table
``config/data/wilayah/indonesia-kabkota.yaml`` (built by :func:`config.wilayah.write_kabkota`). Where
matches overlap the longest wins ("Kutai Kartanegara" over "Kutai ..."; "Penajam Paser Utara" over
"Paser"). Precision matters more than recall, so:

* **Prefixed** names are always accepted, in any case: "Kota Samarinda", "Kabupaten Kutai Kartanegara",
  "Kab. Berau", "Kab Berau", "Pemkab Kukar", "Pemkot Balikpapan", "Provinsi Kalimantan Selatan",
  "Prov. Kalsel", "Pemprov Kaltara", and the official names.
* A **bare** short name or alias ("Samarinda", "Kutai Kartanegara", "Kukar", "Kalimantan Selatan",
  "Kalsel") is accepted only when every word of it is capitalised in the text and the name is not in
  :data:`BARE_STOP_NAMES` (ordinary words that headlines capitalise, person names, ethnic groups, dishes
  and shop names, landmarks and idioms). A bare name shared by a province and a kota ("Jambi",
  "Gorontalo") means the province; one shared by a kota and a kabupaten ("Malang", "Bogor") means the kota.
  "Barat", "Timur", "Selatan", "Tengah", "Utara" and "Kota" never match alone: only whole names do.
* A bare name is no place of the complaint right after a street or route word ("Jalan Samarinda",
  "Jl. Balikpapan", "poros Bontang"), nor next to a dash as part of a route ("Sangatta-Bontang"; an
  all-capitals dateline "SAMARINDA -" still counts). No name counts right after "asal" (origin: "warga
  asal Bone").
* The home region, its province, and every kecamatan/desa of the home gazetteer file (``CODE.yaml`` beside
  the table, when present) are matched too, so that they win overlaps ("Teluk Lingga" is no "Lingga"), and
  are then dropped: "Kutai Timur" and "Kalimantan Timur" are never foreign for 64.08.

A province is returned only when none of its kabupaten/kota is. Results are ordered best first: kabupaten/
kota before provinces, then by number of mentions, then by number of prefixed mentions, then by first
position. Only the first 100,000 characters are read; control characters count as spaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from config.settings import CONFIG_DATA_DIR
from nlp.phrases import Match, PhraseIndex, Tokens, longest_first

DEFAULT_TABLE = CONFIG_DATA_DIR / "wilayah" / "indonesia-kabkota.yaml"
MAX_CHARS = 100_000
BARE_STOP_NAMES = frozenset(
    name.lower()
    for name in (
        # ordinary Indonesian words and phrases
        "Batu", "Batang", "Buru", "Puncak", "Landak", "Lebak", "Kuningan", "Pati", "Kudus", "Lahat", "Kaur",
        "Badung", "Palu", "Serang", "Malang", "Medan", "Metro", "Tegal", "Binjai", "Ketapang", "Kotabaru",
        "Lingga", "Batu Bara", "Tebing Tinggi", "Tanah Datar", "Sungai Penuh", "Lima Puluh Kota",
        # person names, and words common in shop names
        "Agam", "Bima", "Gunung Mas", "Intan Jaya",
        # ethnic groups and dishes ("orang Banjar", "suku Paser", "nasi Padang", "mie Aceh")
        "Banjar", "Paser", "Karo", "Asmat", "Padang", "Aceh",
        # landmarks and idioms ("Danau Toba", "Laut Natuna", "Selat Malaka", "dari Sabang sampai Merauke")
        "Toba", "Natuna", "Malaka", "Kapuas", "Manggarai", "Sabang", "Merauke",
    )
)  # fmt: skip
"""Short names and aliases never accepted bare (a prefixed "Kota Batu" or "Kabupaten Agam" still is)."""

KABUPATEN_PREFIXES = ("kabupaten", "kabupaten administrasi", "kab.", "kab", "pemkab")
KOTA_PREFIXES = ("kota", "kota administrasi", "pemkot")
PROVINCE_PREFIXES = ("provinsi", "propinsi", "prov.", "prov", "pemprov")
ROUTE_WORDS = frozenset({"jalan", "jl", "jln", "gang", "gg", "poros", "jalur", "rute", "trayek"})
DASHES = frozenset({"-", "\u2013", "\u2014"})  # hyphen, en dash, em dash
ORIGIN_WORDS = frozenset({"asal"})
_HOME = "home"


@dataclass(frozen=True)
class ForeignPlace:
    """A kabupaten/kota (or province) outside the home region, with the text that named it."""

    code: str
    name: str  # "Kota Samarinda", "Kabupaten Kutai Kartanegara", "Provinsi Kalimantan Selatan"
    province: str
    evidence: str


@dataclass
class _Tally:
    place: ForeignPlace
    is_province: bool
    first: int
    mentions: int = 0
    prefixed: int = 0

    def sort_key(self) -> tuple[bool, int, int, int]:
        return (self.is_province, -self.mentions, -self.prefixed, self.first)


# a safe loader either way; the C one is ten times faster
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)


def _home_place_names(gazetteer_path: Path) -> list[str]:
    """Names and aliases of the kecamatan and desa of a gazetteer file, or none when it does not exist."""
    if not gazetteer_path.exists():
        return []
    names: list[str] = []
    for kec in _load_yaml(gazetteer_path).get("kecamatan", []):
        names += [kec["name"], *kec.get("aliases", [])]
        for desa in kec.get("desa", []):
            names += [desa["name"], *desa.get("aliases", [])]
    return names


class ForeignPlaceFinder:
    """Finds kabupaten/kota outside one home region; build once per process, it loads the national table."""

    def __init__(self, home_region_code: str, table_path: Path = DEFAULT_TABLE) -> None:
        table = _load_yaml(table_path)
        self.home_region_code = home_region_code
        home_codes = {home_region_code, home_region_code.split(".", 1)[0]}
        self.places: dict[str, tuple[str, str]] = {}  # code -> (name, province name)
        self.provinces: set[str] = set()
        self._explicit: dict[str, str] = {}  # lowercase phrase -> code
        self._bare: dict[str, str] = {}
        if home_region_code not in {row["code"] for row in table["kabkota"]}:
            raise ValueError(f"region {home_region_code} is not a kabupaten/kota of {table_path}")
        for row in table["provinces"]:
            self.provinces.add(row["code"])
            self.places[row["code"]] = ("Provinsi " + row["name"], row["name"])
            # the official name is a prefixed phrase only when it has more than the short name
            official = [row["name"]] if row["name"] != row["short_name"] else []
            self._add_phrases(row["code"], official, [row["short_name"], *row["aliases"]], PROVINCE_PREFIXES)
        for kind, prefixes in (("kabupaten", KABUPATEN_PREFIXES), ("kota", KOTA_PREFIXES)):
            for row in (row for row in table["kabkota"] if row["kind"] == kind):
                self.places[row["code"]] = (row["name"], row["province_name"])
                self._add_phrases(row["code"], [row["name"]], [row["short_name"], *row["aliases"]], prefixes)
        home_places = _home_place_names(table_path.parent / f"{home_region_code}.yaml")
        self._build_matcher(home_codes, home_places)

    def _add_phrases(
        self, code: str, official: list[str], names: list[str], prefixes: tuple[str, ...]
    ) -> None:
        """Register the prefixed and bare phrases of a place. Provinces come first, then kabupaten, then kota:
        a bare name shared by two places goes to the later one, unless a province has it."""
        for phrase in official + [f"{prefix} {name}" for prefix in prefixes for name in names]:
            self._explicit.setdefault(phrase.lower(), code)
        for name in names:
            key = name.lower()
            if key in BARE_STOP_NAMES or self._bare.get(key, "") in self.provinces:
                continue
            self._bare[key] = code

    def _build_matcher(self, home_codes: set[str], home_places: list[str]) -> None:
        self.index = PhraseIndex()
        home_phrases = {name.lower() for name in home_places}
        patterns: dict[str, set[str]] = {_HOME: set(home_phrases)}
        bare = {phrase: code for phrase, code in self._bare.items() if phrase not in self._explicit}
        for phrases, mode in ((self._explicit, "prefixed"), (bare, "bare")):
            for phrase, code in phrases.items():
                key = _HOME if code in home_codes or phrase in home_phrases else f"{code}|{mode}"
                patterns.setdefault(key, set()).add(phrase)
        for key, phrases_of_key in patterns.items():
            self.index.add(key, sorted(phrases_of_key))

    def find(self, text: str) -> list[ForeignPlace]:
        """Kabupaten/kota (else provinces) outside the home region named in ``text``, best first."""
        return self.find_in(Tokens.split(text, MAX_CHARS))

    def find_in(self, tokens: Tokens) -> list[ForeignPlace]:
        """``find`` over a text already split (triage splits a text once for both place finders)."""
        tallies: dict[str, _Tally] = {}
        for match in longest_first(self.index.matches(tokens)):
            if match.key == _HOME or tokens.previous_word(match.start) in ORIGIN_WORDS:
                continue
            code, mode = match.key.split("|")
            if mode == "bare" and not _reads_as_a_place(tokens, match):
                continue
            tally = tallies.get(code)
            if tally is None:
                name, province = self.places[code]
                tally = _Tally(
                    place=ForeignPlace(code, name, province, tokens.span_text(match.start, match.end)),
                    is_province=code in self.provinces,
                    first=match.start,
                )
                tallies[code] = tally
            tally.mentions += 1
            tally.prefixed += mode == "prefixed"
        found_provinces = {code.split(".", 1)[0] for code in tallies if code not in self.provinces}
        ranked = sorted(
            (t for code, t in tallies.items() if code not in found_provinces), key=_Tally.sort_key
        )
        return [tally.place for tally in ranked]


def _reads_as_a_place(tokens: Tokens, match: Match) -> bool:
    """Whether a bare name is written as a name and not as part of a street or route."""
    words = tokens.words[match.start : match.end]
    if not all(word[:1].isupper() for word in words if word.isalpha()):
        return False
    if tokens.previous_word(match.start) in ROUTE_WORDS:
        return False
    next_to_dash = (match.start > 0 and tokens.words[match.start - 1] in DASHES) or (
        match.end < len(tokens) and tokens.words[match.end] in DASHES
    )
    return not next_to_dash or tokens.span_text(match.start, match.end).isupper()

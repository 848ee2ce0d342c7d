"""Cuti bersama, the collective leave days set each year by SKB 3 Menteri, as shipped data.

The ``holidays`` package knows national holidays; cuti bersama change by decree (a day was added in August
2025), so Pantau ships them in ``data/cuti_bersama.yaml`` with the decree behind each day, where an operator
can read and correct them. A malformed file is a ``ConfigError`` naming the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from config.schema import IsoDate, Slug
from config.settings import CONFIG_DATA_DIR
from config.yaml_source import YamlDocument

CUTI_BERSAMA_FILE = CONFIG_DATA_DIR / "cuti_bersama.yaml"
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DecreeDef(_Strict):
    """A decree that sets cuti bersama: the SKB of the three ministers, its amendments, the ASN Keppres."""

    year: int = Field(ge=2000, le=2100, description="The year whose cuti bersama it sets")
    signed: IsoDate
    title: str = Field(min_length=1)


class CutiBersamaDef(_Strict):
    date: IsoDate
    occasion: str = Field(min_length=1)
    decrees: list[Slug] = Field(min_length=1, description="Keys of `decrees` that set this day")


class CutiBersamaFile(_Strict):
    decrees: dict[Slug, DecreeDef] = Field(min_length=1)
    days: list[CutiBersamaDef] = Field(default_factory=list)


@dataclass(frozen=True)
class CutiBersamaCalendar:
    """The validated file: each day with its occasion, and the years some decree covers."""

    occasions: dict[date, str]
    years: frozenset[int]

    def dates(self, year: int) -> frozenset[date]:
        return frozenset(day for day in self.occasions if day.year == year)


def load_cuti_bersama(path: Path = CUTI_BERSAMA_FILE) -> CutiBersamaCalendar:
    """Read and check ``path``: every day names known decrees of its own year, falls on a weekday (a
    Saturday is a typo: offices are closed anyway) and is listed once."""
    doc = YamlDocument.read(path)
    parsed = doc.validate(CutiBersamaFile)
    occasions: dict[date, str] = {}
    for i, entry in enumerate(parsed.days):
        day = date.fromisoformat(entry.date)
        for j, key in enumerate(entry.decrees):
            decree = parsed.decrees.get(key)
            if decree is None:
                raise doc.error(["days", i, "decrees", j], f"unknown decree {key!r}")
            if decree.year != day.year:
                raise doc.error(["days", i, "date"], f"{day} is not in {decree.year}, the year of {key!r}")
        if day.weekday() >= 5:
            raise doc.error(["days", i, "date"], f"{day} is a {_WEEKDAYS[day.weekday()]}, not a working day")
        if day in occasions:
            raise doc.error(["days", i, "date"], f"{day} is listed twice")
        occasions[day] = entry.occasion
    return CutiBersamaCalendar(occasions, frozenset(d.year for d in parsed.decrees.values()))


@lru_cache(maxsize=1)
def _shipped() -> CutiBersamaCalendar:
    return load_cuti_bersama(CUTI_BERSAMA_FILE)


def cuti_bersama(year: int) -> frozenset[date]:
    """The cuti bersama of ``year`` from the shipped file; empty for a year no decree covers yet
    (check ``covered_years``: a later year needs its SKB added to the file)."""
    return _shipped().dates(year)


def covered_years() -> frozenset[int]:
    """The years for which the shipped file lists a decree."""
    return _shipped().years

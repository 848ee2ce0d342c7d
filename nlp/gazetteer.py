"""Find where a text is: kecamatan and desa/kelurahan of a region, by a phrase index (``nlp.phrases``) over
the region's gazetteer (names and spelling variants, matched case-insensitively).

A desa name that is also an ordinary phrase is accepted only when written like a name (capitalised) or right
after a place word (desa, kelurahan, kampung, kec., ...). A desa whose kecamatan is also mentioned wins.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from config.schema import GazetteerFile
from nlp.phrases import PhraseIndex, Tokens

PLACE_WORDS = {"desa", "ds", "kelurahan", "kel", "kampung", "kecamatan", "kec", "dusun", "di"}


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    level: str  # kecamatan | desa | kelurahan
    kecamatan_code: str
    kecamatan_name: str


@dataclass(frozen=True)
class Location:
    region_code: str
    kecamatan_code: str | None
    kecamatan_name: str | None
    desa_code: str | None
    desa_name: str | None
    evidence: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        parts = []
        if self.desa_name:
            parts.append(f"Desa/Kel. {self.desa_name}")
        if self.kecamatan_name:
            parts.append(f"Kec. {self.kecamatan_name}")
        return ", ".join(parts)


class Gazetteer:
    """Place-name matcher for one region."""

    def __init__(self, gazetteer: GazetteerFile) -> None:
        self.region_code = gazetteer.region
        self.index = PhraseIndex()
        self.places: dict[str, Place] = {}
        for kec in gazetteer.kecamatan:
            self._add(Place(kec.code, kec.name, "kecamatan", kec.code, kec.name), [kec.name, *kec.aliases])
            for desa in kec.desa:
                place = Place(desa.code, desa.name, desa.kind, kec.code, kec.name)
                self._add(place, [desa.name, *desa.aliases])

    def _add(self, place: Place, names: list[str]) -> None:
        self.places[place.code] = place
        self.index.add(place.code, names)

    def locate(self, text: str) -> Location | None:
        """The most specific, best-supported place in ``text``, or None when it names none of the region's."""
        return self.locate_in(Tokens.split(text))

    def locate_in(self, tokens: Tokens) -> Location | None:
        """``locate`` over a text already split (triage splits a text once for both place finders)."""
        kecamatan: Counter[str] = Counter()
        desa: Counter[str] = Counter()
        evidence: dict[str, str] = {}
        for code, start, end in self.index.matches(tokens):
            place = self.places[code]
            as_name = tokens.words[start][:1].isupper() or tokens.previous_word(start) in PLACE_WORDS
            if place.level != "kecamatan" and not as_name:
                continue
            (kecamatan if place.level == "kecamatan" else desa)[code] += 1
            evidence.setdefault(code, tokens.span_text(start, end))
        if not kecamatan and not desa:
            return None
        best_desa = None
        if desa:
            # a desa inside a mentioned kecamatan beats one that is merely mentioned more often
            best_desa = max(desa, key=lambda c: (self.places[c].kecamatan_code in kecamatan, desa[c], c))
        if best_desa is not None:
            place = self.places[best_desa]
            kec_code, kec_name = place.kecamatan_code, place.kecamatan_name
        else:
            kec_code = max(kecamatan, key=lambda c: (kecamatan[c], c))
            kec_name = self.places[kec_code].name
        return Location(
            region_code=self.region_code,
            kecamatan_code=kec_code,
            kecamatan_name=kec_name,
            desa_code=best_desa,
            desa_name=self.places[best_desa].name if best_desa else None,
            evidence=sorted(set(evidence.values())),
        )

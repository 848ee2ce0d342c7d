"""Gazetteer, routing and redaction on plain strings."""

from __future__ import annotations

import pytest

from config.catalog import Catalog, load_catalog
from config.settings import CONFIG_DATA_DIR
from nlp.gazetteer import Gazetteer
from nlp.redact import redact
from nlp.routing import route


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(CONFIG_DATA_DIR, CONFIG_DATA_DIR / "sources.yaml")


@pytest.fixture(scope="module")
def kutim(catalog: Catalog) -> Gazetteer:
    return Gazetteer(catalog.regions["64.08"].gazetteer)


def test_desa_and_its_kecamatan(kutim: Gazetteer) -> None:
    place = kutim.locate("Jalan poros Desa Tepian Langsat, Kecamatan Bengalon, rusak parah.")
    assert place is not None
    assert (place.kecamatan_name, place.desa_name) == ("Bengalon", "Tepian Langsat")
    assert place.desa_code == "64.08.09.2004"


def test_spelling_variant_and_abbreviation(kutim: Gazetteer) -> None:
    place = kutim.locate("Lampu jalan mati di kec. Kongbeng sudah sebulan")
    assert place is not None and place.kecamatan_name == "Kombeng" and place.desa_code is None


def test_lowercase_desa_name_needs_a_place_word(kutim: Gazetteer) -> None:
    assert kutim.locate("kami pergi ke tepian langsat kemarin") is None
    place = kutim.locate("jalan di desa tepian langsat rusak")
    assert place is not None and place.desa_name == "Tepian Langsat"


def test_text_without_a_place_of_the_region(kutim: Gazetteer) -> None:
    assert kutim.locate("Jalan rusak parah di Kota Malang tidak diperbaiki") is None


def test_routing_follows_the_region_table(catalog: Catalog) -> None:
    kutim = catalog.regions["64.08"]
    choices = route(kutim, [("PJU", 0.8), ("JALAN", 0.1), ("DRAINASE", 0.05)])
    assert [c.agency_code for c in choices] == ["PERKIM", "PUPR"]  # DRAINASE is PUPR too: listed once
    (power,) = route(kutim, [("LISTRIK", 0.9)])
    assert (power.agency_code, power.agency_kind) == ("PLN", "vertikal")
    banjarbaru = catalog.regions["63.72"]
    assert route(banjarbaru, [("KEBAKARAN", 1.0)])[0].agency_code == "SATPOL_PP"


def test_redaction_of_nik_phone_and_email() -> None:
    text = "NIK 6408012345678901, hubungi 0812-3456-7890 atau +62 812 3456 7890, surel warga@contoh.id."
    assert redact(text) == "NIK [NIK], hubungi [TELEPON] atau [TELEPON], surel [EMAIL]."
    assert redact("Jalan sepanjang 3 km rusak sejak 2024") == "Jalan sepanjang 3 km rusak sejak 2024"

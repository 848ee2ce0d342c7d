"""The shipped configuration loads, and every kind of bad file stops with its file, line and fault."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from config.catalog import load_catalog
from config.errors import ConfigError
from config.settings import CONFIG_DATA_DIR, Settings

REGION_FILE = "regions/64.08-kutai-timur.yaml"


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(CONFIG_DATA_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def test_shipped_configuration_loads() -> None:
    catalog = load_catalog(CONFIG_DATA_DIR, CONFIG_DATA_DIR / "sources.yaml")
    kutim = catalog.regions["64.08"]
    assert len(kutim.gazetteer.kecamatan) == 18
    assert sum(len(k.desa) for k in kutim.gazetteer.kecamatan) == 141
    assert set(catalog.regions) == {"64.08", "63.72"}
    assert kutim.agency_for("JALAN").code == "PUPR"
    assert kutim.agency_for("PJU").code == "PERKIM"
    assert kutim.agency_for("LISTRIK").kind == "vertikal"


def test_every_function_is_routed_in_every_region() -> None:
    catalog = load_catalog(CONFIG_DATA_DIR, CONFIG_DATA_DIR / "sources.yaml")
    for region in catalog.regions.values():
        assert set(region.definition.routes) == set(catalog.functions)


def test_route_to_unknown_agency_names_file_and_line(config_copy: Path) -> None:
    region_file = config_copy / REGION_FILE
    _edit(region_file, "  SAMPAH: DLH", "  SAMPAH: DINAS_SAMPAH")
    with pytest.raises(ConfigError) as caught:
        load_catalog(config_copy, config_copy / "sources.yaml")
    assert caught.value.path == region_file
    assert caught.value.line == _line_of(region_file, "SAMPAH: DINAS_SAMPAH")
    assert "unknown agency 'DINAS_SAMPAH'" in str(caught.value)


def test_duplicate_key_names_its_line(config_copy: Path) -> None:
    region_file = config_copy / REGION_FILE
    _edit(region_file, "  SAMPAH: DLH\n", "  SAMPAH: DLH\n  JALAN: DLH\n")
    with pytest.raises(ConfigError) as caught:
        load_catalog(config_copy, config_copy / "sources.yaml")
    assert caught.value.line == _line_of(region_file, "JALAN: DLH")
    assert "duplicate key 'JALAN'" in caught.value.message


def test_wrong_type_names_its_line(config_copy: Path) -> None:
    region_file = config_copy / REGION_FILE
    _edit(region_file, "verification_working_days: 3", "verification_working_days: tiga")
    with pytest.raises(ConfigError) as caught:
        load_catalog(config_copy, config_copy / "sources.yaml")
    assert caught.value.line == _line_of(region_file, "verification_working_days: tiga")
    assert "deadlines.verification_working_days" in caught.value.message


def test_broken_yaml_names_its_line(config_copy: Path) -> None:
    functions = config_copy / "functions.yaml"
    _edit(functions, "  - {code: PJU,", "  - {code: PJU,,: [")
    with pytest.raises(ConfigError) as caught:
        load_catalog(config_copy, config_copy / "sources.yaml")
    assert caught.value.path == functions
    assert caught.value.line is not None and caught.value.line >= _line_of(functions, "code: PJU")


def test_missing_route_is_refused(config_copy: Path) -> None:
    _edit(config_copy / REGION_FILE, "  KEBAKARAN: DAMKAR\n", "")
    with pytest.raises(ConfigError, match=r"no route for function.*KEBAKARAN"):
        load_catalog(config_copy, config_copy / "sources.yaml")


def test_desa_outside_its_kecamatan_is_refused(config_copy: Path) -> None:
    _edit(config_copy / "wilayah/64.08.yaml", "code: 64.08.09.2001", "code: 64.08.10.2001")
    with pytest.raises(ConfigError, match=r"desa 64\.08\.10\.2001 is not in kecamatan 64\.08\.09"):
        load_catalog(config_copy, config_copy / "sources.yaml")


def test_source_with_unknown_region_is_refused(tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - slug: x\n    name: X\n    region: '99.99'\n    platform: rss\n    url: http://x.test/feed\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_catalog(CONFIG_DATA_DIR, sources)
    assert caught.value.line == 4
    assert "unknown region '99.99'" in caught.value.message


def test_review_threshold_above_complaint_threshold_is_refused() -> None:
    with pytest.raises(ValueError, match="review_threshold"):
        Settings(complaint_threshold=0.4, review_threshold=0.6)

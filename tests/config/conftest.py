"""A writable copy of the shipped configuration, to break one file at a time."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from config.catalog import Catalog, load_catalog
from config.settings import CONFIG_DATA_DIR


@dataclass(frozen=True)
class ConfigCopy:
    root: Path

    def path(self, name: str) -> Path:
        return self.root / name

    def edit(self, name: str, old: str, new: str) -> Path:
        """Replace the first ``old`` in file ``name`` by ``new``; ``old`` must be there."""
        path = self.path(name)
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {path}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    def line_of(self, name: str, needle: str) -> int:
        """The first line of file ``name`` that contains ``needle``."""
        for number, line in enumerate(self.path(name).read_text(encoding="utf-8").splitlines(), start=1):
            if needle in line:
                return number
        raise AssertionError(f"{needle!r} not in {name}")

    def load(self) -> Catalog:
        return load_catalog(self.root, self.root / "sources.yaml")


@pytest.fixture
def config(tmp_path: Path) -> ConfigCopy:
    target = tmp_path / "data"
    shutil.copytree(CONFIG_DATA_DIR, target)
    return ConfigCopy(target)

"""Recall and false positives of ``redact()`` on the hand-written evaluation set (docs/redaction.md).

Recall: a sensitive substring counts as removed when it is gone from the redacted text and none of its runs
of four or more digits survives elsewhere (a half-redacted "6408 [NIK]" leaks). False positives: a
not-personal text that comes back changed, or a substring to keep that is gone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from nlp.redact import redact

DATA = Path(__file__).parent / "data"
PLACEHOLDERS = {
    "nik": "[NIK]",
    "no_kk": "[NO_KK]",
    "npwp": "[NPWP]",
    "telepon": "[TELEPON]",
    "whatsapp": "[TELEPON]",
    "email": "[EMAIL]",
    "paspor": "[PASPOR]",
    "nopol": "[NOPOL]",
    "rekening": "[REKENING]",
    "nomor_id": "[NOMOR_ID]",
    "tgl_lahir": "[TGL_LAHIR]",
    "alamat": "[ALAMAT]",
}
DIGIT_RUN = re.compile(r"\d{4,}")


def load(name: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    return entries


@dataclass
class Figures:
    items: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    labelled: Counter[str] = field(
        default_factory=Counter
    )  # removed, and the category's placeholder is there
    misses: list[str] = field(default_factory=list)
    kept_lost: list[str] = field(default_factory=list)

    def recall(self, category: str | None = None) -> float:
        if category is None:
            return sum(self.removed.values()) / sum(self.items.values())
        return self.removed[category] / self.items[category]


def leaks(text: str, item: str, redacted: str) -> bool:
    """Whether ``item`` or one of its digit runs found nowhere else in ``text`` is still in ``redacted``."""
    if item in redacted:
        return True
    rest = text.replace(item, "")
    return any(run not in rest and run in redacted for run in DIGIT_RUN.findall(item))


def measure(entries: list[dict[str, Any]]) -> Figures:
    figures = Figures()
    for entry in entries:
        text = entry["text"]
        redacted = redact(text)
        for category, items in entry.get("remove", {}).items():
            for item in items:
                figures.items[category] += 1
                if leaks(text, item, redacted):
                    figures.misses.append(f"{category}: {item!r} in {redacted!r}")
                    continue
                figures.removed[category] += 1
                figures.labelled[category] += PLACEHOLDERS[category] in redacted
        figures.kept_lost += [
            f"{kept!r} in {redacted!r}" for kept in entry.get("keep", []) if kept not in redacted
        ]
    return figures


@pytest.fixture(scope="module")
def personal() -> Figures:
    return measure(load("personal_data.yaml"))


def test_the_sets_are_large_enough_and_well_formed() -> None:
    personal_entries = load("personal_data.yaml")
    not_personal_entries = load("not_personal_data.yaml")
    assert len(personal_entries) >= 200 and len(not_personal_entries) >= 100
    for entry in personal_entries + not_personal_entries:
        assert set(entry) <= {"text", "remove", "keep"}, entry
        for category, items in entry.get("remove", {}).items():
            assert category in PLACEHOLDERS, category
            assert all(item in entry["text"] for item in items), entry
        assert all(kept in entry["text"] for kept in entry.get("keep", [])), entry
    assert all("remove" in entry for entry in personal_entries)
    assert not any("remove" in entry for entry in not_personal_entries)


@pytest.mark.parametrize("category", sorted(PLACEHOLDERS))
def test_recall_per_category(personal: Figures, category: str) -> None:
    assert personal.items[category] >= 10
    missed = [miss for miss in personal.misses if miss.startswith(f"{category}:")]
    assert personal.recall(category) == 1.0, missed


def test_overall_recall(personal: Figures) -> None:
    assert personal.recall() == 1.0, personal.misses


def test_each_item_gets_the_placeholder_of_its_category(personal: Figures) -> None:
    wrong = {category: personal.removed[category] - personal.labelled[category] for category in PLACEHOLDERS}
    assert not any(wrong.values()), wrong


def test_public_parts_of_personal_texts_stay(personal: Figures) -> None:
    assert personal.kept_lost == []


def test_no_false_positives() -> None:
    entries = load("not_personal_data.yaml")
    changed = [
        f"{entry['text']!r} -> {redact(entry['text'])!r}"
        for entry in entries
        if "keep" not in entry and redact(entry["text"]) != entry["text"]
    ]
    lost = measure(entries).kept_lost
    assert (changed, lost) == ([], [])

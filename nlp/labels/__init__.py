"""The team's labels (``*.csv`` beside this file), joined to texts in ``../shared/data`` at run time.

Labels were made by reading each text under ``docs/labelling-guideline.md``. A text is keyed by ``text_id``;
the held-out split is a fixed function of that id, so no model is ever trained on the evaluation rows.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from config.errors import PantauError

LABELS_DIR = Path(__file__).resolve().parent
HELD_OUT_PERCENT = 25


def text_id(text: str) -> str:
    """The stable id of a text: the first 16 hex digits of the SHA-1 of its stripped UTF-8 bytes."""
    return hashlib.sha1(text.strip().encode("utf-8")).hexdigest()[:16]


def is_held_out(key: str) -> bool:
    """Whether a text (by id or any stable key) belongs to the held-out evaluation split."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 100 < HELD_OUT_PERCENT


class UnmatchedLabels(PantauError, ValueError):
    """A label file names texts the data does not have: labels of another version of the data, or of the
    wrong file. Training refuses it rather than learn from fewer labels than the file claims."""


@dataclass(frozen=True)
class Label:
    label: str  # complaint | not_complaint
    function: str | None


def read_labels(*names: str) -> dict[str, Label]:
    """Labels from the named CSV files (``id,label,function``); a later file does not override an id."""
    labels: dict[str, Label] = {}
    for name in names:
        with (LABELS_DIR / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                labels.setdefault(row["id"], Label(row["label"], row["function"] or None))
    return labels


def ids_in(name: str) -> list[str]:
    """The text ids a label file labels, in its order."""
    with (LABELS_DIR / name).open(encoding="utf-8", newline="") as handle:
        return [row["id"] for row in csv.DictReader(handle)]


def require_matched(names: Collection[str], known: Collection[str], data: Path) -> None:
    """Refuse (``UnmatchedLabels``) when a label file names a text id that no text of ``data`` has, with
    the file and how many of its ids match nothing."""
    for name in names:
        ids = ids_in(name)
        missing = sum(1 for key in ids if key not in known)
        if missing:
            raise UnmatchedLabels(
                f"{LABELS_DIR / name}: {missing} dari {len(ids)} label tidak cocok dengan teks mana pun di "
                f"{data}; pelatihan ditolak (data berbeda versi, atau berkas label yang salah)"
            )

"""The models an installation has trained, and which one triage uses.

Trained models live in ``<var_dir>/models/`` as ``<version>.skops`` with their card ``<version>.card.json``
(what they were trained on, their held-out figures, and the eval gate's verdict). ``active.json`` beside
them says which one is in force: a stack of promoted versions, the last one active, with a log of every
promotion and rollback (who, when, why, forced or not). With nothing promoted, or every promotion rolled
back, the model bundled with Pantau (``settings.model_path``, ``nlp/models/complaint-model.skops``) is the
active one. A model is never deleted here: rolling back only moves the pointer.

No database here (``nlp`` never imports ``db``): the audit log entry of a promotion is written by
``services.model_registry``, which calls this module.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from config.errors import PantauError

POINTER = "active.json"
CARD_SUFFIX = ".card.json"
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")


class RegistryError(PantauError):
    """A registry request that cannot be done: an unknown version, a model that did not pass its gate, a
    rollback with nothing to roll back to. The message is for the person who asked."""


@dataclass(frozen=True)
class Entry:
    version: str
    path: Path
    trained_at: str | None
    card: dict[str, Any]
    bundled: bool
    active: bool

    @property
    def gate_passed(self) -> bool | None:
        """The eval gate's verdict stored in the card (None: the card has none)."""
        gate = self.card.get("gate")
        return None if not isinstance(gate, dict) else bool(gate.get("passed"))


def card_path(model_path: Path) -> Path:
    return model_path.with_suffix(CARD_SUFFIX)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise RegistryError(f"{path} tidak terbaca: {exc}") from None
    return value if isinstance(value, dict) else {}


def _write_json(path: Path, value: dict[str, Any]) -> None:
    """Write ``value`` whole or not at all (a reader never sees half a pointer)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")
    os.replace(temporary, path)


class ModelRegistry:
    def __init__(self, directory: Path, bundled: Path) -> None:
        self.directory = directory
        self.bundled = bundled

    # -- reading ---------------------------------------------------------------------------------------------

    @property
    def bundled_version(self) -> str:
        return str(_read_json(card_path(self.bundled)).get("version") or self.bundled.stem)

    def _pointer(self) -> dict[str, Any]:
        pointer = _read_json(self.directory / POINTER)
        pointer.setdefault("stack", [])
        pointer.setdefault("log", [])
        return pointer

    def active_version(self) -> str:
        stack = self._pointer()["stack"]
        return str(stack[-1]) if stack else self.bundled_version

    def model_path(self, version: str) -> Path:
        if version == self.bundled_version:
            return self.bundled
        if not _VERSION.match(version):
            raise RegistryError(f"versi model {version!r} tidak sah")
        path = self.directory / f"{version}.skops"
        if not path.is_file():
            raise RegistryError(f"tidak ada model {version} di {self.directory}")
        return path

    def active_path(self) -> Path:
        """The model triage loads: the last promoted one, else the bundled one."""
        return self.model_path(self.active_version())

    def entries(self) -> list[Entry]:
        """Every model: the bundled one first, then the trained ones, oldest first."""
        active = self.active_version()
        bundled_card = _read_json(card_path(self.bundled))
        found = [
            Entry(
                self.bundled_version,
                self.bundled,
                bundled_card.get("trained_at"),
                bundled_card,
                bundled=True,
                active=active == self.bundled_version,
            )
        ]
        trained = []
        if self.directory.is_dir():
            for path in self.directory.glob(f"*{CARD_SUFFIX}"):
                card = _read_json(path)
                version = str(card.get("version") or path.name.removesuffix(CARD_SUFFIX))
                model = self.directory / f"{version}.skops"
                if model.is_file() and version != self.bundled_version:
                    trained.append(
                        Entry(
                            version,
                            model,
                            card.get("trained_at"),
                            card,
                            bundled=False,
                            active=active == version,
                        )
                    )
        return found + sorted(trained, key=lambda e: (e.trained_at or "", e.version))

    def entry(self, version: str) -> Entry:
        for entry in self.entries():
            if entry.version == version:
                return entry
        raise RegistryError(f"tidak ada model {version}; lihat `pantau model list`")

    def log(self) -> list[dict[str, Any]]:
        return list(self._pointer()["log"])

    # -- writing ---------------------------------------------------------------------------------------------

    def new_path(self, version: str) -> Path:
        """Where a newly trained model of ``version`` goes: a version already taken gets a suffix (``-2``)."""
        self.directory.mkdir(parents=True, exist_ok=True)
        candidate, n = version, 1
        while (self.directory / f"{candidate}.skops").exists() or candidate == self.bundled_version:
            n += 1
            candidate = f"{version}-{n}"
        return self.directory / f"{candidate}.skops"

    def update_card(self, version: str, **fields: Any) -> dict[str, Any]:
        path = card_path(self.model_path(version))
        card = {**_read_json(path), **fields}
        _write_json(path, card)
        return card

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        """The pointer, read and written under a lock, so two promotions cannot lose one another."""
        self.directory.mkdir(parents=True, exist_ok=True)
        with (self.directory / ".active.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            pointer = self._pointer()
            yield pointer
            _write_json(self.directory / POINTER, pointer)

    def promote(self, version: str, *, actor: str, reason: str, force: bool = False) -> tuple[str, str]:
        """Make ``version`` the active model; refused unless its card says it passed the eval gate, or
        ``force`` with a reason. Returns (previous active version, new active version)."""
        entry = self.entry(version)
        passed = entry.gate_passed or entry.bundled  # the bundled model is gated by the test suite
        if not passed and not force:
            verdict = "tidak lolos" if entry.gate_passed is False else "belum dinilai"
            raise RegistryError(
                f"model {version} {verdict} gerbang evaluasi: tidak dipromosikan (pakai --force dengan "
                "--reason bila memang harus)"
            )
        if force and not passed and not reason.strip():
            raise RegistryError("promosi paksa perlu alasan (--reason)")
        with self._locked() as pointer:
            before = str(pointer["stack"][-1]) if pointer["stack"] else self.bundled_version
            if before == version:
                raise RegistryError(f"model {version} sudah aktif")
            pointer["stack"].append(version)
            pointer["log"].append(_logged("promote", version, before, actor, reason, force and not passed))
        return before, version

    def rollback(self, *, actor: str, reason: str) -> tuple[str, str]:
        """Back to the model that was active before the current one (the bundled one at the bottom).
        Returns (rolled back version, new active version)."""
        with self._locked() as pointer:
            if not pointer["stack"]:
                raise RegistryError(
                    f"tidak ada promosi untuk dibatalkan: model bawaan {self.bundled_version} aktif"
                )
            before = str(pointer["stack"].pop())
            after = str(pointer["stack"][-1]) if pointer["stack"] else self.bundled_version
            pointer["log"].append(_logged("rollback", after, before, actor, reason, False))
        return before, after


def _logged(action: str, version: str, before: str, actor: str, reason: str, forced: bool) -> dict[str, Any]:
    return {
        "action": action,
        "version": version,
        "before": before,
        "by": actor,
        "reason": reason.strip(),
        "forced": forced,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }

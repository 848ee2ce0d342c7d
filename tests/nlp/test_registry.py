"""The model registry (``nlp.registry``): the bundled model is active until a model is promoted; promotion
needs a passed eval gate (or force with a reason); rollback walks back through what was active before; a
trained model is never overwritten. Plain files: no model is loaded or trained here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.registry import ModelRegistry, RegistryError, card_path


def _registry(tmp_path: Path) -> ModelRegistry:
    bundled = tmp_path / "bundled" / "complaint-model.skops"
    bundled.parent.mkdir()
    bundled.write_bytes(b"bawaan")
    card_path(bundled).write_text(json.dumps({"version": "bawaan-1", "trained_at": "2026-11-22T07:00:00"}))
    return ModelRegistry(tmp_path / "var" / "models", bundled)


def _add(registry: ModelRegistry, version: str, passed: bool | None, trained_at: str) -> Path:
    path = registry.new_path(version)
    path.write_bytes(b"model")
    card: dict[str, object] = {"version": path.stem, "trained_at": trained_at}
    if passed is not None:
        card["gate"] = {"passed": passed}
    card_path(path).write_text(json.dumps(card))
    return path


def test_the_bundled_model_is_active_until_something_is_promoted(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    assert registry.active_version() == "bawaan-1"
    assert registry.active_path() == registry.bundled
    (entry,) = registry.entries()
    assert entry.bundled and entry.active and entry.trained_at == "2026-11-22T07:00:00"
    with pytest.raises(RegistryError, match="tidak ada promosi untuk dibatalkan"):
        registry.rollback(actor="user:a", reason="")


def test_promotion_needs_a_passed_gate_or_force_with_a_reason(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    _add(registry, "m-lolos", True, "2026-11-29T10:00:00")
    _add(registry, "m-gagal", False, "2026-11-29T11:00:00")
    _add(registry, "m-tanpa-kartu-gerbang", None, "2026-11-29T12:00:00")
    with pytest.raises(RegistryError, match="m-gagal tidak lolos gerbang evaluasi"):
        registry.promote("m-gagal", actor="user:a", reason="")
    with pytest.raises(RegistryError, match="belum dinilai"):
        registry.promote("m-tanpa-kartu-gerbang", actor="user:a", reason="")
    with pytest.raises(RegistryError, match="perlu alasan"):
        registry.promote("m-gagal", actor="user:a", reason=" ", force=True)
    with pytest.raises(RegistryError, match="tidak ada model m-lain"):
        registry.promote("m-lain", actor="user:a", reason="")
    assert registry.active_version() == "bawaan-1"  # nothing refused moved the pointer

    assert registry.promote("m-lolos", actor="user:a", reason="") == ("bawaan-1", "m-lolos")
    assert registry.promote("m-gagal", actor="user:b", reason="darurat", force=True) == ("m-lolos", "m-gagal")
    assert registry.active_path() == registry.directory / "m-gagal.skops"
    assert [e.version for e in registry.entries() if e.active] == ["m-gagal"]
    forced = registry.log()[-1]
    assert (forced["action"], forced["by"], forced["reason"], forced["forced"]) == (
        "promote",
        "user:b",
        "darurat",
        True,
    )

    assert registry.rollback(actor="user:a", reason="salah") == ("m-gagal", "m-lolos")
    assert registry.rollback(actor="user:a", reason="") == ("m-lolos", "bawaan-1")
    assert registry.active_path() == registry.bundled
    assert [row["action"] for row in registry.log()] == ["promote", "promote", "rollback", "rollback"]
    assert (registry.directory / "m-gagal.skops").exists()  # rolled back, never deleted


def test_a_new_model_never_takes_the_name_of_one_on_disk(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    first = _add(registry, "tfidf-svc-20261129-abcdef12", True, "2026-11-29T10:00:00")
    assert registry.new_path("tfidf-svc-20261129-abcdef12").name == "tfidf-svc-20261129-abcdef12-2.skops"
    assert registry.new_path("bawaan-1").name == "bawaan-1-2.skops"
    assert first.exists()


def test_an_unsafe_version_name_is_refused(tmp_path: Path) -> None:
    registry = _registry(tmp_path)
    with pytest.raises(RegistryError, match="tidak sah"):
        registry.model_path("../../etc/passwd")

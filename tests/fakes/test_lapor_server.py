"""The fake LAPOR! itself: it drops connections for real, survives a kill on its data file, refuses what the
protocol refuses, and its failure plans touch only the API."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakes.lapor_process import FakeLaporControl, running_lapor_server
from fakes.lapor_server import FAKE_TOKEN

AUTH = {"Authorization": f"Bearer {FAKE_TOKEN}"}
PAYLOAD: dict[str, Any] = {
    "judul": "Lampu jalan mati di Jl. Yos Sudarso",
    "isi": "Sudah sepekan lampu jalan mati, rawan kecelakaan.",
    "tanggal_kejadian": "2026-11-20",
    "lokasi_kejadian": "Sangatta Utara",
    "instansi_tujuan": {"kode": "DINAS_PERKIM", "nama": "Dinas Perkim"},
    "kategori": "Penerangan Jalan",
    "klasifikasi": "pengaduan",
    "anonim": True,
    "rahasia": False,
    "lampiran_tautan": ["https://kaltimtoday.co/berita/lampu"],
    "sumber": "admin",
    "kode_wilayah": "64.08",
}


def _post(base_url: str, key: str = "kunci-1", body: Any = None, **headers: str) -> httpx.Response:
    return httpx.post(
        f"{base_url}/reports",
        json=PAYLOAD if body is None else body,
        headers=AUTH | {"Idempotency-Key": key} | headers,
        timeout=5,
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_file = tmp_path_factory.mktemp("lapor") / "lapor.json"
    with running_lapor_server(data_file) as base_url:
        yield base_url, data_file


@pytest.fixture
def control(server: tuple[str, Path]) -> FakeLaporControl:
    control = FakeLaporControl(server[0])
    control.reset()
    return control


def test_drop_after_accept_stores_the_report_and_closes_the_connection_without_an_answer(
    control: FakeLaporControl,
) -> None:
    control.fail("drop_after_accept")

    with pytest.raises(httpx.TransportError):  # no status line at all, not an HTTP error
        _post(control.base_url)

    assert [r["idempotency_key"] for r in control.reports()["reports"]] == ["kunci-1"]
    assert _post(control.base_url).status_code == 200  # the retry is a replay


def test_what_it_stores_is_in_the_data_file_after_every_change(
    control: FakeLaporControl, server: tuple[str, Path]
) -> None:
    tracking_id = _post(control.base_url).json()["tracking_id"]
    control.followup(tracking_id, "Dinas Perkim", "Lampu sudah diganti")

    saved = json.loads(server[1].read_text(encoding="utf-8"))

    assert saved["reports"][tracking_id]["tindak_lanjut"][0]["isi"] == "Lampu sudah diganti"
    assert saved["keys"]["kunci-1"]["submissions"] == 1


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Idempotency-Key": ""}, None),
        ({"Idempotency-Key": "kunci dengan spasi"}, None),
        ({}, ["bukan", "objek"]),
    ],
)
def test_a_request_without_a_valid_key_or_object_is_a_400_with_errors(
    control: FakeLaporControl, headers: dict[str, str], body: Any
) -> None:
    answer = _post(control.base_url, body=body, **headers)

    assert answer.status_code == 400
    assert answer.json()["errors"][0]["message"]
    assert control.reports()["reports"] == []


def test_a_body_that_is_not_json_is_a_400(control: FakeLaporControl) -> None:
    answer = httpx.post(
        f"{control.base_url}/reports", content=b"judul=x", headers=AUTH | {"Idempotency-Key": "k"}, timeout=5
    )

    assert answer.status_code == 400


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("klasifikasi", "keluhan"),
        ("tanggal_kejadian", "2026-02-30"),
        ("anonim", "ya"),
        ("sumber", "warga"),
        ("lampiran_tautan", ["javascript:alert(1)"]),
        ("kode_wilayah", "Kutai Timur"),
    ],
)
def test_invalid_fields_are_a_422_naming_the_field(control: FakeLaporControl, field: str, value: Any) -> None:
    answer = _post(control.base_url, body=PAYLOAD | {field: value})

    assert answer.status_code == 422
    assert field in {error["field"].split(".")[0] for error in answer.json()["errors"]}


def test_failure_plans_touch_only_the_api_and_run_out(control: FakeLaporControl) -> None:
    control.fail("500", times=2)

    assert control.health()["ok"] is True  # control endpoints do not use up a plan
    assert [_post(control.base_url).status_code for _ in range(3)] == [500, 500, 201]


def test_an_unknown_failure_mode_is_refused(control: FakeLaporControl) -> None:
    with pytest.raises(httpx.HTTPStatusError):
        control.fail("explode")


def test_a_killed_server_restarted_on_its_data_file_keeps_everything(tmp_path: Path) -> None:
    data_file = tmp_path / "lapor.json"
    with running_lapor_server(data_file) as base_url:
        control = FakeLaporControl(base_url)
        tracking_id = _post(base_url).json()["tracking_id"]
        control.followup(tracking_id, "Dinas Perkim", "Lampu sudah diganti")
        os.kill(control.health()["pid"], signal.SIGKILL)  # no goodbye; the block must still end cleanly

    with running_lapor_server(data_file) as base_url:
        status = httpx.get(f"{base_url}/reports/{tracking_id}", headers=AUTH, timeout=5).json()
        replay = _post(base_url)
        other = _post(base_url, key="kunci-2")

    assert status["status"] == "ditindaklanjuti"
    assert status["tindak_lanjut"][0]["isi"] == "Lampu sudah diganti"
    assert (replay.status_code, replay.json()["tracking_id"]) == (200, tracking_id)
    assert other.status_code == 201
    assert int(other.json()["tracking_id"]) > int(tracking_id)  # the counter survived too

"""A fake SP4N-LAPOR! Integration API speaking exactly docs/lapor.md, for tests and the demo.

Run as its own process: ``python -m fakes.lapor_server --port P --data FILE [--token T]``. What it receives
is kept in ``FILE`` (JSON, replaced atomically after every change, so a restart or a kill keeps it).

Control endpoints under ``/_fake/`` (no token) play what the real service and its people do, and the
failures a worker must survive:

- ``GET /_fake/health``: ``{"ok": true, "pid": ...}``.
- ``GET /_fake/reports``: everything stored, with the submissions counted per idempotency key.
- ``POST /_fake/fail`` ``{"mode": ..., "times": n, "seconds": s, "body": "..."}``: the next ``n`` API
  requests (``/reports...``) fail this way; plans queue up, the first is used until its ``times`` run out.
  ``500``: answer 500 without doing anything. ``429``: answer 429 with ``Retry-After: s`` (default 30).
  ``timeout``: wait ``s`` seconds (default 30, longer than a client waits), then answer 504 without doing
  anything. ``slow``: wait ``s`` seconds (default 2), then do the request. ``slow_answer``: do the request
  (a report IS stored), then wait ``s`` seconds (default 30) before answering: a client killed meanwhile
  dies between "sent" and "recorded". ``drop_after_accept``: do the
  request (a report IS stored) and close the connection without answering. ``malformed``: do the request
  and answer its status with ``body`` (default: truncated JSON) in place of the real answer.
- ``POST /_fake/vanish/{id}``: the report disappears (its GET answers 404).
- ``POST /_fake/dispose/{id}`` ``{"instansi": ...}``: the admin's disposisi (status didisposisikan).
- ``POST /_fake/followup/{id}`` ``{"instansi": ..., "text": ...}``: the OPD's tindak lanjut (status
  ditindaklanjuti).
- ``POST /_fake/close/{id}``: status selesai, closed.
- ``POST /_fake/reset``: forget every report, key and plan (tracking IDs keep counting up, so an ID is
  never given twice by one data file).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import uvicorn
from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.types import ASGIApp, Receive, Scope, Send

FAKE_TOKEN = "fake-lapor-token"
FIRST_TRACKING_ID = 1_000_001
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")  # the fake reads the doc, not the client's code
DEFAULT_SECONDS = {"429": 30.0, "timeout": 30.0, "slow": 2.0, "slow_answer": 30.0}
TRUNCATED_JSON = '{"tracking_id": "10'
_TRANSPORT_KEY = "fake_lapor.transport"

FailMode = Literal["500", "timeout", "slow", "slow_answer", "drop_after_accept", "malformed", "429"]


class _Instansi(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    kode: str = Field(min_length=1, max_length=60)
    nama: str = Field(min_length=1, max_length=200)


class _ReportIn(BaseModel):
    """The body of ``POST /reports`` (docs/lapor.md, "Payload")."""

    model_config = ConfigDict(extra="forbid", strict=True)

    judul: str = Field(min_length=1, max_length=200)
    isi: str = Field(min_length=1, max_length=5000)
    tanggal_kejadian: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    lokasi_kejadian: str = Field(min_length=1, max_length=300)
    instansi_tujuan: _Instansi
    kategori: str = Field(min_length=1, max_length=120)
    klasifikasi: Literal["pengaduan", "aspirasi", "permintaan_informasi"]
    anonim: bool
    rahasia: bool
    lampiran_tautan: list[str] = Field(max_length=20)
    sumber: Literal["admin"]
    kode_wilayah: str = Field(pattern=r"^\d{2}(\.\d{2}){0,2}(\.\d{4})?$")

    @field_validator("tanggal_kejadian")
    @classmethod
    def _real_date(cls, value: str) -> str:
        date.fromisoformat(value)
        return value

    @field_validator("lampiran_tautan")
    @classmethod
    def _links(cls, links: list[str]) -> list[str]:
        for link in links:
            if not re.fullmatch(r"https?://\S{1,2000}", link):
                raise ValueError(f"bukan tautan http(s): {link[:60]!r}")
        return links


class _FailPlan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: FailMode
    times: int = Field(default=1, ge=1, le=1000)
    seconds: float | None = Field(default=None, ge=0, le=600)
    body: str | None = None


class _Disposisi(BaseModel):
    instansi: str = Field(min_length=1)


class _TindakLanjut(BaseModel):
    instansi: str = Field(min_length=1)
    text: str = Field(min_length=1)


@dataclass
class _Plan:
    mode: str
    times: int
    seconds: float
    body: str


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _errors(*pairs: tuple[str | None, str]) -> dict[str, Any]:
    return {"errors": [{"field": field, "message": message} for field, message in pairs]}


class _Store:
    """The reports, the idempotency keys and the tracking-ID counter, mirrored to ``path`` after each change.

    Handlers are coroutines on one event loop and never await while changing the store, so no lock is
    needed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data: dict[str, Any] = {"next_id": FIRST_TRACKING_ID, "reports": {}, "keys": {}}
        if path.exists() and path.stat().st_size:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(loaded, dict) or set(loaded) != set(self.data):
                raise ValueError(f"{path} is not a fake LAPOR! data file")
            self.data = loaded

    @property
    def reports(self) -> dict[str, dict[str, Any]]:
        reports: dict[str, dict[str, Any]] = self.data["reports"]
        return reports

    @property
    def keys(self) -> dict[str, dict[str, Any]]:
        keys: dict[str, dict[str, Any]] = self.data["keys"]
        return keys

    def save(self) -> None:
        """Write a temporary file beside the data file, flush it to disk, then rename it over the file: a
        reader (or a restart after a kill) sees the old or the new content, never half of it."""
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(self.data, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)

    def new_tracking_id(self) -> str:
        tracking_id = str(self.data["next_id"])
        self.data["next_id"] += 1
        return tracking_id

    def reset(self) -> None:
        self.data = {"next_id": self.data["next_id"], "reports": {}, "keys": {}}
        self.save()


def _digest(payload: dict[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _status_view(report: dict[str, Any]) -> dict[str, Any]:
    return {
        "tracking_id": report["tracking_id"],
        "status": report["status"],
        "created_at": report["created_at"],
        "disposisi": report["disposisi"],
        "tindak_lanjut": report["tindak_lanjut"],
        "ditutup": report["ditutup"],
    }


def _capture_transport(app: ASGIApp) -> ASGIApp:
    """Put the connection's transport in the scope, so ``drop_after_accept`` can close it for real.

    ASGI has no way to drop a connection without answering (an exception before the answer becomes a 500),
    so this reaches into uvicorn: its ``send`` is a method of the request cycle, which holds the transport."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[_TRANSPORT_KEY] = getattr(getattr(send, "__self__", None), "transport", None)
        await app(scope, receive, send)

    return wrapped


async def _drop_connection(request: Request) -> Response:
    transport = request.scope.get(_TRANSPORT_KEY)
    if transport is None:
        raise RuntimeError("drop_after_accept needs uvicorn's h11 server: the connection is out of reach")
    transport.close()
    await asyncio.sleep(0)  # let uvicorn see the connection go: what is returned below is never sent
    return Response(status_code=204)


def create_app(data_file: Path, token: str = FAKE_TOKEN) -> ASGIApp:
    """The fake LAPOR! as an ASGI app keeping its data in ``data_file``."""
    store = _Store(data_file)
    plans: list[_Plan] = []
    app = FastAPI(title="Fake SP4N-LAPOR! Integration API", docs_url=None, redoc_url=None, openapi_url=None)

    def next_plan() -> _Plan | None:
        if not plans:
            return None
        plan = plans[0]
        plan.times -= 1
        if plan.times <= 0:
            plans.pop(0)
        return plan

    async def answer(request: Request, handle: Callable[[], Awaitable[Response]]) -> Response:
        """Run ``handle`` (the real behaviour) under the next failure plan, if any."""
        plan = next_plan()
        mode = plan.mode if plan else None
        seconds = plan.seconds if plan else 0.0
        if mode == "500":
            return JSONResponse(_errors((None, "kesalahan internal (simulasi)")), status_code=500)
        if mode == "429":
            headers = {"Retry-After": str(round(seconds))}
            return JSONResponse(
                _errors((None, "terlalu banyak permintaan")), status_code=429, headers=headers
            )
        if mode in ("timeout", "slow"):
            await asyncio.sleep(seconds)
        if mode == "timeout":  # nobody is listening any more: the client gave up long ago
            return JSONResponse(_errors((None, "waktu habis")), status_code=504)
        if request.headers.get("Authorization") != f"Bearer {token}":
            response: Response = JSONResponse(_errors((None, "token tidak valid")), status_code=401)
        else:
            response = await handle()
        if mode == "slow_answer":
            await asyncio.sleep(seconds)
        if mode == "drop_after_accept":
            return await _drop_connection(request)
        if plan is not None and mode == "malformed":
            return Response(plan.body, status_code=response.status_code, media_type="application/json")
        return response

    @app.post("/reports")
    async def create_report(request: Request) -> Response:
        async def handle() -> Response:
            key = request.headers.get("Idempotency-Key", "")
            if not IDEMPOTENCY_KEY.fullmatch(key):
                message = "header Idempotency-Key wajib: 1-64 karakter A-Z a-z 0-9 . _ : -"
                return JSONResponse(_errors(("Idempotency-Key", message)), status_code=400)
            try:
                payload = json.loads(await request.body())
            except ValueError:
                return JSONResponse(_errors((None, "isi permintaan bukan JSON")), status_code=400)
            if not isinstance(payload, dict):
                return JSONResponse(_errors((None, "isi permintaan bukan objek JSON")), status_code=400)
            try:
                _ReportIn.model_validate(payload)
            except ValidationError as exc:
                problems = [(".".join(str(p) for p in e["loc"]) or None, e["msg"]) for e in exc.errors()]
                return JSONResponse(_errors(*problems), status_code=422)
            digest = _digest(payload)
            known = store.keys.get(key)
            if known is not None and known["digest"] != digest:
                message = "Idempotency-Key sudah dipakai untuk laporan dengan isi lain"
                return JSONResponse(_errors(("Idempotency-Key", message)), status_code=409)
            if known is not None:
                known["submissions"] += 1
                store.save()
                report = store.reports.get(known["tracking_id"])
                status = report["status"] if report else "diarsipkan"  # vanished: as gone as archived
                body = {
                    "tracking_id": known["tracking_id"],
                    "status": status,
                    "created_at": known["created_at"],
                }
                return JSONResponse(body, status_code=200)
            tracking_id = store.new_tracking_id()
            created = _now()
            store.keys[key] = {
                "tracking_id": tracking_id,
                "digest": digest,
                "submissions": 1,
                "created_at": created,
            }
            store.reports[tracking_id] = {
                "tracking_id": tracking_id,
                "idempotency_key": key,
                "created_at": created,
                "status": "belum_terverifikasi",
                "disposisi": [],
                "tindak_lanjut": [],
                "ditutup": False,
                "payload": payload,
            }
            store.save()
            body = {"tracking_id": tracking_id, "status": "belum_terverifikasi", "created_at": created}
            return JSONResponse(body, status_code=201)

        return await answer(request, handle)

    @app.get("/reports/{tracking_id}")
    async def report_status(request: Request, tracking_id: str) -> Response:
        async def handle() -> Response:
            report = store.reports.get(tracking_id)
            if report is None:
                return JSONResponse(_errors(("tracking_id", "laporan tidak ditemukan")), status_code=404)
            return JSONResponse(_status_view(report))

        return await answer(request, handle)

    def stored(tracking_id: str) -> dict[str, Any]:
        report = store.reports.get(tracking_id)
        if report is None:
            raise HTTPException(404, f"no report {tracking_id}")
        return report

    @app.get("/_fake/health")
    async def health() -> dict[str, Any]:
        return {"ok": True, "pid": os.getpid()}

    @app.get("/_fake/reports")
    async def all_reports() -> dict[str, Any]:
        reports = [
            report | {"submissions": store.keys[report["idempotency_key"]]["submissions"]}
            for report in store.reports.values()
        ]
        keys = {
            k: {"tracking_id": v["tracking_id"], "submissions": v["submissions"]}
            for k, v in store.keys.items()
        }
        return {"reports": reports, "keys": keys}

    @app.post("/_fake/fail")
    async def fail(plan: _FailPlan) -> dict[str, Any]:
        seconds = plan.seconds if plan.seconds is not None else DEFAULT_SECONDS.get(plan.mode, 0.0)
        body = plan.body if plan.body is not None else TRUNCATED_JSON
        plans.append(_Plan(plan.mode, plan.times, seconds, body))
        return {"plans": len(plans)}

    @app.post("/_fake/vanish/{tracking_id}")
    async def vanish(tracking_id: str) -> dict[str, Any]:
        stored(tracking_id)
        del store.reports[tracking_id]
        store.save()
        return {"vanished": tracking_id}

    @app.post("/_fake/dispose/{tracking_id}")
    async def dispose(tracking_id: str, disposisi: _Disposisi) -> dict[str, Any]:
        report = stored(tracking_id)
        report["disposisi"].append({"at": _now(), "instansi": disposisi.instansi})
        report["status"] = "didisposisikan"
        store.save()
        return _status_view(report)

    @app.post("/_fake/followup/{tracking_id}")
    async def followup(tracking_id: str, tindak_lanjut: _TindakLanjut) -> dict[str, Any]:
        report = stored(tracking_id)
        report["tindak_lanjut"].append(
            {"at": _now(), "instansi": tindak_lanjut.instansi, "isi": tindak_lanjut.text}
        )
        report["status"] = "ditindaklanjuti"
        store.save()
        return _status_view(report)

    @app.post("/_fake/close/{tracking_id}")
    async def close(tracking_id: str) -> dict[str, Any]:
        report = stored(tracking_id)
        report["status"] = "selesai"
        report["ditutup"] = True
        store.save()
        return _status_view(report)

    @app.post("/_fake/reset")
    async def reset() -> dict[str, Any]:
        store.reset()
        plans.clear()
        return {"reset": True}

    return _capture_transport(app)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m fakes.lapor_server", description="A fake SP4N-LAPOR! API"
    )
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--data", type=Path, required=True, help="JSON file keeping what was received")
    parser.add_argument("--token", default=FAKE_TOKEN, help="the bearer token the API accepts")
    args = parser.parse_args(argv)
    app = create_app(args.data.resolve(), args.token)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        http="h11",  # _capture_transport knows h11's request cycle
        lifespan="off",
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=1,  # a "timeout" plan's sleeping answer must not hold up a stop
    )


if __name__ == "__main__":
    main()

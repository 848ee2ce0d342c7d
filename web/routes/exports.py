"""Downloads of the console's lists (``services.exports``): the queue with its filters, an OPD's inbox, the
audit log, and the approved reports waiting to be typed into LAPOR!; each as CSV or XLSX. CSV streams as it
is read; XLSX is written row by row to a temporary file (constant memory) and then streamed and deleted."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response, StreamingResponse

from db.models import Role
from flows.runtime import Runtime
from services import exports
from services import inbox as services_inbox
from services.accounts import Account
from services.audit_view import AuditFilter
from services.exports import Export, ExportRefused, Format
from services.reports import InvalidFilter
from web.deps import requires, runtime
from web.routes.audit import audit_filter
from web.routes.queue import ADMIN_ROLES, queue_filter

router = APIRouter()
CHUNK = 64 * 1024


def _file_chunks(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as written:
            while chunk := written.read(CHUNK):
                yield chunk
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)


def _download(export: Export, fmt: Format) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{export.name}.{fmt.value}"',
        "Cache-Control": "no-store",
    }
    if fmt == Format.CSV:
        return StreamingResponse(
            exports.csv_chunks(export), media_type=exports.MEDIA_TYPES[fmt], headers=headers
        )
    folder = Path(tempfile.mkdtemp(prefix="pantau-ekspor-"))
    path = folder / f"{export.name}.xlsx"
    try:
        exports.write_xlsx(export, path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    headers["Content-Length"] = str(path.stat().st_size)
    return StreamingResponse(_file_chunks(path), media_type=exports.MEDIA_TYPES[fmt], headers=headers)


def _format(name: str) -> Format:
    try:
        return exports.format_named(name)
    except ExportRefused as refused:
        raise HTTPException(status_code=404, detail=str(refused)) from None


@router.get("/ekspor/antrean.{fmt}")
def queue_download(
    request: Request,
    fmt: str,
    account: Annotated[Account, Depends(requires(*ADMIN_ROLES, Role.PIMPINAN))],
    rt: Annotated[Runtime, Depends(runtime)],
) -> Response:
    """Every report the queue's filters (the same query string as ``/antrean``) match, not one page."""
    chosen = _format(fmt)
    try:
        wanted = queue_filter(account, request.query_params)
        return _download(exports.queue_export(rt, account, wanted, chosen), chosen)
    except InvalidFilter as bad:
        raise HTTPException(status_code=400, detail=str(bad)) from None


@router.get("/ekspor/kotak-masuk.{fmt}")
def inbox_download(
    fmt: str,
    account: Annotated[Account, Depends(requires(Role.OPD))],
    rt: Annotated[Runtime, Depends(runtime)],
    tampil: str | None = None,
) -> Response:
    chosen = _format(fmt)
    view = services_inbox.view_named(tampil)
    return _download(exports.inbox_export(rt, account, view, chosen), chosen)


@router.get("/ekspor/audit.{fmt}")
def audit_download(
    fmt: str,
    account: Annotated[Account, Depends(requires(Role.MANAGER))],
    rt: Annotated[Runtime, Depends(runtime)],
    wanted: Annotated[AuditFilter, Depends(audit_filter)],
) -> Response:
    chosen = _format(fmt)
    try:
        return _download(exports.audit_export(rt, account, wanted, chosen), chosen)
    except ExportRefused as refused:
        raise HTTPException(status_code=400, detail=str(refused)) from None


@router.get("/ekspor/siap-input.{fmt}")
def entry_batch_download(
    fmt: str,
    account: Annotated[Account, Depends(requires(*ADMIN_ROLES))],
    rt: Annotated[Runtime, Depends(runtime)],
) -> Response:
    """The approved reports of the region waiting for assisted entry, with LAPOR!'s fields, for a region
    that types its reports in by hand."""
    chosen = _format(fmt)
    return _download(exports.entry_batch_export(rt, account, chosen), chosen)

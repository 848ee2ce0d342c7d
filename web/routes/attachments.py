"""Files attached to an OPD's tindak lanjut: served only to those who may see the report, and uploaded
through a route whose request body is capped while it streams in.

A download is never shown in the console's own origin: it comes as an attachment (the browser saves it),
with ``nosniff`` and a Content Security Policy ``sandbox``, so a PDF or image with something active inside
cannot run as the console.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends
from fastapi.responses import Response

from flows.runtime import Runtime
from services.accounts import Account
from services.attachments import MAX_BYTES, MAX_FILES, download
from web.body_limit import FormRoute, capped_route
from web.deps import current_account, runtime, viewer_of

router = APIRouter(route_class=FormRoute)

# every file at its largest, and room for the answer's text and the form's own fields
MAX_UPLOAD_BODY = MAX_FILES * MAX_BYTES + 1024 * 1024
TOO_LARGE = (
    f"Kiriman terlalu besar: paling banyak {MAX_FILES} berkas, masing-masing "
    f"{MAX_BYTES // (1024 * 1024)} MB. Tindak lanjut tidak disimpan; kembali dan kirim berkas "
    "yang lebih kecil."
)
SANDBOX = "sandbox; default-src 'none'"


# a body announced larger than ``MAX_UPLOAD_BODY`` is refused before it is read, one that turns out larger as
# soon as the limit is passed (the form parser spools what it reads to disk, so memory stays small either way)
UploadRoute = capped_route(MAX_UPLOAD_BODY, TOO_LARGE)


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one as RFC 5987 ``filename*``."""
    fallback = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/lampiran/{attachment_id}")
def attachment(
    attachment_id: int,
    account: Annotated[Account, Depends(current_account)],
    rt: Annotated[Runtime, Depends(runtime)],
) -> Response:
    stored = download(rt, attachment_id, viewer_of(account))
    return Response(
        content=stored.data,
        media_type=stored.content_type,
        headers={
            "Content-Disposition": content_disposition(stored.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": SANDBOX,
            "Cache-Control": "private, no-store",
        },
    )

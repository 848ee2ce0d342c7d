"""The OPD liaison's attachments: a file of a PUPR report is for PUPR and the region's own people only.

The inbox and the report's OPD forms are in ``core``; this area adds the download of an attachment.
"""

from __future__ import annotations

from typing import Any

from db.models import Attachment, FollowUp
from db.session import transaction

PAGES = {
    "/lampiran/{attachment_id}": {
        None: 303,
        "operator": 200,
        "manajer": 200,
        "pimpinan": 200,
        "pupr": 200,
        "dlh": 404,
        "operator-banjarbaru": 404,
    },
}
POSTS: dict[str, dict[Any, int | None]] = {}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def prepare(console: Any, report_id: int) -> dict[str, int]:
    """A file attached to a follow-up of the report. Written straight into the database, so the matrix's
    count of audit entries (nothing changes while it walks the routes) is not moved by the setup."""
    with transaction(console.runtime.sessions) as session:
        follow_up = FollowUp(report_id=report_id, author="user:pupr", text="Sudah ditangani, foto terlampir.")
        session.add(follow_up)
        session.flush()
        attachment = Attachment(
            follow_up_id=follow_up.id,
            report_id=report_id,
            filename="foto.png",
            content_type="image/png",
            size=len(PNG),
            sha256="0" * 64,
            data=PNG,
            uploaded_by="user:pupr",
        )
        session.add(attachment)
        session.flush()
        return {"attachment_id": attachment.id}

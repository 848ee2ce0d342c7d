"""Files an OPD attaches to its tindak lanjut: which are accepted, and who may read them back.

A file is accepted by what it is, never by what it is called or what the browser says it is: its first bytes
must be those of a JPEG, PNG, WebP or PDF (``sniff``). An answer carries at most ``MAX_FILES`` files of at
most ``MAX_BYTES`` each; a file is read in chunks and refused as soon as it passes the limit. Its name is
kept for the people who download it, cleaned of any path and control characters, at most 255 characters,
and ends in the extension of its real type (``photo.exe`` that is a JPEG is stored as ``photo.exe.jpg``).
One refused file refuses the whole answer: ``services.actions.answer`` stores the follow-up and its files in
one transaction, so there is never an answer without its files or the reverse.

A stored file is served only to those who may see its report (``services.reports.Viewer``); to anyone else
it does not exist.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import Attachment, Report
from flows.runtime import Runtime
from services.actions import ActionError, NotFound

if TYPE_CHECKING:
    from services.reports import Viewer

MAX_FILES = 5
MAX_BYTES = 5 * 1024 * 1024
MAX_NAME = 255
CHUNK = 64 * 1024
# content type -> the extensions a file of that type may end in (the first is added when none fits)
EXTENSIONS = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
}
ALLOWED_TEXT = "JPEG, PNG, WebP atau PDF"
# Unicode categories dropped from a file name: control characters (Cc) and invisible formatting such as
# right-to-left overrides (Cf), which can make "gpj.exe" read as "exe.jpg"; line and paragraph separators
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


class AttachmentRefused(ActionError):
    """A file that may not be attached; the whole answer is refused with it."""


@dataclass(frozen=True)
class Upload:
    """A file that passed the checks, ready to be stored with a tindak lanjut."""

    filename: str
    content_type: str
    data: bytes

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True)
class StoredFile:
    """An attachment as it is downloaded."""

    filename: str
    content_type: str
    data: bytes


def sniff(head: bytes) -> str | None:
    """The content type that ``head`` (a file's first bytes) shows, if it is one an OPD may attach."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def clean_name(name: str) -> str:
    """``name`` without any folder, control or invisible characters and runs of spaces ("lampiran" if
    nothing is left)."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join(ch for ch in base if unicodedata.category(ch) not in UNSAFE_CATEGORIES)
    return " ".join(base.split()).strip(" .") or "lampiran"


def safe_filename(name: str, content_type: str) -> str:
    """``clean_name(name)`` ending in an extension of ``content_type``, at most ``MAX_NAME`` characters
    (the extension is kept when it is shortened)."""
    base = clean_name(name)
    allowed = EXTENSIONS[content_type]
    stem, extension = base, allowed[0]
    if base.lower().endswith(allowed):
        stem, dot, ext = base.rpartition(".")
        extension = dot + ext
    return stem[: MAX_NAME - len(extension)].rstrip(" .") + extension


def _read_limited(name: str, stream: BinaryIO) -> bytes:
    """The whole file, read a chunk at a time; refused as soon as it passes ``MAX_BYTES``."""
    chunks: list[bytes] = []
    total = 0
    while chunk := stream.read(CHUNK):
        total += len(chunk)
        if total > MAX_BYTES:
            raise AttachmentRefused(
                f"berkas {name!r} lebih dari {MAX_BYTES // (1024 * 1024)} MB; tindak lanjut tidak disimpan"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def accept(name: str, stream: BinaryIO) -> Upload:
    """One file as an OPD sent it (its name as given, its content), checked."""
    shown = clean_name(name)[:80]
    data = _read_limited(shown, stream)
    if not data:
        raise AttachmentRefused(f"berkas {shown!r} kosong; tindak lanjut tidak disimpan")
    content_type = sniff(data[:16])
    if content_type is None:
        raise AttachmentRefused(
            f"berkas {shown!r} bukan {ALLOWED_TEXT} (dilihat dari isinya, bukan dari namanya); "
            "tindak lanjut tidak disimpan"
        )
    return Upload(filename=safe_filename(name, content_type), content_type=content_type, data=data)


def accept_all(files: Sequence[tuple[str, BinaryIO]]) -> list[Upload]:
    """Every file of one answer, checked; the first refusal refuses them all."""
    if len(files) > MAX_FILES:
        raise AttachmentRefused(
            f"{len(files)} berkas dilampirkan: paling banyak {MAX_FILES}; tindak lanjut tidak disimpan"
        )
    return [accept(name, stream) for name, stream in files]


def size_text(size: int) -> str:
    """A file size as people read it ("820 KB", "1,4 MB")."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def listing(session: Session, report_id: int) -> dict[int, list[dict[str, object]]]:
    """Per follow-up of the report, its attachments (without their content) in the order they came."""
    rows = session.execute(
        select(
            Attachment.id,
            Attachment.follow_up_id,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size,
        )
        .where(Attachment.report_id == report_id)
        .order_by(Attachment.id)
    )
    found: dict[int, list[dict[str, object]]] = {}
    for row in rows:
        found.setdefault(row.follow_up_id, []).append(
            {
                "id": row.id,
                "nama": row.filename,
                "jenis": row.content_type,
                "ukuran": size_text(row.size),
            }
        )
    return found


def download(runtime: Runtime, attachment_id: int, viewer: Viewer) -> StoredFile:
    """The file, if ``viewer`` may see its report; otherwise it does not exist (``NotFound``)."""
    with runtime.sessions() as session:
        attachment = session.get(Attachment, attachment_id)
        report = session.get(Report, attachment.report_id) if attachment else None
        if attachment is None or report is None or not viewer.sees(report):
            raise NotFound(f"lampiran {attachment_id} tidak ada")
        return StoredFile(
            filename=attachment.filename, content_type=attachment.content_type, data=attachment.data
        )

"""Attachments of a tindak lanjut: which files are accepted (by content, size, count), how their names are
cleaned, that an answer and its files are stored together or not at all, and who may read them back."""

from __future__ import annotations

import hashlib
import io

import pytest
from sqlalchemy import func, select

from db.models import Agency, Attachment, AuditLog, FollowUp, Report
from services import actions
from services.actions import Actor, Forbidden, NotFound
from services.attachments import (
    MAX_BYTES,
    MAX_NAME,
    AttachmentRefused,
    Upload,
    accept,
    accept_all,
    download,
    safe_filename,
    size_text,
    sniff,
)
from services.reports import Viewer

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x01" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x02" * 64
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 64
PUPR = Actor("user:penghubung-pupr", actions.Role.OPD, "PUPR")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (WEBP, "image/webp"),
        (PDF, "application/pdf"),
        (EXE, None),
        (b"<html><script>alert(1)</script>", None),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", None),  # RIFF, but a sound
        (b"", None),
    ],
)
def test_the_type_comes_from_the_first_bytes(head: bytes, expected: str | None) -> None:
    assert sniff(head[:16]) == expected


@pytest.mark.parametrize(
    ("given", "content_type", "expected"),
    [
        ("foto jalan.jpg", "image/jpeg", "foto jalan.jpg"),
        ("FOTO.JPEG", "image/jpeg", "FOTO.JPEG"),
        ("C:\\Users\\opd\\Desktop\\surat.pdf", "application/pdf", "surat.pdf"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("foto\x00\x07\n\r\tjalan.png", "image/png", "fotojalan.png"),
        ("tagihan\u202egpj.exe", "image/jpeg", "tagihangpj.exe.jpg"),  # no right-to-left override
        ("virus.exe", "image/png", "virus.exe.png"),  # a PNG named .exe is saved as a PNG
        ("gambar.jpg", "application/pdf", "gambar.jpg.pdf"),
        ("   ", "image/webp", "lampiran.webp"),
        ("..", "image/png", "lampiran.png"),
        ("Surat balasan \u2013 Dinas PUPR.pdf", "application/pdf", "Surat balasan \u2013 Dinas PUPR.pdf"),
    ],
)
def test_names_lose_their_path_and_control_characters(given: str, content_type: str, expected: str) -> None:
    assert safe_filename(given, content_type) == expected


def test_a_long_name_is_cut_to_255_and_keeps_its_extension() -> None:
    name = safe_filename("a" * 400 + ".pdf", "application/pdf")
    assert len(name) == MAX_NAME and name.endswith("a.pdf")


class CountingStream(io.BytesIO):
    """A file that counts how much of it was read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


def test_a_file_past_the_limit_is_refused_without_reading_the_rest() -> None:
    huge = CountingStream(JPEG + b"\x00" * (50 * 1024 * 1024))
    with pytest.raises(AttachmentRefused, match="lebih dari 5 MB"):
        accept("besar.jpg", huge)
    assert MAX_BYTES < huge.bytes_read <= MAX_BYTES + 64 * 1024


def test_a_file_of_exactly_the_limit_is_accepted() -> None:
    upload = accept("pas.jpg", io.BytesIO(JPEG + b"\x00" * (MAX_BYTES - len(JPEG))))
    assert upload.size == MAX_BYTES and upload.content_type == "image/jpeg"


def test_a_disguised_or_empty_file_is_refused_by_its_content() -> None:
    with pytest.raises(AttachmentRefused, match=r"'foto\.jpg' bukan JPEG, PNG, WebP atau PDF"):
        accept("foto.jpg", io.BytesIO(EXE))
    with pytest.raises(AttachmentRefused, match="kosong"):
        accept("kosong.pdf", io.BytesIO(b""))


def test_six_files_are_refused_and_five_accepted() -> None:
    files = [(f"f{n}.png", io.BytesIO(PNG)) for n in range(6)]
    with pytest.raises(AttachmentRefused, match="6 berkas dilampirkan: paling banyak 5"):
        accept_all(files)
    uploads = accept_all([(f"f{n}.png", io.BytesIO(PNG)) for n in range(5)])
    assert [u.filename for u in uploads] == [f"f{n}.png" for n in range(5)]


def test_one_refused_file_refuses_them_all() -> None:
    with pytest.raises(AttachmentRefused, match=r"setup\.exe"):
        accept_all([("a.pdf", io.BytesIO(PDF)), ("setup.exe", io.BytesIO(EXE)), ("b.png", io.BytesIO(PNG))])


def test_sizes_read_as_people_read_them() -> None:
    assert [size_text(n) for n in (10, 2048, 1536 * 1024, MAX_BYTES)] == ["1 KB", "2 KB", "1,5 MB", "5,0 MB"]


# -- stored with the answer, in one transaction ----------------------------------------------------------


def _forwarded(desk) -> int:  # type: ignore[no-untyped-def]
    report_id = desk.report()
    operator = Actor("user:operator-a")
    actions.approve(desk.runtime, report_id, actor=operator, mode=actions.LaporMode.MANUAL)
    actions.record_tracking_id(desk.runtime, report_id, f"{5000000 + report_id}", actor=operator)
    return report_id


def _stored(desk) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    with desk.runtime.sessions() as session:
        follow_ups = session.scalar(select(func.count()).select_from(FollowUp)) or 0
        files = session.scalar(select(func.count()).select_from(Attachment)) or 0
    return follow_ups, files


def test_an_answer_stores_its_files_with_its_follow_up(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(desk)
    uploads = accept_all([("jalan.jpg", io.BytesIO(JPEG)), ("surat.pdf", io.BytesIO(PDF))])
    state = actions.answer(desk.runtime, report_id, "Lubang sudah ditambal.", actor=PUPR, files=uploads)
    assert state.status == "followed_up"
    with desk.runtime.sessions() as session:
        follow_up = session.scalars(select(FollowUp).where(FollowUp.report_id == report_id)).one()
        rows = session.scalars(select(Attachment).order_by(Attachment.id)).all()
        assert [(r.follow_up_id, r.report_id, r.filename, r.content_type) for r in rows] == [
            (follow_up.id, report_id, "jalan.jpg", "image/jpeg"),
            (follow_up.id, report_id, "surat.pdf", "application/pdf"),
        ]
        assert [r.data for r in rows] == [JPEG, PDF]
        assert rows[0].sha256 == hashlib.sha256(JPEG).hexdigest() and rows[0].size == len(JPEG)
        assert rows[0].uploaded_by == "user:penghubung-pupr"
    entry = [a for a in desk.audit(report_id) if a.action == "attachments:add"]
    assert len(entry) == 1 and [f["name"] for f in entry[0].after["files"]] == ["jalan.jpg", "surat.pdf"]


def test_a_refused_answer_stores_none_of_its_files(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(desk)
    uploads = accept_all([("jalan.jpg", io.BytesIO(JPEG))])
    dlh = Actor("user:penghubung-dlh", actions.Role.OPD, "DLH")
    with pytest.raises(Forbidden):
        actions.answer(desk.runtime, report_id, "Bukan laporan kami tapi dijawab.", actor=dlh, files=uploads)
    with pytest.raises(actions.ActionError, match="terlalu pendek"):
        actions.answer(desk.runtime, report_id, "ok", actor=PUPR, files=uploads)
    with pytest.raises(actions.Conflict):
        actions.answer(
            desk.runtime, report_id, "Versi lama dari halaman.", actor=PUPR, files=uploads, expected_version=1
        )
    assert _stored(desk) == (0, 0)
    assert desk.get(report_id).status == "forwarded"


def test_a_failure_after_the_files_rolls_the_answer_back(desk) -> None:  # type: ignore[no-untyped-def]
    """The follow-up, the status change and the files are one transaction: a file the database refuses
    (a name past the column's 255 characters, made by hand here) leaves nothing behind."""
    with desk.runtime.sessions() as session:
        if session.get_bind().dialect.name == "sqlite":
            pytest.skip("SQLite does not enforce VARCHAR lengths")
    report_id = _forwarded(desk)
    (good,) = accept_all([("jalan.jpg", io.BytesIO(JPEG))])
    too_long = Upload(filename="x" * 300 + ".jpg", content_type="image/jpeg", data=JPEG)
    with desk.runtime.sessions() as session:
        audit_before = session.scalar(select(func.count()).select_from(AuditLog))
    with pytest.raises(Exception, match="value too long"):
        actions.answer(desk.runtime, report_id, "Sudah ditangani.", actor=PUPR, files=[good, too_long])
    assert _stored(desk) == (0, 0)
    assert desk.get(report_id).status == "forwarded"
    with desk.runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditLog)) == audit_before


def test_a_file_is_served_only_to_those_who_see_its_report(desk) -> None:  # type: ignore[no-untyped-def]
    report_id = _forwarded(desk)
    actions.answer(
        desk.runtime,
        report_id,
        "Foto perbaikan terlampir.",
        actor=PUPR,
        files=accept_all([("jalan.png", io.BytesIO(PNG))]),
    )
    with desk.runtime.sessions() as session:
        report = session.get_one(Report, report_id)
        region_id, pupr_id = report.region_id, report.agency_id
        attachment_id = session.scalars(select(Attachment.id)).one()
        other_agency = session.scalar(
            select(Agency.id).where(Agency.region_id == region_id, Agency.code == "DLH")
        )
    for viewer in (Viewer(region_id), Viewer(region_id, pupr_id)):
        stored = download(desk.runtime, attachment_id, viewer)
        assert (stored.filename, stored.content_type, stored.data) == ("jalan.png", "image/png", PNG)
    for stranger in (
        Viewer(region_id, other_agency),
        Viewer(region_id + 1000),
        Viewer(region_id + 1000, pupr_id),
    ):
        with pytest.raises(NotFound):
            download(desk.runtime, attachment_id, stranger)
    with pytest.raises(NotFound):
        download(desk.runtime, attachment_id + 1, Viewer(region_id))

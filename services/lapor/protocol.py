"""What Pantau says to SP4N-LAPOR! and hears back, independent of how it travels (docs/lapor.md).

The filing worker speaks to LAPOR! only through these types: a ``Submission`` goes in, a ``Receipt`` or a
``RemoteStatus`` comes out, and every failure is a ``LaporError`` whose ``retryable`` tells the outbox
whether to try again later (the same idempotency key makes a second try harmless) or to give up and show
the operator ``reason``. Nothing here knows the wire format (``services.lapor.api``) or the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType
from typing import ClassVar, Protocol

# The kinds of report LAPOR! knows, with the label its form shows.
KLASIFIKASI: Mapping[str, str] = MappingProxyType(
    {"pengaduan": "Pengaduan", "aspirasi": "Aspirasi", "permintaan_informasi": "Permintaan Informasi"}
)
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")

# The statuses LAPOR! gives a report, and the Pantau report status (a db.models.ReportStatus value) each one
# means: the one table of that mapping.
PANTAU_STATUS: Mapping[str, str] = MappingProxyType(
    {
        "belum_terverifikasi": "filed",
        "terverifikasi": "filed",
        "ditunda": "postponed",
        "didisposisikan": "forwarded",
        "ditindaklanjuti": "followed_up",
        "selesai": "closed",
        "bukan_wewenang": "not_authority",
        "diarsipkan": "archived",
    }
)
LAPOR_STATUSES = frozenset(PANTAU_STATUS)


# The longest value LAPOR! takes per field (docs/lapor.md, "Payload"): Pantau refuses longer corrections
# at approval, rather than learn it from a refused filing.
FIELD_LIMITS: Mapping[str, int] = MappingProxyType(
    {"judul": 200, "isi": 5000, "lokasi": 300, "kategori": 120}
)


@dataclass(frozen=True)
class Submission:
    """One admin-entered report as LAPOR! receives it. ``idempotency_key`` is the filing's own key: every try
    of one filing sends the same key, so LAPOR! stores the report once however often it is sent."""

    idempotency_key: str
    region_code: str
    judul: str
    isi: str
    tanggal_kejadian: date
    lokasi_kejadian: str
    instansi_kode: str
    instansi_nama: str
    kategori: str
    klasifikasi: str
    anonim: bool
    rahasia: bool
    source_links: tuple[str, ...]

    def __post_init__(self) -> None:
        if not IDEMPOTENCY_KEY.fullmatch(self.idempotency_key):
            raise ValueError(
                f"idempotency key {self.idempotency_key!r}: 1 to 64 of the characters A-Z a-z 0-9 . _ : -"
            )
        if self.klasifikasi not in KLASIFIKASI:
            raise ValueError(f"klasifikasi {self.klasifikasi!r}: one of {', '.join(KLASIFIKASI)}")
        if not isinstance(self.source_links, tuple):
            raise TypeError("source_links must be a tuple (the submission is immutable)")


@dataclass(frozen=True)
class Receipt:
    """LAPOR! holds the report under ``tracking_id``; ``replayed``: it already had it from an earlier try
    with the same idempotency key (that try's answer was lost), and nothing new was stored."""

    tracking_id: str
    replayed: bool


@dataclass(frozen=True)
class FollowUp:
    """One tindak lanjut an OPD posted in LAPOR! (``at`` is timezone-aware)."""

    at: datetime
    instansi: str
    text: str


@dataclass(frozen=True)
class RemoteStatus:
    """Where a report stands in LAPOR!: ``status`` is one of ``LAPOR_STATUSES`` (``PANTAU_STATUS`` maps it),
    follow-ups oldest first; ``closed``: LAPOR! takes nothing more on it (selesai, or archived)."""

    tracking_id: str
    status: str
    follow_ups: tuple[FollowUp, ...]
    closed: bool


class LaporError(Exception):
    """LAPOR! did not do what was asked. ``reason``: one line in Bahasa Indonesia for an operator (never a
    secret); ``retryable``: whether the same request may succeed later; ``status``: the HTTP status of the
    answer, None when there was no answer."""

    retryable: ClassVar[bool] = False

    def __init__(self, reason: str, status: int | None = None) -> None:
        one_line = " ".join(reason.split())
        super().__init__(one_line)
        self.reason = one_line
        self.status = status

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reason={self.reason!r}, status={self.status})"


class LaporUnavailable(LaporError):
    """No usable answer now: a timeout, a refused, reset or dropped connection, a 5xx, a 429. Try again, not
    before ``retry_after`` seconds when LAPOR! named them."""

    retryable = True

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason, status)
        self.retry_after = retry_after


class LaporRejected(LaporError):
    """LAPOR! refused the request (validation, authorisation, an idempotency key reused for another report):
    sending it again cannot help until someone changes the report or the configuration."""


class LaporUnauthorized(LaporRejected):
    """The token was refused (401) or lacks the right (403): every report of the region will fail the same
    way until the region's token is fixed, so a worker stops the region rather than failing each report."""


class LaporBadAnswer(LaporError):
    """LAPOR! said yes (2xx) but the answer does not parse or lacks a valid tracking ID. Retryable: the same
    idempotency key returns the stored report's tracking ID instead of storing it twice."""

    retryable = True


class LaporNotFound(LaporError):
    """LAPOR! does not know this tracking ID (any more)."""


class LaporAdapter(Protocol):
    """A way to LAPOR!: ``services.lapor.api.ApiAdapter`` for the Integration API."""

    def submit(self, sub: Submission) -> Receipt:
        """File ``sub``; raises ``LaporError``."""
        ...

    def status(self, tracking_id: str) -> RemoteStatus:
        """Where the report ``tracking_id`` stands; raises ``LaporError``."""
        ...

"""SP4N-LAPOR!: filing admin-entered reports and reading their status, free of Pantau's database.

- ``protocol``: the types every path shares (``Submission``, ``Receipt``, ``RemoteStatus``, the errors and
  the ``LaporAdapter`` interface), and the table from LAPOR!'s statuses to Pantau's.
- ``api``: ``ApiAdapter``, the Integration API over HTTP; the only module that knows the wire format.
- ``manual``: the text an operator pastes into LAPOR! when a region files by hand (assisted entry).
- ``tracking_id``: reading a tracking ID an operator typed.
- ``resilience``: back-off between tries and the per-region circuit breaker.

The protocol is an assumption until checked against a region's real documentation: docs/lapor.md.
"""

from services.lapor.protocol import (
    KLASIFIKASI,
    LAPOR_STATUSES,
    PANTAU_STATUS,
    FollowUp,
    LaporAdapter,
    LaporBadAnswer,
    LaporError,
    LaporNotFound,
    LaporRejected,
    LaporUnauthorized,
    LaporUnavailable,
    Receipt,
    RemoteStatus,
    Submission,
)
from services.lapor.tracking_id import InvalidTrackingId, parse_tracking_id

__all__ = [
    "KLASIFIKASI",
    "LAPOR_STATUSES",
    "PANTAU_STATUS",
    "FollowUp",
    "InvalidTrackingId",
    "LaporAdapter",
    "LaporBadAnswer",
    "LaporError",
    "LaporNotFound",
    "LaporRejected",
    "LaporUnauthorized",
    "LaporUnavailable",
    "Receipt",
    "RemoteStatus",
    "Submission",
    "parse_tracking_id",
]

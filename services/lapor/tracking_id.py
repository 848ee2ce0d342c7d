"""LAPOR! tracking IDs: 7 to 10 digits (an assumption: docs/lapor.md).

Operators copy them from LAPOR!'s screens and e-mails, where they appear as ``#1234567`` or grouped with
spaces; ``parse_tracking_id`` accepts those and returns the bare digits, the one form Pantau stores.
"""

from __future__ import annotations

import re

TRACKING_ID = re.compile(r"[0-9]{7,10}")
_SHOWN_CHARS = 40


class InvalidTrackingId(ValueError):
    """Text that is not a LAPOR! tracking ID; the message is one line an operator can act on."""


def parse_tracking_id(text: str) -> str:
    """``text`` as a tracking ID: whitespace anywhere and one leading ``#`` are dropped, then 7 to 10 ASCII
    digits must remain. Raises ``InvalidTrackingId`` otherwise."""
    compact = "".join(text.split())
    candidate = compact.removeprefix("#")
    if TRACKING_ID.fullmatch(candidate):
        return candidate
    shown = compact if len(compact) <= _SHOWN_CHARS else compact[:_SHOWN_CHARS] + "..."
    raise InvalidTrackingId(
        f"Nomor pelacakan LAPOR! tidak valid: {shown!r}; harus 7 sampai 10 angka, contoh 1234567 "
        "(invalid LAPOR! tracking ID: 7 to 10 digits expected)"
    )

"""Social handles are personal data (UU 27/2022): Pantau keeps only a keyed hash of them.

The hash is an HMAC-SHA256 of ``platform:handle`` (handle lower-cased, without "@"), so one author's posts can
still be grouped, but the handle cannot be recovered or looked up without the key
(``PANTAU_HANDLE_HASH_KEY``), not even by trying every handle of a platform.
"""

from __future__ import annotations

import hashlib
import hmac


def hash_handle(platform: str, handle: str, key: str) -> str:
    """The hex HMAC of a platform handle; the same author gets the same value on every run with one key."""
    if not key:
        raise ValueError("a handle hash needs a key (PANTAU_HANDLE_HASH_KEY)")
    canonical = f"{platform.strip().lower()}:{handle.strip().lstrip('@').lower()}"
    return hmac.new(key.encode(), canonical.encode(), hashlib.sha256).hexdigest()

"""Text normalisation shared by training, prediction and matching."""

from __future__ import annotations

import re
import unicodedata

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_REPEAT = re.compile(r"(\w)\1{2,}")
_SPACE = re.compile(r"\s+")

# Informal spellings common in Indonesian posts, mapped to the standard word the models saw most.
SLANG = {
    "jln": "jalan",
    "jl": "jalan",
    "gk": "tidak",
    "ga": "tidak",
    "gak": "tidak",
    "nggak": "tidak",
    "enggak": "tidak",
    "tdk": "tidak",
    "gada": "tidak ada",
    "gaada": "tidak ada",
    "blm": "belum",
    "udh": "sudah",
    "udah": "sudah",
    "sdh": "sudah",
    "dgn": "dengan",
    "yg": "yang",
    "utk": "untuk",
    "krn": "karena",
    "bgt": "banget",
    "lampu2": "lampu",
    "pju": "pju",
    "kec": "kecamatan",
    "kel": "kelurahan",
    "ds": "desa",
}
_SLANG_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, SLANG), key=len, reverse=True)) + r")\b")
MAX_CHARS = 20_000


def normalise(text: str, max_chars: int = MAX_CHARS) -> str:
    """Lower-cased, NFKC, no URLs, mentions or control characters, slang expanded, letters not tripled."""
    text = unicodedata.normalize("NFKC", text[:max_chars])
    text = _CONTROL.sub(" ", text).lower()
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _REPEAT.sub(r"\1\1", text)
    text = _SLANG_RE.sub(lambda m: SLANG[m.group(1)], text)
    return _SPACE.sub(" ", text).strip()

"""Text normalisation shared by training, prediction and matching."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_URL = re.compile(r"https?://\S+|www\.\S+")
_MENTION = re.compile(r"@\w+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_REPEAT = re.compile(r"([^\W\d_])\1{2,}")  # letters only: "1000000" stays a number
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


_STRIP = re.compile(r"https?://\S+|www\.\S+|@\w+")
_WORD = re.compile(r"[^\W_]+")


@lru_cache(maxsize=262_144)
def _canonical(word: str) -> tuple[str, ...]:
    word = _REPEAT.sub(r"\1\1", word)
    expansion = SLANG.get(word)
    return tuple(expansion.split()) if expansion else (word,)


def tokens(text: str, max_chars: int = MAX_CHARS) -> list[str]:
    """The words of ``text`` as ``normalise`` would leave them, in one pass (the fast path for models)."""
    text = _STRIP.sub(" ", unicodedata.normalize("NFKC", text[:max_chars]).lower())
    words: list[str] = []
    for word in _WORD.findall(text):
        words.extend(_canonical(word))
    return words


_PREFIXES = (
    "meng",
    "meny",
    "mem",
    "men",
    "me",
    "peng",
    "peny",
    "pem",
    "pen",
    "pe",
    "ber",
    "ter",
    "di",
    "ke",
    "se",
)
_SUFFIXES = ("nya", "kan", "an", "lah", "kah", "i")


@lru_cache(maxsize=262_144)
def stem(word: str) -> str:
    """A crude Indonesian stem (one suffix, then one prefix stripped): ``diperbaiki`` and ``perbaikan`` meet.

    Not linguistically exact (that needs a dictionary); it only has to make inflected forms share a feature.
    """
    if len(word) < 6 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            word = word[: -len(suffix)]
            break
    for prefix in _PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 4:
            return word[len(prefix) :]
    return word


def content_hash(text: str) -> str:
    """SHA-256 of the text with case and whitespace folded, so trivial reformatting does not count."""
    return hashlib.sha256(_SPACE.sub(" ", text).strip().lower().encode("utf-8")).hexdigest()

"""Incident clustering: which open incident a new mention belongs to (pure, no database).

Two rules, tried in order (docs/clustering.md explains the choices):

1. *near duplicate*: the MinHash of the word 3-shingles is at least ``NEAR_DUPLICATE`` similar to a mention of
   an incident (syndicated articles, reposts), found through LSH, and the two places do not conflict;
2. *same incident*: same function, same place and enough shared content words with a mention of the incident.

Both need the incident to be active within the time window. Anything else is a new incident.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt
from datasketch import MinHash, MinHashLSH

from nlp.text import normalise

NUM_PERM: Final = 64
SEED: Final = 1
# datasketch 2's default scheme: a bijective affine permutation over 32-bit hashes, stored as uint32.
SCHEME: Final = "affine32"
# First byte of ``MinHashSignature.to_bytes``: bump it when the shingling, seed, scheme or NUM_PERM change, so
# signatures stored by an older version are refused (and recomputed from text) instead of compared wrongly.
SIGNATURE_FORMAT: Final = 2
MAX_INPUT_CHARS: Final = 20_000
SHINGLE_WORDS: Final = 3

NEAR_DUPLICATE: Final = 0.5  # estimated Jaccard of word 3-shingles
SAME_INCIDENT: Final = 0.3  # overlap of content words, see _overlap
MIN_SHARED_WORDS: Final = 3
DEFAULT_WINDOW: Final = timedelta(days=14)

NEAR_DUPLICATE_REASON: Final = "near_duplicate"
SAME_INCIDENT_REASON: Final = "same_incident"
NEW_REASON: Final = "new"

_BYTES_PER_VALUE = 4
_LETTER_RUN = re.compile(r"([^\W\d_])\1+")
_WORD = re.compile(r"\w+")
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations

# Words that say nothing about *which* incident a text is about: Indonesian function words, the vocabulary of
# any complaint or news report, the region's own name, and the setting of many incidents (roads, rain,
# children on the way to school). Desa and kecamatan names cannot be listed (this module has no gazetteer):
# the same-incident rule compares only mentions of the same place, and MIN_SHARED_WORDS asks for more words
# than a place name has.
_STOPWORD_TEXT = """
ada adalah agar akan aku amat anda antara apa apakah atas atau bagaimana bahkan bahwa baik banget banyak baru
bawah beberapa begitu belum berada berapa besar bila bisa boleh buat bukan cukup dalam dan dapat dari daripada
demikian dengan di dia dimana ditemui hal hampir hanya harus hingga ia ialah ini itu jadi jangan jika juga
kalau kali kami kamu kapan karena katanya ke kembali kemudian kenapa kepada ketika kini kita lagi lain lalu
lama lebih maka makin mana masih mau melalui menjadi menurut mereka merupakan meski mungkin namun nanti oleh
pada padahal para pernah pun saat saja sambil sampai sangat satu saya sebagai sebelum sebuah secara sedang
sehingga sejak sekali sekitar selalu selama semua sendiri seperti serta sering setelah sih sudah supaya tadi
tak tanpa tapi telah tentu terhadap terus tetapi tiap tidak tiga toh ujar untuk usai wah walau yaitu
yakni yang
hari kemarin minggu bulan tahun pagi siang sore malam
kata mengatakan menyampaikan menjelaskan mengungkapkan ungkap ungkapnya jelasnya tuturnya katanya pak bu bapak
ibu mas mbak min admin tolong mohon segera cepat harap berharap semoga
warga masyarakat pemerintah pemkab pemdes dinas pihak kepala camat lurah bupati dprd instansi terkait
kabupaten kutai timur kutim kaltim kalimantan provinsi kota kecamatan kelurahan desa dusun
rusak parah kondisi keluhan mengeluh mengeluhkan dikeluhkan lapor melapor melaporkan laporan dilaporkan
perbaikan diperbaiki perbaiki memperbaiki ditangani penanganan masalah persoalan akibat dampak
berita baca redaksi editor reporter penulis foto ikuti simak klik selengkapnya google news com co id
jalan lewat melintas melewati sepanjang kawasan wilayah lokasi daerah sekitar depan dekat belakang samping
hujan deras air gelap gulita terang
orang anak sekolah rumah motor mobil sepeda kendaraan pengendara pengguna
takut rawan bahaya berbahaya terjadi kejadian korban
"""


@lru_cache(maxsize=100_000)
def _collapse(word: str) -> str:
    """Repeated letters as one (``mantappp`` and ``mantap`` agree); digits are left alone.

    Cached per word: running the back-referencing pattern over whole texts costs more than the hashing.
    """
    return _LETTER_RUN.sub(r"\1", word)


_STOPWORDS: Final = frozenset(_collapse(word) for word in _STOPWORD_TEXT.split())


@dataclass(frozen=True)
class MinHashSignature:
    """The MinHash of a text: ``NUM_PERM`` uint32 values (little-endian bytes), or none for an empty text.

    The empty signature is similar to nothing, itself included.
    """

    raw: bytes = b""

    def __post_init__(self) -> None:
        if len(self.raw) not in (0, NUM_PERM * _BYTES_PER_VALUE):
            raise ValueError(
                f"a signature has {NUM_PERM * _BYTES_PER_VALUE} bytes of values, got {len(self.raw)}"
            )

    @property
    def is_empty(self) -> bool:
        """True for the signature of a text without words."""
        return not self.raw

    @property
    def hashvalues(self) -> npt.NDArray[np.uint32]:
        """The MinHash values (read-only view of ``raw``)."""
        return np.frombuffer(self.raw, dtype="<u4")

    def jaccard(self, other: MinHashSignature) -> float:
        """Estimated Jaccard similarity of the two shingle sets; 0.0 when either is empty."""
        if self.is_empty or other.is_empty:
            return 0.0
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / NUM_PERM

    def to_bytes(self) -> bytes:
        """Compact form for the database: one format byte, then the values (257 bytes, 1 when empty)."""
        return bytes([SIGNATURE_FORMAT]) + self.raw

    @classmethod
    def from_bytes(cls, data: bytes) -> MinHashSignature:
        """The signature ``to_bytes`` wrote; ValueError for another format (recompute it from the text)."""
        if not data or data[0] != SIGNATURE_FORMAT:
            found = data[0] if data else "nothing"
            raise ValueError(
                f"signature format {found} is not {SIGNATURE_FORMAT}: recompute it from the text"
            )
        return cls(bytes(data[1:]))

    def minhash(self) -> MinHash:
        """The datasketch MinHash with these values (for the LSH index)."""
        return MinHash(
            num_perm=NUM_PERM,
            seed=SEED,
            hashvalues=self.hashvalues,
            permutations=_PERMUTATIONS,
            scheme=SCHEME,
        )


def _words(text: str) -> list[str]:
    """The words of a text as clustering sees them: normalised, letters not repeated, no leading ``RT``."""
    tokens = [_collapse(token) for token in _WORD.findall(normalise(text, MAX_INPUT_CHARS))]
    return tokens[1:] if tokens[:1] == ["rt"] else tokens


_WORD_HASHES: dict[str, int] = {}  # word -> CRC-32 (a plain dict: the hot path of every signature)
_MIX = np.uint32(0x9E3779B1)  # golden-ratio multiplier: combines three word hashes into a shingle hash


def _word_hash(word: str) -> int:
    value = _WORD_HASHES.get(word)
    if value is None:
        value = zlib.crc32(word.encode("utf-8"))
        if len(_WORD_HASHES) < 500_000:
            _WORD_HASHES[word] = value
    return value


def _fmix32(values: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
    """MurmurHash3's 32-bit finalizer (a bijection spreading structured inputs), as datasketch's affine32."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def _signature_of_words(tokens: Sequence[str]) -> MinHashSignature:
    """MinHash of the word 3-shingles (1-shingles below three words); empty for no words.

    A shingle's hash combines its words' CRC-32s (``h0 * M^2 + h1 * M + h2`` in 32-bit arithmetic), all in
    numpy; then datasketch's affine32 scheme: fmix32, ``a * h + b`` per permutation, minimum per permutation.
    Building shingle strings and hashing each in Python cost three times as much.
    """
    if not tokens:
        return MinHashSignature()
    words = np.fromiter((_word_hash(w) for w in tokens), dtype=np.uint32, count=len(tokens))
    with np.errstate(over="ignore"):
        long_enough = len(words) >= SHINGLE_WORDS
        shingles = (words[:-2] * _MIX + words[1:-1]) * _MIX + words[2:] if long_enough else words
        mixed = _fmix32(np.unique(shingles)).reshape(-1, 1)
        permuted = mixed * _PERMUTATIONS[0] + _PERMUTATIONS[1]
    return MinHashSignature(permuted.min(axis=0).astype("<u4").tobytes())


def _from_model_words(words: Sequence[str]) -> list[str]:
    """``nlp.text.tokens`` output as clustering sees words (the same as ``_words`` of the text, cheaper)."""
    tokens = [_collapse(word) for word in words]
    return tokens[1:] if tokens[:1] == ["rt"] else tokens


def signature_of_model_words(words: Sequence[str]) -> MinHashSignature:
    """MinHash signature from ``nlp.text.tokens`` output (triage tokenises once for every step)."""
    return _signature_of_words(_from_model_words(words))


def signature(text: str) -> MinHashSignature:
    """MinHash signature of a text (at most ``MAX_INPUT_CHARS`` characters of it are read)."""
    return _signature_of_words(_words(text))


def _content_words(tokens: Sequence[str]) -> frozenset[str]:
    """Words that can tell incidents apart: no stopwords, ``-nya`` cut, no 1-2 letter words but numbers."""
    found = set()
    for token in tokens:
        word = token[:-3] if len(token) > 6 and token.endswith("nya") else token
        if word not in _STOPWORDS and (len(word) >= 3 or word.isdigit()):
            found.add(word)
    return frozenset(found)


def _overlap(first: frozenset[str], second: tuple[str, ...]) -> float:
    """Shared content words over the smaller set (a short post inside a long article scores high).

    Below ``MIN_SHARED_WORDS`` shared words it is 0.0: one or two common words prove nothing. ``second`` holds
    distinct words, as a tuple because the index keeps one per mention and a set is several times larger.
    """
    shared = len(first.intersection(second))
    if shared < MIN_SHARED_WORDS:
        return 0.0
    return shared / min(len(first), len(second))


@dataclass(frozen=True)
class Mention:
    """One text about a possible incident, with what triage found: function, place, time."""

    key: str
    text: str
    function: str
    kecamatan_code: str | None
    desa_code: str | None
    seen_at: datetime
    signature: MinHashSignature | None = None
    words: tuple[str, ...] | None = None  # ``nlp.text.tokens(text)`` when the caller has them already

    def __post_init__(self) -> None:
        if self.seen_at.tzinfo is None or self.seen_at.utcoffset() is None:
            raise ValueError(
                f"Mention {self.key!r}: seen_at must be timezone-aware, got naive {self.seen_at.isoformat()}"
            )


@dataclass(frozen=True)
class ClusterDecision:
    """The incident a mention belongs to (None for a new one), why, and how similar to which mention."""

    incident_id: str | None
    reason: str  # near_duplicate | same_incident | new
    similarity: float
    mention_key: str | None = None  # the incident's mention that matched, for the explanation


@dataclass(frozen=True)
class _Place:
    kecamatan: str | None
    desa: str | None

    @classmethod
    def of(cls, mention: Mention) -> _Place:
        """The mention's place; a desa code (``64.08.09.2001``) also gives its kecamatan (``64.08.09``)."""
        kecamatan = mention.kecamatan_code or None
        desa = mention.desa_code or None
        if kecamatan is None and desa is not None and "." in desa:
            kecamatan = desa.rsplit(".", 1)[0]
        return cls(kecamatan, desa)

    def conflicts(self, other: _Place) -> bool:
        """Both name a desa and they differ, or both name a kecamatan and they differ."""
        return bool(
            (self.desa and other.desa and self.desa != other.desa)
            or (self.kecamatan and other.kecamatan and self.kecamatan != other.kecamatan)
        )

    def stored_keys(self) -> list[str]:
        """Place-index keys a mention is filed under."""
        if self.desa:
            return [f"desa:{self.desa}"] + ([f"kec:{self.kecamatan}"] if self.kecamatan else [])
        if self.kecamatan:
            return [f"kec:{self.kecamatan}", f"kec-only:{self.kecamatan}"]
        return []

    def lookup_keys(self) -> list[str]:
        """Place-index keys whose mentions are at the same place as this one.

        A desa matches the same desa, or a mention placed only in its kecamatan; a kecamatan-only place
        matches every mention in that kecamatan. Two different desas never match, nor does no place.
        """
        if self.desa:
            return [f"desa:{self.desa}"] + ([f"kec-only:{self.kecamatan}"] if self.kecamatan else [])
        if self.kecamatan:
            return [f"kec:{self.kecamatan}"]
        return []


@dataclass(frozen=True)
class _Entry:
    incident_id: str
    key: str
    signature: MinHashSignature
    content: tuple[str, ...]
    place: _Place


@dataclass
class _Span:
    first: datetime
    last: datetime

    def reaches(self, moment: datetime, window: timedelta) -> bool:
        """True when ``moment`` is within ``window`` of the incident's first-to-last mention interval."""
        return self.first - window <= moment <= self.last + window


@dataclass(frozen=True)
class _Prepared:
    """A mention with what the rules compare: its signature (given or computed), content words and place."""

    mention: Mention
    signature: MinHashSignature
    content: frozenset[str]
    place: _Place

    @classmethod
    def of(cls, mention: Mention) -> _Prepared:
        tokens = _words(mention.text) if mention.words is None else _from_model_words(mention.words)
        found = mention.signature if mention.signature is not None else _signature_of_words(tokens)
        return cls(mention, found, _content_words(tokens), _Place.of(mention))


class IncidentIndex:
    """Open incidents of one region, for assigning new mentions to them (built per triage batch)."""

    def __init__(self, window: timedelta = DEFAULT_WINDOW) -> None:
        if window <= timedelta(0):
            raise ValueError(f"the time window must be positive, got {window}")
        self.window = window
        # Weighted towards recall: with 64 permutations a plain 0.5 threshold finds a pair of true Jaccard 0.5
        # only 60% of the time; these weights give 21 bands of 3 rows (94%). Candidates are verified anyway.
        self._lsh = MinHashLSH(threshold=NEAR_DUPLICATE, num_perm=NUM_PERM, weights=(0.1, 0.9))
        self._entries: list[_Entry] = []
        self._spans: dict[str, _Span] = {}
        self._places: defaultdict[tuple[str, str], list[_Entry]] = defaultdict(list)
        self._new_ids = 0
        self._last: tuple[Mention, _Prepared] | None = None  # assign() then add() of a mention: prepare once

    def __len__(self) -> int:
        """Number of incidents."""
        return len(self._spans)

    def add(self, incident_id: str, mention: Mention) -> None:
        """Register a mention of an incident (new or already known)."""
        self._add(incident_id, self._prepared(mention))

    def assign(self, mention: Mention) -> ClusterDecision:
        """The incident this mention belongs to; the index is not changed."""
        return self._assign(self._prepared(mention))

    def _prepared(self, mention: Mention) -> _Prepared:
        if self._last is not None and self._last[0] is mention:
            return self._last[1]
        prepared = _Prepared.of(mention)
        self._last = (mention, prepared)
        return prepared

    def cluster(self, mentions: Sequence[Mention]) -> list[str]:
        """Assign each mention in order and add it; a new incident gets the next id ``new-1``, ``new-2``..."""
        ids = []
        for mention in mentions:
            prepared = _Prepared.of(mention)
            incident_id = self._assign(prepared).incident_id or self._next_new_id()
            self._add(incident_id, prepared)
            ids.append(incident_id)
        return ids

    def _next_new_id(self) -> str:
        while True:
            self._new_ids += 1
            candidate = f"new-{self._new_ids}"
            if candidate not in self._spans:
                return candidate

    def _add(self, incident_id: str, prepared: _Prepared) -> None:
        moment = prepared.mention.seen_at
        span = self._spans.get(incident_id)
        if span is None:
            self._spans[incident_id] = _Span(moment, moment)
        else:
            span.first, span.last = min(span.first, moment), max(span.last, moment)
        entry = _Entry(
            incident_id, prepared.mention.key, prepared.signature, tuple(prepared.content), prepared.place
        )
        if not entry.signature.is_empty:
            self._lsh.insert(len(self._entries), entry.signature.minhash(), check_duplication=False)
        self._entries.append(entry)
        for place_key in entry.place.stored_keys():
            self._places[(prepared.mention.function, place_key)].append(entry)

    def _assign(self, prepared: _Prepared) -> ClusterDecision:
        return (
            self._near_duplicate(prepared)
            or self._same_incident(prepared)
            or ClusterDecision(None, NEW_REASON, 0.0)
        )

    def _active(self, entry: _Entry, moment: datetime) -> bool:
        return self._spans[entry.incident_id].reaches(moment, self.window)

    def _near_duplicate(self, prepared: _Prepared) -> ClusterDecision | None:
        """Rule 1: the most similar LSH candidate, active, not at another place, at least NEAR_DUPLICATE."""
        if prepared.signature.is_empty:
            return None
        candidates: list[int] = self._lsh.query(prepared.signature.minhash())
        scored = (
            (prepared.signature.jaccard(entry.signature), entry)
            for entry in (self._entries[position] for position in sorted(candidates))
            if self._active(entry, prepared.mention.seen_at) and not entry.place.conflicts(prepared.place)
        )
        return _best(scored, NEAR_DUPLICATE, NEAR_DUPLICATE_REASON)

    def _same_incident(self, prepared: _Prepared) -> ClusterDecision | None:
        """Rule 2: the mention of the same function and place, active, sharing the most content words."""
        buckets = (
            self._places.get((prepared.mention.function, key), []) for key in prepared.place.lookup_keys()
        )
        scored = (
            (_overlap(prepared.content, entry.content), entry)
            for bucket in buckets
            for entry in bucket
            if self._active(entry, prepared.mention.seen_at)
        )
        return _best(scored, SAME_INCIDENT, SAME_INCIDENT_REASON)


def _best(scored: Iterable[tuple[float, _Entry]], threshold: float, reason: str) -> ClusterDecision | None:
    """The decision for the highest score at or above the threshold (the first one on a tie), or None."""
    best: tuple[float, _Entry] | None = None
    for score, entry in scored:
        if score >= threshold and (best is None or score > best[0]):
            best = (score, entry)
    if best is None:
        return None
    return ClusterDecision(best[1].incident_id, reason, best[0], best[1].key)

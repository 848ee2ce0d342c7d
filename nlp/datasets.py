"""Loaders for the training and evaluation data in ``../shared/data`` (never committed: no licence).

Every loader returns ``Example`` rows with a stable key, so the held-out split (``nlp.labels.is_held_out``)
is the same on every machine and in every run.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from nlp.labels import is_held_out, read_labels, require_matched, text_id

COMPLAINT = "complaint"
NOT_COMPLAINT = "not_complaint"


class DataMissing(FileNotFoundError):
    """The shared data folder (or one of its files) is not there."""


@dataclass(frozen=True)
class Example:
    key: str
    text: str
    label: str  # complaint | not_complaint
    function: str | None
    agency: str | None  # canonical agency code, where the data has one
    origin: str
    social: bool = False  # a social-media post (scored by the model's social detector), not news or a letter

    @property
    def held_out(self) -> bool:
        return is_held_out(self.key)


def _open_csv(path: Path) -> Iterator[dict[str, str]]:
    if not path.exists():
        raise DataMissing(f"{path} not found: the training data lives in ../shared/data")
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


# Surabaya's topic (topik) -> function, first matching pattern wins; the agency decides when none matches.
_TOPIC_RULES: list[tuple[str, str]] = [
    (r"pju|lampu|penerangan|warning light", "PJU"),
    (r"sampah|kebersihan|\btps\b", "SAMPAH"),
    (
        r"traffic light|rambu|marka|zebra|parkir|jukir|lalu lintas|bollard|cermin|speedtrap|polisi tidur"
        r"|penutupan jalan|pctl|rekayasa",
        "PARKIR_LALIN",
    ),
    (r"suroboyo bus|halte|angkutan|\bbus\b|trayek|feeder", "ANGKUTAN"),
    (r"saluran|genangan|drainase|tanggul|plengsengan|pengerukan|sedimen|rumah pompa|bozem", "DRAINASE"),
    (r"jalan|paving|trotoar|pedestrian|aspal|jembatan|box culvert", "JALAN"),
    (r"pohon|perantingan|taman|pencemaran|limbah|lingkungan|kebisingan", "LINGKUNGAN"),
    (r"pdam|air bersih|air minum", "AIR_BERSIH"),
    (r"listrik|\bpln\b", "LISTRIK"),
    (
        r"ktp|\bkk\b|akta|\bnik\b|kependudukan|pindah|identitas anak|klampid|dispendukcapil|kartu keluarga",
        "ADMINDUK",
    ),
    (r"bpjs|\bpbi\b|mbr|bansos|miskin|permakanan|liponsos|sosial|\bblt\b|disabilitas|lansia|yatim", "SOSIAL"),
    (
        r"puskesmas|rumah sakit|kesehatan|vaksin|covid|fogging|rsud|klinik|dokter|stunting|posyandu",
        "KESEHATAN",
    ),
    (
        r"ppdb|sekolah|pendidikan|paud|ijazah|\bspp\b|\bbos\b|\bpip\b|\bkip\b|beasiswa|pelajar|guru",
        "PENDIDIKAN",
    ),
    (
        r"pkl|bangunan liar|penertiban|mercon|petasan|ketertiban|reklame|gangguan jiwa|miras|judi",
        "KETERTIBAN",
    ),
    (r"kebakaran|hydrant|hidran|damkar", "KEBAKARAN"),
    (r"bencana|banjir|longsor|\b112\b|kampung tangguh|angin", "BENCANA"),
    (
        r"lowongan|tenaga kerja|ketenagakerjaan|bursa kerja|\bphk\b|pengupahan|hubungan industrial|alih daya",
        "KETENAGAKERJAAN",
    ),
    (r"pegawai|\bpns\b|\basn\b|disiplin|oknum|pungli|cpns|pppk", "KEPEGAWAIAN"),
    (r"izin|perizinan|\bpbg\b|\bimb\b|\bskrk\b", "PERIZINAN"),
    (r"aplikasi|website|\bweb\b|situs|wifi|fiber optic|internet|e-gov", "LAYANAN_DIGITAL"),
    (r"rt/rw|kelurahan|kecamatan|surat|domisili|ahli waris|musrenbang|padat karya|nikah", "LAYANAN_WILAYAH"),
    (r"rusun|rumah tidak layak|fasilitas umum|makam|permakaman|aset|lapangan|pasar|balai", "FASUM"),
]
_TOPIC_PATTERNS = [(re.compile(p), f) for p, f in _TOPIC_RULES]
_AGENCY_FALLBACK = {
    "PUPR": "JALAN",
    "DLH": "LINGKUNGAN",
    "DINSOS": "SOSIAL",
    "KEWILAYAHAN": "LAYANAN_WILAYAH",
    "DISHUB": "PARKIR_LALIN",
    "DISDUKCAPIL": "ADMINDUK",
    "DINKES": "KESEHATAN",
    "DISDIK": "PENDIDIKAN",
    "PDAM": "AIR_BERSIH",
    "SATPOL_PP": "KETERTIBAN",
    "PERKIM": "FASUM",
    "DISNAKER": "KETENAGAKERJAAN",
    "BPBD": "BENCANA",
    "DAMKAR": "KEBAKARAN",
    "PLN": "LISTRIK",
    "KOMINFO": "LAYANAN_DIGITAL",
}


def surabaya_function(topic: str, agency: str) -> str:
    """The function of a Surabaya complaint, from its topic, falling back on the agency it went to."""
    lowered = topic.lower()
    for pattern, function in _TOPIC_PATTERNS:
        if pattern.search(lowered):
            return function
    return _AGENCY_FALLBACK.get(agency, "LAINNYA")


def surabaya(data_dir: Path) -> list[Example]:
    """Real Surabaya complaints (all ``complaint``), with function and canonical agency."""
    rows = []
    for row in _open_csv(data_dir / "surabaya_complaints" / "complaints.csv"):
        text = row["text"].replace("\\n", "\n").strip()
        if len(text) < 20:
            continue
        rows.append(
            Example(
                key=f"sby:{row['id']}",
                text=text,
                label=COMPLAINT,
                function=surabaya_function(row["topik"], row["agency"]),
                agency=row["agency"],
                origin="surabaya",
            )
        )
    return rows


def _labelled_tweets(path: Path, column: str, label_files: tuple[str, ...], origin: str) -> list[Example]:
    """The texts of ``path`` that the label files label; every label must find its text
    (``nlp.labels.require_matched``)."""
    labels = read_labels(*label_files)
    rows = []
    seen = set()
    for row in _open_csv(path):
        text = row[column]
        key = text_id(text)
        label = labels.get(key)
        if text.strip():
            seen.add(key)
        if label is not None and text.strip():
            rows.append(Example(key, text.strip(), label.label, label.function, None, origin, social=True))
    require_matched(label_files, seen, path)
    return rows


INFRASTRUCTURE_LABELS = (
    # read again under the sharpened boundary (docs/labelling-guideline.md), first so that they win
    "infrastructure_tweets_reread_part1.csv",
    "infrastructure_tweets_reread_part2.csv",
    "infrastructure_tweets_part1.csv",  # the first reading
    "infrastructure_tweets_part2.csv",
)


def infrastructure_tweets(data_dir: Path) -> list[Example]:
    """X posts found with infrastructure keywords, labelled by the team."""
    return _labelled_tweets(
        data_dir / "infrastructure_tweets_unlabeled" / "tweets.csv",
        "text",
        INFRASTRUCTURE_LABELS,
        "infra_tweets",
    )


def sp4n_tweets(data_dir: Path) -> list[Example]:
    """Tweets mentioning SP4N-LAPOR! (mostly about complaint handling), labelled by the team."""
    return _labelled_tweets(
        data_dir / "sp4n_lapor_tweets" / "tweets.csv", "full_text", ("sp4n_tweets.csv",), "sp4n_tweets"
    )


SOCIAL_POOL_CSV = Path("social_pool_unlabeled") / "posts.csv"


def social_posts(data_dir: Path) -> list[str]:
    """The texts of the shared social pool, labelled or not, in its order (benchmarks)."""
    return [row["text"].strip() for row in _open_csv(data_dir / SOCIAL_POOL_CSV) if row["text"].strip()]


SOCIAL_POOL_LABELS = (
    # the six service datasets read again under the sharpened boundary (docs/labelling-guideline.md): first,
    # so that their labels win over the first reading's
    *(f"social_pool_reread_part{n}.csv" for n in range(1, 5)),
    *(f"social_pool_part{n}.csv" for n in range(1, 6)),  # the first reading: all 7,838 posts
)


def social_pool(data_dir: Path) -> list[Example]:
    """Posts of X, Instagram, YouTube and TikTok from several cities (transport, health, waste, parking and
    chatter), labelled by the team (``SOCIAL_POOL_LABELS``)."""
    return _labelled_tweets(data_dir / SOCIAL_POOL_CSV, "text", SOCIAL_POOL_LABELS, "social_pool")


TEAM_NEWS = Path(__file__).resolve().parent / "corpus" / "team_news.jsonl"


def team_news(path: Path = TEAM_NEWS) -> list[Example]:
    """Fictional regional news articles the team wrote (outside Kutai Timur), both kinds, kept in the repo."""
    examples = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                text = f"{row['title']}\n{row['text']}"
                examples.append(
                    Example(f"team:{row['id']}", text, row["label"], row["function"], None, "team_news")
                )
    return examples

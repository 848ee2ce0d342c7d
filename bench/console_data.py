"""A year of Pantau data in PostgreSQL or SQLite, for the console's load benchmark (bench/console_load.py).

    .venv/bin/python bench/console_data.py [--documents 1000000] [--incidents 100000] [--seed 10]
                                           [--database pantau_bench | --sqlite FILE] [--until 2026-11-30]
                                           [--province 64] [--region 64.08 ...]
                                           [--forwarded-per-opd 1000] [--raw-kb 0] [--json OUT]

Drops and creates the database (its name must start with ``pantau_bench``: never a test database; with
``--sqlite``, the file), migrates it to head and syncs the configured regions, agencies, routes and sources
(``flows.setup.initialise``): the repository's configuration, or with ``--province`` every kabupaten/kota of
that province (bench/province_config.py); ``--region`` keeps only the regions named. Then it writes every
table, with COPY into PostgreSQL, or into SQLite through the models' tables in batches:
- hourly crawl runs over the year before ``--until``;
- documents of the configured sources over that year, spread over the outlets unevenly (the first ones in
  sources.yaml are the biggest), titles and texts recombined from sentences of the team-written news corpus
  (a median text of 2,000 characters, log-normal), 2% quarantined;
- one detection per usable document: complaint, "perlu ditinjau" (review, 6%) or not a complaint, with the
  explanation, alternatives and MinHash signature sizes triage writes;
- ``--incidents`` issues, each made of consecutive complaint mentions of one region (1 to 15 mentions, 1.7 on
  average), with a function, its OPD by the region's routing table, a place from the gazetteer, watchlists
  and urgency;
- one report per issue (drafted by ``nlp.report_text.draft_report``), its life played forward to ``--until``:
  reviewed after about a day, or (30%) after about a month in the backlog (so a few thousand wait at
  ``--until``); rejected (27%), set aside, or approved, filed, forwarded, acknowledged, answered and closed,
  each step after a realistic delay. An OPD with at least three times ``--forwarded-per-opd`` forwarded
  reports in the year leaves about that many unanswered; the others 4%;
- the filings, notifications (a row on channel ``contact`` where an OPD has no liaison contact, as
  ``services.notifications`` writes it) and follow-ups those lives made, and the audit row of every status
  change.
Then VACUUM and ANALYZE. The same seed, volumes and ``--until`` give the same rows. Results are recorded in
docs/benchmarks.md ("Console at scale").

Not generated: frontier entries, deadline alerts, watchlist versions, users (bench/console_load.py makes its
accounts), and raw pages unless ``--raw-kb`` is given (that many random, incompressible bytes per usable
document, as gzip output is); the console's pages read none of them.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import province_config
import psycopg
from report_json import emit
from sqlalchemy import JSON, Engine, insert, select

from config.catalog import Catalog
from config.settings import Settings
from db.base import Base
from db.deadlines import due_at
from db.models import Agency, Region, RejectReason, ReportStatus, Source
from db.workflow import REJECT_LABELS
from flows.runtime import Runtime
from flows.setup import initialise
from nlp.datasets import team_news
from nlp.report_text import draft_report, headline

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
MODEL_VERSION = "tfidf-svc-20261122-5ebbf11e"
S = ReportStatus
# How often each function is the subject of a complaint (roads and drainage lead, as in LAPOR!'s statistics)
FUNCTION_WEIGHTS = {
    **{"JALAN": 22, "DRAINASE": 8, "SAMPAH": 9, "AIR_BERSIH": 8, "PJU": 7, "LISTRIK": 7, "LINGKUNGAN": 5},
    **{"PARKIR_LALIN": 4, "ADMINDUK": 4, "KESEHATAN": 4, "PENDIDIKAN": 4, "SOSIAL": 3, "KETERTIBAN": 3},
    **{"BENCANA": 3, "ANGKUTAN": 2, "KEBAKARAN": 1, "PERIZINAN": 1, "KEPEGAWAIAN": 1, "LAYANAN_WILAYAH": 3},
    "KETENAGAKERJAAN": 1,
}
# Mentions per issue: (fewest, most, share of issues)
MENTIONS = ((1, 1, 0.68), (2, 2, 0.17), (3, 3, 0.07), (4, 4, 0.04), (5, 6, 0.03), (7, 15, 0.01))
REJECT_SHARES = {
    RejectReason.NOT_A_COMPLAINT: 0.45,
    RejectReason.DUPLICATE: 0.30,
    RejectReason.SPAM: 0.05,
    RejectReason.INSUFFICIENT: 0.15,
    RejectReason.OTHER: 0.05,
}
OPEN_REPORT = frozenset(
    {S.QUEUED, S.APPROVED, S.FILED, S.FORWARDED, S.ACKNOWLEDGED, S.FOLLOWED_UP, S.POSTPONED}
)
OUTSIDE = ("Kota Samarinda", "Kota Bontang", "Kota Balikpapan")
REVIEW_SHARE = 0.06
QUARANTINED_SHARE = 0.02


def pg_url(database: str) -> str:
    return f"{PG_SERVER}/{database}"


def recreate_database(name: str) -> None:
    """Drop and create ``name``; refuses any name that is not a bench database."""
    if not re.fullmatch(r"pantau_bench\w*", name):
        raise SystemExit(f"refusing to recreate {name!r}: the bench database's name starts with pantau_bench")
    with psycopg.connect(pg_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


# --- text ----------------------------------------------------------------------------------------------


class Corpus:
    """Sentences and titles of the team-written news corpus (in the repository), recombined into documents."""

    def __init__(self) -> None:
        self.sentences: list[str] = []
        self.titles: list[list[str]] = []
        for example in team_news():
            title, _, text = example.text.partition("\n")
            self.titles.append(title.split())
            parts = re.split(r"(?<=[.!?])\s+|\n", text)
            self.sentences += [s.strip() for s in parts if len(s.strip()) > 20]
        self.title_slugs = [[re.sub(r"[^a-z0-9]+", "", w.lower()) for w in t] for t in self.titles]
        # a sentence ends a paragraph one time in three
        self.pieces = [s + end for s in self.sentences for end in (" ", " ", "\n")]
        self.mean_piece = sum(map(len, self.pieces)) / len(self.pieces)
        self.words = sorted({w.lower() for s in self.sentences for w in s.split() if w.isalpha()})

    def documents(self, rng: np.random.Generator, count: int) -> Iterator[tuple[str, str, str]]:
        """``count`` documents as (title, its URL slug, text); texts of a log-normal length around a median
        of 2,000 characters (300 to 15,000), titles made of the start of one title and the end of another."""
        lengths = np.clip(rng.lognormal(math.log(2000), 0.5, count), 300, 15_000)
        sizes = np.maximum(1, np.rint(lengths / self.mean_piece)).astype(np.int64)
        picks = rng.integers(0, len(self.pieces), int(sizes.sum())).tolist()
        ends = np.cumsum(sizes).tolist()
        firsts = rng.integers(0, len(self.titles), count).tolist()
        seconds = rng.integers(0, len(self.titles), count).tolist()
        cuts = rng.integers(2, 7, count).tolist()
        pieces, start = self.pieces, 0
        for i in range(count):
            text = "".join([pieces[j] for j in picks[start : ends[i]]]).rstrip()
            start = ends[i]
            a, b = firsts[i], seconds[i]
            cut = min(cuts[i], len(self.titles[a]))
            title = " ".join(self.titles[a][:cut] + self.titles[b][cut:])
            url_slug = "-".join(filter(None, self.title_slugs[a][:cut] + self.title_slugs[b][cut:]))[:90]
            yield title, url_slug, text

    def text(self, rng: random.Random, chars: int) -> str:
        """One text of about ``chars`` characters (follow-ups)."""
        paragraphs: list[str] = []
        size = 0
        while size < chars:
            paragraph = " ".join(rng.choice(self.sentences) for _ in range(rng.randint(1, 4)))
            paragraphs.append(paragraph)
            size += len(paragraph) + 1
        return "\n".join(paragraphs)


# --- what the generator knows of the configuration and the database --------------------------------------


@dataclass(frozen=True)
class Outlet:
    id: int
    slug: str
    region_code: str
    base: str  # scheme and host of the outlet's pages


@dataclass
class RegionInfo:
    id: int
    code: str
    name: str
    timezone: str
    deadlines: dict[str, int]
    lapor_mode: str
    functions: list[str]  # routed functions
    function_weights: list[float]
    agency_of_function: dict[str, int]
    agency_code: dict[int, str]
    liaison_email: dict[int, str]  # agency id -> its liaison's addresses, where configured
    places: list[tuple[str, str | None, str]]  # (kecamatan code, desa code, label)
    watchlists: list[tuple[str, int]]  # (name, priority)
    operators: list[str]


def configured(runtime: Runtime) -> tuple[dict[str, RegionInfo], list[Outlet]]:
    """The regions and outlets as the sync wrote them, with their database ids."""
    catalog = runtime.catalog
    regions: dict[str, RegionInfo] = {}
    with runtime.sessions() as session:
        for region in session.scalars(select(Region).order_by(Region.code)):
            config = catalog.regions[region.code]
            agencies = {
                a.code: a.id for a in session.scalars(select(Agency).where(Agency.region_id == region.id))
            }
            routes = config.definition.routes
            functions = [f for f in FUNCTION_WEIGHTS if f in routes]
            places: list[tuple[str, str | None, str]] = [
                (kec.code, desa.code, f"{desa.name}, {kec.name}")
                for kec in config.gazetteer.kecamatan
                for desa in kec.desa
            ] or [(kec.code, None, kec.name) for kec in config.gazetteer.kecamatan]
            liaison = {
                agencies[code]: ", ".join(spec.contacts["liaison"].email)
                for code, spec in config.agencies.items()
                if "liaison" in spec.contacts and spec.contacts["liaison"].email
            }
            regions[region.code] = RegionInfo(
                id=region.id,
                code=region.code,
                name=region.name,
                timezone=region.timezone,
                deadlines=config.definition.deadlines.model_dump(),
                lapor_mode=config.definition.lapor.mode.value,
                functions=functions,
                function_weights=[FUNCTION_WEIGHTS[f] for f in functions],
                agency_of_function={f: agencies[routes[f]] for f in functions},
                agency_code={i: code for code, i in agencies.items()},
                liaison_email=liaison,
                places=places,
                watchlists=[(w.name, w.priority) for w in config.definition.watchlists],
                operators=[f"user:operator{i}-{region.code}" for i in range(1, 5)],
            )
        outlets = [
            Outlet(
                s.id,
                s.slug,
                s.region.code,
                "/".join(catalog.source(s.slug).url.unicode_string().split("/")[:3]),
            )
            for s in session.scalars(select(Source).order_by(Source.id))
        ]
    return regions, outlets


# --- the plan: documents, detections and issues as arrays ----------------------------------------------


@dataclass
class Plan:
    """Every document's time, outlet, status and band, and every issue's mentions (document indices)."""

    fetched: np.ndarray  # seconds since the start of the year, ascending
    source_of: np.ndarray  # outlet index
    usable: np.ndarray  # status ok
    band: np.ndarray  # 0 not a complaint, 1 review, 2 complaint
    issue_of: np.ndarray  # issue index, -1 when none
    issue_docs: list[np.ndarray]  # per issue: its documents, in time order
    issue_region: list[str]


def mention_counts(rng: np.random.Generator, issues: int) -> np.ndarray:
    tiers = rng.choice(len(MENTIONS), size=issues, p=[share for _, _, share in MENTIONS])
    low = np.array([low for low, _, _ in MENTIONS])[tiers]
    high = np.array([high for _, high, _ in MENTIONS])[tiers]
    return np.asarray(rng.integers(low, high + 1))


def make_plan(
    rng: np.random.Generator, documents: int, incidents: int, outlets: list[Outlet], span: int
) -> Plan:
    fetched = np.sort(rng.integers(0, span, documents))
    weights = np.array([1 / (i + 1) ** 0.6 for i in range(len(outlets))])
    source_of = rng.choice(len(outlets), size=documents, p=weights / weights.sum())
    usable = rng.random(documents) >= QUARANTINED_SHARE
    band = np.zeros(documents, dtype=np.int8)
    regions = sorted({o.region_code for o in outlets})
    region_of_doc = np.array([regions.index(o.region_code) for o in outlets])[source_of]
    candidates = [np.flatnonzero(usable & (region_of_doc == r)) for r in range(len(regions))]
    total = sum(len(c) for c in candidates)
    groups: list[tuple[int, str, np.ndarray]] = []  # (first document, region, documents)
    left = incidents
    for r, region_docs in enumerate(candidates):
        wanted = left if r == len(regions) - 1 else round(incidents * len(region_docs) / total)
        left -= wanted
        mentions = mention_counts(rng, wanted)
        if mentions.sum() > len(region_docs) // 2:
            raise SystemExit(
                f"{len(region_docs)} usable documents of {regions[r]} are too few for {wanted} issues"
            )
        complaints = np.sort(rng.choice(region_docs, size=int(mentions.sum()), replace=False))
        band[complaints] = 2
        ends = np.cumsum(mentions)
        for end, size in zip(ends, mentions, strict=True):
            docs = complaints[end - size : end]
            groups.append((int(docs[0]), regions[r], docs))
    groups.sort(key=lambda g: g[0])  # issue ids in the order the issues were opened
    issue_of = np.full(documents, -1, dtype=np.int64)
    for index, (_, _, docs) in enumerate(groups):
        issue_of[docs] = index
    others = np.flatnonzero(usable & (band == 0))
    band[others[rng.random(len(others)) < REVIEW_SHARE]] = 1
    return Plan(fetched, source_of, usable, band, issue_of, [g[2] for g in groups], [g[1] for g in groups])


@dataclass
class Issue:
    region: RegionInfo
    function: str
    agency_id: int
    place: tuple[str, str | None, str] | None
    place_status: str
    outside: str | None
    urgent: bool
    priority: int
    watchlists: list[str]


def choose_issue(rng: random.Random, region: RegionInfo, urgent_functions: set[str]) -> Issue:
    function = rng.choices(region.functions, region.function_weights)[0]
    where = rng.random()
    place = rng.choice(region.places) if where < 0.78 else None
    if place is not None and where >= 0.60:  # only the kecamatan is known
        place = (place[0], None, f"Kecamatan {place[2].split(', ')[-1]}")
    outside = f"{rng.choice(OUTSIDE)} (Kalimantan Timur)" if where >= 0.97 else None
    status = "in_region" if place else ("outside_region" if outside else "unknown")
    hits = [rng.choice(region.watchlists)] if region.watchlists and rng.random() < 0.12 else []
    return Issue(
        region=region,
        function=function,
        agency_id=region.agency_of_function[function],
        place=place,
        place_status=status,
        outside=outside,
        urgent=rng.random() < (0.7 if function in urgent_functions else 0.02),
        priority=max((priority for _, priority in hits), default=0),
        watchlists=[name for name, _ in hits],
    )


# --- a report's life, played forward to --until ---------------------------------------------------------


@dataclass
class Step:
    at: datetime
    to: ReportStatus | None  # None: the report was queued
    actor: str
    reason: str = ""


@dataclass
class Life:
    status: ReportStatus = S.QUEUED
    steps: list[Step] = field(default_factory=list)
    times: dict[str, datetime] = field(default_factory=dict)  # report column -> value
    reject_reason: str | None = None
    authority_body: str | None = None
    filing: tuple[str, str, str | None] | None = None  # (mode, state, last error)
    answers: list[tuple[datetime, str]] = field(default_factory=list)  # (at, author)
    stuck: bool = False  # forwarded, never answered, past its deadline: warned and escalated

    def go(self, at: datetime, to: ReportStatus, actor: str, reason: str = "") -> None:
        self.steps.append(Step(at, to, actor, reason))
        self.status = to


@cache
def working_due(timezone: str, day: date, working_days: int) -> datetime:
    """The due time of a clock started on local ``day``: only the day matters to ``due_at``."""
    return due_at(
        datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(timezone)), working_days, timezone
    )


def due(region: RegionInfo, start: datetime, key: str) -> datetime:
    day = start.astimezone(ZoneInfo(region.timezone)).date()
    return working_due(region.timezone, day, int(region.deadlines[key]))


def after_hours(rng: random.Random, at: datetime, mean: float) -> datetime:
    return at + timedelta(hours=rng.expovariate(1 / mean))


def review(rng: random.Random, life: Life, region: RegionInfo, reviewed: datetime, until: datetime) -> bool:
    """The operator's decision; True when the report was approved."""
    operator = rng.choice(region.operators)
    fate = rng.random()
    if fate < 0.27:
        code = rng.choices(list(REJECT_SHARES), list(REJECT_SHARES.values()))[0]
        life.go(reviewed, S.REJECTED, operator, f"{code.value}: {REJECT_LABELS[code]}")
        life.reject_reason = code.value
    elif fate < 0.30:
        life.go(reviewed, S.NOT_AUTHORITY, operator, "kewenangan pemerintah provinsi")
        life.authority_body = "Pemerintah Provinsi Kalimantan Timur"
    elif fate < 0.325:
        life.go(reviewed, S.POSTPONED, operator, "menunggu kelengkapan data")
        life.times["postponed_at"] = reviewed
        archived = reviewed + timedelta(days=int(region.deadlines["postponed_archive_days"]))
        if archived <= until:
            life.go(archived, S.ARCHIVED, "system:deadlines", "ditunda melewati batas, diarsipkan")
            life.times["closed_at"] = archived
    elif fate < 0.335:
        life.go(reviewed, S.ARCHIVED, operator, "sudah ditangani sebelumnya")
        life.times["closed_at"] = reviewed
    else:
        life.go(reviewed, S.APPROVED, operator)
        life.times["approved_at"] = reviewed
        return True
    return False


def file_and_forward(rng: random.Random, life: Life, region: RegionInfo, until: datetime) -> bool:
    """Filing (the worker in api mode, the operator in manual mode) and disposisi; True once forwarded."""
    approved = life.times["approved_at"]
    api = region.lapor_mode == "api"
    filed = approved + timedelta(minutes=rng.uniform(1, 20)) if api else after_hours(rng, approved, 6)
    if rng.random() < 0.003 and until - approved < timedelta(days=30):  # refused by LAPOR! lately
        life.filing = (region.lapor_mode, "failed", "LAPOR! menolak laporan: kategori tidak valid (HTTP 422)")
        return False
    if filed > until:
        life.filing = (region.lapor_mode, "pending" if api else "waiting_entry", None)
        return False
    life.filing = (region.lapor_mode, "done", None)
    life.go(filed, S.FILED, "system:filing" if api else rng.choice(region.operators))
    life.times["filed_at"] = filed
    life.times["settlement_due_at"] = filed + timedelta(days=int(region.deadlines["settlement_days"]))
    forwarded = after_hours(rng, filed, 3)
    if forwarded > until:
        return False
    life.go(forwarded, S.FORWARDED, rng.choice(region.operators))
    life.times["forwarded_at"] = forwarded
    life.times["followup_due_at"] = due(region, forwarded, "first_followup_working_days")
    return True


def opd_work(
    rng: random.Random, life: Life, region: RegionInfo, liaison: str, until: datetime, stuck: bool
) -> None:
    """The OPD acknowledges (70%), answers, and the report closes (asked by LAPOR!, or by itself)."""
    forwarded = life.times["forwarded_at"]
    acknowledged = after_hours(rng, forwarded, 40) if rng.random() < 0.7 else None
    if stuck:
        life.stuck = life.times["followup_due_at"] < until
        if acknowledged is not None and acknowledged < until and rng.random() < 0.25:
            life.go(acknowledged, S.ACKNOWLEDGED, liaison, "diterima, dijadwalkan survei")
            life.times["acknowledged_at"] = acknowledged
        return
    if acknowledged is not None:
        if acknowledged > until:
            return
        life.go(acknowledged, S.ACKNOWLEDGED, liaison, "diterima, dijadwalkan survei")
        life.times["acknowledged_at"] = acknowledged
    answered = after_hours(rng, acknowledged or forwarded, 24 * 5)
    if answered > until:
        return
    life.go(answered, S.FOLLOWED_UP, liaison, "tindak lanjut")
    life.answers.append((answered, liaison))
    life.times["followed_up_at"] = answered
    autoclose = due(region, answered, "autoclose_working_days")
    life.times["autoclose_due_at"] = autoclose
    if rng.random() < 0.12:  # asked again: a second answer
        again = after_hours(rng, answered, 24 * 3)
        if again < until:
            life.answers.append((again, liaison))
    asked = rng.random() < 0.4
    closed = after_hours(rng, answered, 24 * 3) if asked else autoclose
    if closed <= until:
        life.go(closed, S.CLOSED, "system:status-sync" if asked else "system:deadlines")
        life.times["closed_at"] = closed


def live(rng: random.Random, issue: Issue, queued: datetime, until: datetime, stuck: bool) -> Life:
    """What happened to one issue's report between ``queued`` and ``until``."""
    region = issue.region
    life = Life(steps=[Step(queued, None, "system:monitor")])
    life.times["verification_due_at"] = due(region, queued, "verification_working_days")
    if issue.outside:
        life.go(queued, S.NOT_AUTHORITY, "system:monitor", f"Di luar wilayah: {issue.outside}")
        life.authority_body = issue.outside
        return life
    reviewed = after_hours(rng, queued, 24 * 30 if rng.random() < 0.3 else 24)  # the backlog
    if reviewed > until or not review(rng, life, region, reviewed, until):
        return life
    if file_and_forward(rng, life, region, until):
        liaison = f"user:{region.agency_code[issue.agency_id].lower()}-{region.code}"
        opd_work(rng, life, region, liaison, until, stuck)
    return life


# --- COPY ----------------------------------------------------------------------------------------------


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class Writer:
    """COPYs rows (dicts: the columns of the first row, the others must name the same) into tables, and keeps
    how long each table took and how many rows it got."""

    seconds: dict[str, float]
    rows: dict[str, int]

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.seconds = {}
        self.rows = {}

    def next_id(self, table: str) -> int:
        row = self.conn.execute(f'SELECT coalesce(max(id), 0) + 1 FROM "{table}"').fetchone()
        return int(row[0]) if row else 1

    def table(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        started = time.perf_counter()
        count = 0
        iterator = iter(rows)
        first = next(iterator, None)
        if first is not None:
            columns = tuple(first)
            names = ", ".join(f'"{c}"' for c in columns)
            with self.conn.cursor() as cursor, cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
                copy.write_row(tuple(first.values()))
                count = 1
                for row in iterator:
                    if len(row) != len(columns):
                        raise ValueError(f"{table}: a row names {sorted(row)}, the first {sorted(columns)}")
                    copy.write_row(tuple(row.values()))
                    count += 1
            with self.conn.cursor() as cursor:  # the next id the application takes follows the copied ones
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT max(id) FROM "{table}"))'
                )
        self.conn.commit()
        self.rows[table] = count
        self.seconds[table] = round(time.perf_counter() - started, 1)
        print(f"{table}: {count:,} rows in {self.seconds[table]} s", file=sys.stderr, flush=True)


class SqliteWriter(Writer):
    """Writes the same rows into SQLite through the models' tables (SQLAlchemy Core, in batches), so that
    each column is stored as the application stores it (times as UTC text, JSON as text)."""

    BATCH = 5000

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.seconds = {}
        self.rows = {}

    def next_id(self, table: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.exec_driver_sql(f'SELECT coalesce(max(id), 0) + 1 FROM "{table}"').scalar_one())

    def table(self, table: str, rows: Iterable[dict[str, Any]]) -> None:
        started = time.perf_counter()
        target = Base.metadata.tables[table]
        as_json = [c.name for c in target.columns if isinstance(c.type, JSON)]
        count = 0
        with self.engine.begin() as conn:
            iterator = iter(rows)
            while batch := list(itertools.islice(iterator, self.BATCH)):
                loaded = [
                    {**row, **{c: json.loads(row[c]) for c in as_json if isinstance(row.get(c), str)}}
                    for row in batch
                ]
                conn.execute(insert(target), loaded)
                count += len(loaded)
        self.rows[table] = count
        self.seconds[table] = round(time.perf_counter() - started, 1)
        print(f"{table}: {count:,} rows in {self.seconds[table]} s", file=sys.stderr, flush=True)


# --- the generator -------------------------------------------------------------------------------------


class Generator:
    def __init__(
        self,
        args: argparse.Namespace,
        catalog: Catalog,
        regions: dict[str, RegionInfo],
        outlets: list[Outlet],
    ) -> None:
        self.args = args
        self.catalog = catalog
        self.regions = regions
        self.outlets = outlets
        self.until = datetime.combine(args.until, datetime.min.time(), tzinfo=UTC)
        self.start = self.until - timedelta(days=365)
        self.epoch = int(self.start.timestamp())
        self.corpus = Corpus()
        span = int((self.until - self.start).total_seconds())
        self.plan = make_plan(np.random.default_rng(args.seed), args.documents, args.incidents, outlets, span)
        urgent = {code for code, f in catalog.functions.items() if f.urgent}
        chooser = random.Random(args.seed + 1)
        self.issues = [choose_issue(chooser, regions[code], urgent) for code in self.plan.issue_region]
        self.lives = list(self.play(self.stuck_rates()))
        self.leads: dict[int, tuple[str, str, list[str]]] = {}  # issue -> lead title, lead text, links

    def at(self, seconds: int | np.integer[Any]) -> datetime:
        return datetime.fromtimestamp(self.epoch + int(seconds), UTC)

    def write(self, writer: Writer) -> None:
        writer.table("crawl_run", self.crawl_runs())
        writer.table("document", self.documents())  # also collects each issue's lead and links
        writer.table("issue", self.issue_rows())
        writer.table("detection", self.detections())
        writer.table("report", self.reports())
        writer.table("filing", self.filings())
        writer.table("notification", self.notifications())
        writer.table("follow_up", self.follow_ups())
        writer.table("audit_log", self.audit_rows(writer.next_id("audit_log")))

    # report lives

    def play(self, stuck_rates: dict[int, float]) -> Iterator[Life]:
        rng, stuck = random.Random(self.args.seed + 4), random.Random(self.args.seed + 5)
        for index, issue in enumerate(self.issues):
            queued = self.at(self.plan.fetched[self.plan.issue_docs[index][0]]) + timedelta(minutes=10)
            yield live(rng, issue, queued, self.until, stuck.random() < stuck_rates.get(issue.agency_id, 0.0))

    def stuck_rates(self) -> dict[int, float]:
        """Per agency, the share of forwarded reports never answered: ``--forwarded-per-opd`` of them for an
        OPD with at least three times as many forwarded in the year, 4% for the others."""
        forwarded: Counter[int] = Counter()
        for issue, life in zip(self.issues, self.play({}), strict=True):
            if "forwarded_at" in life.times:
                forwarded[issue.agency_id] += 1
        target = self.args.forwarded_per_opd
        return {agency: (target / n if n >= 3 * target else 0.04) for agency, n in forwarded.items()}

    # crawl runs and documents

    def crawl_runs(self) -> Iterator[dict[str, Any]]:
        slugs = dumps([o.slug for o in self.outlets])
        stats = dumps({"pages": 60, "stored": 45, "skipped": {"not_modified": 10}, "failed": {}})
        for hour in range(int(self.plan.fetched.max()) // 3600 + 1 if len(self.plan.fetched) else 0):
            started = self.at(hour * 3600)
            yield {
                "id": hour + 1,
                "started_at": started,
                "finished_at": started + timedelta(minutes=4),
                "status": "succeeded",
                "sources": slugs,
                "stats": stats,
                "host": "pantau-worker-1",
                "pid": 4242,
            }

    def documents(self) -> Iterator[dict[str, Any]]:
        p = self.plan
        texts = np.random.default_rng(self.args.seed + 2)
        raw = random.Random(self.args.seed + 2)
        raw_bytes = self.args.raw_kb * 1024
        chunk = 10_000
        for first in range(0, len(p.fetched), chunk):
            count = min(chunk, len(p.fetched) - first)
            for index, (title, url_slug, text) in enumerate(self.corpus.documents(texts, count), start=first):
                fetched = self.at(p.fetched[index])
                outlet = self.outlets[int(p.source_of[index])]
                url = f"{outlet.base}/berita/{fetched:%Y/%m/%d}/{index + 1}/{url_slug}"
                issue = int(p.issue_of[index])
                if issue >= 0:  # the lead's first paragraphs are all a report's draft reads
                    lead: tuple[str, str, list[str]] = (title, "\n".join(text.split("\n", 5)[:5]), [])
                    self.leads.setdefault(issue, lead)[2].append(url)
                ok = bool(p.usable[index])
                yield {
                    "id": index + 1,
                    "source_id": outlet.id,
                    "crawl_run_id": int(p.fetched[index]) // 3600 + 1,
                    "url": url,
                    "canonical_url": url,
                    "version": 1,
                    "status": "ok" if ok else "quarantined",
                    "quarantine_reason": None if ok else "teks artikel tidak ditemukan",
                    "http_status": 200,
                    "encoding": "utf-8",
                    "content_hash": hashlib.sha256(text.encode()).hexdigest() if ok else None,
                    "title": title if ok else None,
                    "text": text if ok else None,
                    "author": "Redaksi" if ok else None,
                    "language": "id" if ok else None,
                    "published_at": fetched - timedelta(minutes=index % 240) if ok else None,
                    "fetched_at": fetched,
                    "raw_gzip": raw.randbytes(raw_bytes) if raw_bytes else None,
                }

    # issues and detections

    def issue_rows(self) -> Iterator[dict[str, Any]]:
        p = self.plan
        merged_into: dict[str, int] = {}  # region -> the last issue a duplicate may have been merged into
        for index, (issue, life) in enumerate(zip(self.issues, self.lives, strict=True)):
            docs = p.issue_docs[index]
            first, last = self.at(p.fetched[docs[0]]), self.at(p.fetched[docs[-1]])
            title, text, _ = self.leads[index]
            status = "open" if life.status in OPEN_REPORT else "closed"
            into = merged_into.get(issue.region.code) if life.reject_reason == "duplikat" else None
            merged_into[issue.region.code] = index + 1
            yield {
                "id": index + 1,
                "region_id": issue.region.id,
                "title": headline(title, text),
                "function": issue.function,
                "kecamatan_code": issue.place[0] if issue.place else None,
                "desa_code": issue.place[1] if issue.place else None,
                "agency_id": issue.agency_id,
                "place_status": issue.place_status,
                "urgent": issue.urgent,
                "priority": issue.priority,
                "mention_count": len(docs),
                "status": "merged" if into else status,
                "merged_into_id": into,
                "first_seen_at": first,
                "last_seen_at": last,
                "created_at": first + timedelta(minutes=5),
            }

    def explanation(self, rng: random.Random, issue: Issue | None) -> str:
        """The explanation triage stores (``nlp.triage``), of its usual size (250-400 bytes of JSON)."""
        place = issue.place if issue else None
        return dumps(
            {
                "terms": rng.sample(self.corpus.words, 6),
                "place_evidence": [place[2]] if place else [],
                "outside_evidence": [issue.outside] if issue and issue.outside else [],
                "streets": [],
                "urgency": [],
                "urgent_function": False,
                "vertical": None,
                "watchlists": issue.watchlists if issue else [],
                "thresholds": {"complaint": 0.5, "review": 0.3},
                "model_version": MODEL_VERSION,
            }
        )

    def alternatives(self, rng: random.Random, region: RegionInfo, function: str) -> str:
        """The routes triage weighed: the chosen function and two others, with their agencies."""
        return dumps(
            [
                {
                    "function": f,
                    "agency": region.agency_code[region.agency_of_function[f]],
                    "agency_name": region.agency_code[region.agency_of_function[f]],
                    "kind": "opd",
                    "score": round(rng.uniform(0.05, 0.9), 4),
                }
                for f in (function, *rng.sample(region.functions, 2))
            ]
        )

    def detections(self) -> Iterator[dict[str, Any]]:
        p = self.plan
        rng = random.Random(self.args.seed + 3)
        # not-a-complaint explanations differ only in their words: a pool of them costs far less than JSON
        # for each of the 800,000
        plain = [self.explanation(rng, None) for _ in range(1000)]
        for number, index in enumerate(np.flatnonzero(p.usable).tolist(), start=1):
            region = self.regions[self.outlets[int(p.source_of[index])].region_code]
            issue_index = int(p.issue_of[index])
            issue = self.issues[issue_index] if issue_index >= 0 else None
            band = ("not_complaint", "review", "complaint")[int(p.band[index])]
            row: dict[str, Any] = {
                "id": number,
                "document_id": index + 1,
                "issue_id": None,
                "model_version": MODEL_VERSION,
                "complaint_score": round(rng.uniform(0.0, 0.3), 4),
                "band": band,
                "function": None,
                "function_score": None,
                "region_id": region.id,
                "kecamatan_code": None,
                "desa_code": None,
                "location_label": None,
                "place_status": "unknown",
                "outside_region": None,
                "streets": "[]",
                "urgent": False,
                "priority": 0,
                "watchlists": "[]",
                "signature": None,
                "agency_id": None,
                "alternatives": "[]",
                "explanation": plain[number % len(plain)],
                "created_at": self.at(p.fetched[index] + 120 + number % 600),
            }
            if band != "not_complaint":
                function = (
                    issue.function if issue else rng.choices(region.functions, region.function_weights)[0]
                )
                row |= {
                    "complaint_score": round(rng.uniform(0.5, 0.99) if issue else rng.uniform(0.3, 0.5), 4),
                    "function": function,
                    "function_score": round(rng.uniform(0.4, 0.95), 4),
                    "agency_id": region.agency_of_function[function],
                    "alternatives": self.alternatives(rng, region, function),
                    "explanation": self.explanation(rng, issue),
                }
            if issue is not None:
                place = issue.place
                outside = {"code": "64.72", "name": issue.outside, "province": "Kalimantan Timur"}
                row |= {
                    "issue_id": issue_index + 1,
                    "kecamatan_code": place[0] if place else None,
                    "desa_code": place[1] if place else None,
                    "location_label": place[2] if place else None,
                    "place_status": issue.place_status,
                    "outside_region": dumps(outside) if issue.outside else None,
                    "urgent": issue.urgent,
                    "priority": issue.priority,
                    "watchlists": dumps(issue.watchlists),
                    "signature": b"\x02" + rng.randbytes(256),  # format byte, 64 uint32 MinHash values
                }
            yield row

    # reports and what their lives left behind

    def reports(self) -> Iterator[dict[str, Any]]:
        functions = self.catalog.functions
        for index, (issue, life) in enumerate(zip(self.issues, self.lives, strict=True)):
            title, text, links = self.leads[index]
            draft = draft_report(
                title=title,
                text=text,
                function_name=functions[issue.function].name,
                location_label=issue.place[2] if issue.place else "",
                region_name=issue.region.name,
                source_links=links,
            )
            queued, last = life.steps[0].at, life.steps[-1]
            yield {
                "id": index + 1,
                "version": len(life.steps),
                "issue_id": index + 1,
                "region_id": issue.region.id,
                "agency_id": issue.agency_id,
                "status": life.status.value,
                "klasifikasi": "pengaduan",
                "judul": draft.judul,
                "isi": draft.isi,
                "kategori": functions[issue.function].lapor_category,
                "lokasi": draft.lokasi,
                "tanggal_kejadian": queued - timedelta(hours=3),
                "source_links": dumps(links),
                "anonim": True,
                "rahasia": False,
                "tracking_id": self.tracking_id(index, life),
                "reject_reason": life.reject_reason,
                "authority_body": life.authority_body,
                "last_actor": last.actor,
                "queued_at": queued,
                "status_changed_at": last.at,
                **{column: life.times.get(column) for column in REPORT_TIMES},
            }

    @staticmethod
    def tracking_id(index: int, life: Life) -> str | None:
        filed = life.times.get("filed_at")
        return f"LAPOR-{filed:%y%m}{index + 1:07d}" if filed else None

    def filings(self) -> Iterator[dict[str, Any]]:
        filings = ((i, life) for i, life in enumerate(self.lives) if life.filing)
        for number, (index, life) in enumerate(filings, start=1):
            assert life.filing is not None
            mode, state, error = life.filing
            approved = life.times["approved_at"]
            yield {
                "id": number,
                "report_id": index + 1,
                "region_id": self.issues[index].region.id,
                "mode": mode,
                "idempotency_key": f"bench{index + 1:027d}",
                "state": state,
                "attempts": 0 if state in ("pending", "waiting_entry") else 1,
                "next_attempt_at": approved,
                "last_error": error,
                "last_error_at": approved if error else None,
                "refused": error is not None,
                "tracking_id": self.tracking_id(index, life),
                "created_at": approved,
                "done_at": life.times.get("filed_at"),
            }

    def notifications(self) -> Iterator[dict[str, Any]]:
        rng = random.Random(self.args.seed + 6)
        body_text = "\n".join(self.corpus.sentences[:8])
        body_html = (
            "<html><body>" + "".join(f"<p>{s}</p>" for s in self.corpus.sentences[:8]) + "</body></html>"
        )
        number = 0
        for index, (issue, life) in enumerate(zip(self.issues, self.lives, strict=True)):
            forwarded = life.times.get("forwarded_at")
            if forwarded is None:
                continue
            region, agency = issue.region, issue.agency_id
            events = [("forwarded", "liaison", forwarded)]
            if life.stuck:  # warned at 50, 75 and 90 %, escalated once overdue
                events += [("warning", "liaison", forwarded + timedelta(days=d)) for d in (2, 3, 4)]
                events.append(
                    ("escalation", "kepala_dinas", life.times["followup_due_at"] + timedelta(days=1))
                )
            for kind, rung, at in events:
                if at > self.until:
                    continue
                number += 1
                email = region.liaison_email.get(agency) if rung == "liaison" else None
                channel, recipient = ("email", email) if email else ("contact", rung)
                state, error, attempts = "done", None, 1
                if channel == "contact":  # services.notifications: a recorded, retried failure
                    state, attempts = ("failed", 8) if self.until - at > timedelta(days=1) else ("pending", 2)
                    error = (
                        f"{region.agency_code[agency]} tidak punya kontak {rung!r} "
                        f"(konfigurasi wilayah {region.code})"
                    )
                elif rng.random() < 0.005:
                    state, error, attempts = "failed", "SMTP 550: mailbox tidak ditemukan", 8
                yield {
                    "id": number,
                    "region_id": region.id,
                    "report_id": index + 1,
                    "agency_id": agency,
                    "kind": kind,
                    "channel": channel,
                    "recipient": recipient,
                    "rung": rung,
                    "subject": f"[Pantau] Laporan #{index + 1} untuk {region.agency_code[agency]}",
                    "body_text": body_text,
                    "body_html": body_html,
                    "payload": dumps({"laporan": index + 1, "jenis": kind}),
                    "dedupe_key": f"{kind}:{index + 1}:{agency}:{at.isoformat()}:{rung}:{channel}"[:200],
                    "state": state,
                    "attempts": attempts,
                    "next_attempt_at": at,
                    "last_error": error,
                    "created_at": at,
                    "sent_at": at if state == "done" else None,
                }

    def follow_ups(self) -> Iterator[dict[str, Any]]:
        rng = random.Random(self.args.seed + 7)
        answers = ((i, at, author) for i, life in enumerate(self.lives) for at, author in life.answers)
        for number, (index, at, author) in enumerate(answers, start=1):
            yield {
                "id": number,
                "report_id": index + 1,
                "agency_id": self.issues[index].agency_id,
                "at": at,
                "author": author,
                "text": self.corpus.text(rng, rng.randint(150, 600)),
                "origin": "pantau",
            }

    def audit_rows(self, first_id: int) -> Iterator[dict[str, Any]]:
        """The audit row of each status change (after the rows the configuration sync wrote)."""
        number = first_id - 1
        for index, (issue, life) in enumerate(zip(self.issues, self.lives, strict=True)):
            state: dict[str, Any] = {"status": "queued", "tracking_id": None, "agency_id": issue.agency_id}
            state |= {"reject_reason": None, "authority_body": None}
            for step in life.steps:
                number += 1
                before = dict(state)
                if step.to is not None:
                    state["status"] = step.to.value
                    if step.to == S.FILED:
                        state["tracking_id"] = self.tracking_id(index, life)
                    state["reject_reason"] = life.reject_reason if step.to == S.REJECTED else None
                    state["authority_body"] = life.authority_body if step.to == S.NOT_AUTHORITY else None
                yield {
                    "id": number,
                    "at": step.at,
                    "actor": step.actor,
                    "entity_type": "report",
                    "entity_id": index + 1,
                    "action": "queued" if step.to is None else f"status:{step.to.value}",
                    "before": None if step.to is None else dumps(before),
                    "after": dumps(
                        {"status": "queued", "agency_id": issue.agency_id} if step.to is None else state
                    ),
                    "reason": step.reason,
                }


REPORT_TIMES = (
    "verification_due_at",
    "approved_at",
    "filed_at",
    "forwarded_at",
    "acknowledged_at",
    "followup_due_at",
    "followed_up_at",
    "autoclose_due_at",
    "settlement_due_at",
    "postponed_at",
    "closed_at",
)


# --- what the database became --------------------------------------------------------------------------


def database_summary(database: str) -> dict[str, Any]:
    """Size of the database, its biggest tables (with indexes and TOAST) and indexes, and the report mix."""
    with psycopg.connect(pg_url(database)) as conn:
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        tables = conn.execute(
            "SELECT relname, pg_total_relation_size(oid), pg_relation_size(oid), n_live_tup "
            "FROM pg_class JOIN pg_stat_user_tables USING (relname) WHERE relkind = 'r' "
            "ORDER BY 2 DESC LIMIT 10"
        ).fetchall()
        indexes = conn.execute(
            "SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes "
            "ORDER BY 2 DESC LIMIT 12"
        ).fetchall()
        statuses = conn.execute("SELECT status, count(*) FROM report GROUP BY 1 ORDER BY 2 DESC").fetchall()
        inbox = conn.execute(
            "SELECT r.code, a.code, count(*) FROM report JOIN agency a ON a.id = report.agency_id "
            "JOIN region r ON r.id = report.region_id WHERE report.status IN ('forwarded', 'acknowledged', "
            "'followed_up') GROUP BY 1, 2 ORDER BY 3 DESC LIMIT 8"
        ).fetchall()
    mb = 1024 * 1024
    return {
        "database_mb": round(size[0] / mb) if size else None,
        "tables_mb": {
            name: {"total": round(total / mb), "heap": round(heap / mb), "rows": rows}
            for name, total, heap, rows in tables
        },
        "indexes_mb": {name: round(bytes_ / mb, 1) for name, bytes_ in indexes},
        "reports_by_status": dict(statuses),
        "largest_inboxes": [f"{region} {agency}: {count}" for region, agency, count in inbox],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--database", default="pantau_bench")
    parser.add_argument("--until", type=date.fromisoformat, default=date(2026, 11, 30), help="the year's end")
    parser.add_argument("--forwarded-per-opd", type=int, default=1000)
    parser.add_argument("--raw-kb", type=int, default=0, help="raw page bytes per document (default none)")
    parser.add_argument(
        "--province", help="every kabupaten/kota of this province (bench/province_config.py), e.g. 64"
    )
    parser.add_argument(
        "--region", action="append", help="only these configured regions (repeatable; default all)"
    )
    parser.add_argument("--sqlite", type=Path, help="write this SQLite file instead of PostgreSQL")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    if args.province:
        province_config.use(args.province)
    if args.sqlite:
        args.sqlite.unlink(missing_ok=True)
        url = f"sqlite:///{args.sqlite.resolve()}"
    else:
        recreate_database(args.database)
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{args.database}"
    runtime = Runtime(Settings(database_url=url))
    initialise(runtime)
    regions, outlets = configured(runtime)
    if args.region:
        regions = {code: info for code, info in regions.items() if code in args.region}
        outlets = [o for o in outlets if o.region_code in regions]
    setup = time.perf_counter() - started
    generator = Generator(args, runtime.catalog, regions, outlets)
    planned = time.perf_counter() - started - setup
    if args.sqlite:
        generator.write(writer := SqliteWriter(runtime.engine))
        written = time.perf_counter() - started
        with runtime.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
        with runtime.engine.connect() as conn:
            conn.exec_driver_sql("VACUUM")
        summary = {"database_mb": round(args.sqlite.stat().st_size / 1024 / 1024)}
    else:
        with psycopg.connect(pg_url(args.database)) as conn:
            generator.write(writer := Writer(conn))
        written = time.perf_counter() - started
        with psycopg.connect(pg_url(args.database), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
        summary = database_summary(args.database)
    runtime.close()
    total = time.perf_counter() - started
    result = {
        "database": str(args.sqlite or args.database),
        "regions": sorted(regions),
        "documents": args.documents,
        "incidents": args.incidents,
        "seed": args.seed,
        "until": args.until.isoformat(),
        "seconds": {
            "migrate_and_sync": round(setup, 1),
            "plan_and_lives": round(planned, 1),
            "copy_by_table": writer.seconds,
            "vacuum_analyze": round(total - written, 1),
            "total": round(total, 1),
        },
        "rows": writer.rows,
        **summary,
    }
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

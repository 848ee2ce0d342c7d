"""A region's keyword watchlists as managers keep them in the console: the versions in force, every version
with who and why, a query's parse error with its position, a preview of what a query would have matched,
and saving or retiring a watchlist (a new version each time, audited).

The newest version of a name is the one in force (``flows.console_config``, which triage reads before each
run); the region YAML writes the first versions (origin ``config``) and a new one whenever the YAML itself
changes that watchlist, so a console version stands until then.

The preview matches with triage's own matcher: the same text (title and body), the same words, the same
``wilayah:``, ``sumber:`` and ``fungsi:`` values (``nlp.triage.watch_document``), rebuilt from the stored
document and its newest detection.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import String, cast, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.catalog import Region as RegionConfig
from db.base import utcnow
from db.local_time import local_display
from db.models import Detection, Document, DocumentStatus, Region, Report, Role, Source, WatchlistVersion
from db.session import WriteLockBusy, write_transaction
from flows.console_config import CONSOLE_ORIGIN, add_version, watchlists_in_force
from flows.runtime import Runtime
from nlp.text import MAX_CHARS, tokens
from nlp.triage import triage_text, watch_document
from nlp.watchlist import QuerySyntaxError, WatchDocument, parse
from services.actions import ActionError, Actor, Conflict, Forbidden, NotFound

PREVIEW_DAYS: Final = 30
# Documents a preview reads at most, newest first. Measured at 20,000 documents (docs/console.md): the
# first preview of a region costs ~0.45 ms of CPU a document (tokenising), the next ~0.05 ms (cached).
PREVIEW_CAP: Final = 5_000
PREVIEW_SHOWN: Final = 20
MAX_NAME: Final = 100
MAX_REASON: Final = 500
PRIORITIES: Final = range(1, 6)
RESERVED_NAMES: Final = frozenset({"baru"})  # /watchlist/baru is the form for a new one
_CONTEXT: Final = 40  # characters shown each side of a parse error


# -- reading ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionView:
    """One version of a watchlist, as a manager reads it."""

    name: str
    version: int
    query: str
    priority: int
    active: bool
    origin: str
    created_by: str
    created_at: str  # the region's local time
    reason: str


@dataclass(frozen=True)
class WatchlistView:
    """A watchlist's version in force and how many documents it flagged in the last ``PREVIEW_DAYS`` days."""

    current: VersionView
    hits: int


def _view(row: WatchlistVersion, timezone: str) -> VersionView:
    return VersionView(
        name=row.name,
        version=row.version,
        query=row.query,
        priority=row.priority,
        active=row.active,
        origin=row.origin,
        created_by=row.created_by,
        created_at=local_display(row.created_at, timezone),
        reason=row.reason,
    )


def _hits(session: Session, region_id: int, since: datetime) -> dict[str, int]:
    """Per watchlist name, the documents of the region seen since ``since`` whose detection it flagged."""
    seen = func.coalesce(Document.published_at, Document.fetched_at)
    rows = session.execute(
        select(Detection.document_id, Detection.watchlists)
        .join(Document, Document.id == Detection.document_id)
        .where(
            Detection.region_id == region_id,
            seen >= since,
            cast(Detection.watchlists, String) != "[]",
        )
    )
    documents: dict[str, set[int]] = defaultdict(set)
    for document_id, names in rows:
        for name in names or ():
            documents[name].add(document_id)
    return {name: len(ids) for name, ids in documents.items()}


def region_watchlists(runtime: Runtime, region_id: int, now: datetime | None = None) -> list[WatchlistView]:
    """Every watchlist of the region in its version in force (retired ones too), by name, with its hits."""
    since = (now or utcnow()) - timedelta(days=PREVIEW_DAYS)
    with runtime.sessions() as session:
        timezone = session.get_one(Region, region_id).timezone
        hits = _hits(session, region_id, since)
        return [
            WatchlistView(_view(row, timezone), hits.get(row.name, 0))
            for row in watchlists_in_force(session, region_id)
        ]


def watchlist_versions(runtime: Runtime, region_id: int, name: str) -> list[VersionView]:
    """Every version of the region's watchlist ``name``, newest first; NotFound when the region has none
    of that name (a watchlist of another region reads as missing)."""
    with runtime.sessions() as session:
        timezone = session.get_one(Region, region_id).timezone
        rows = session.scalars(
            select(WatchlistVersion)
            .where(WatchlistVersion.region_id == region_id, WatchlistVersion.name == name)
            .order_by(WatchlistVersion.version.desc())
        ).all()
        if not rows:
            raise NotFound(f"watchlist {name!r} tidak ada")
        return [_view(row, timezone) for row in rows]


# -- checking a query ---------------------------------------------------------------------------------------


def clean_query(query: str) -> str:
    """A query as typed in a form: line breaks as the parser counts them (browsers send CR LF)."""
    return query.replace("\r\n", "\n").replace("\r", "\n")


@dataclass(frozen=True)
class ParseProblem:
    """Why a query does not parse, and where: the line of the query around the position, and the column of
    the position in that excerpt (for a marker under it)."""

    message: str
    position: int  # in the query, from 0
    line: int  # from 1
    column: int  # from 1
    excerpt: str
    marker: int  # the position's column in ``excerpt``, from 0

    @property
    def pointer(self) -> str:
        """The line under ``excerpt``: a caret under the position."""
        return " " * self.marker + "^"

    @classmethod
    def of(cls, error: QuerySyntaxError) -> ParseProblem:
        query, position = error.query, min(error.position, len(error.query))
        start_of_line = query.rfind("\n", 0, position) + 1
        end_of_line = query.find("\n", position)
        text = query[start_of_line : end_of_line if end_of_line >= 0 else len(query)]
        column = position - start_of_line
        start, end = max(0, column - _CONTEXT), min(len(text), column + _CONTEXT)
        lead, tail = ("…" if start else ""), ("…" if end < len(text) else "")
        shown = "".join(char if char.isprintable() else " " for char in text[start:end])
        return cls(
            message=error.message,
            position=position,
            line=query.count("\n", 0, position) + 1,
            column=column + 1,
            excerpt=f"{lead}{shown}{tail}",
            marker=len(lead) + column - start,
        )


def check_query(query: str) -> ParseProblem | None:
    """None when ``query`` parses, else what is wrong and where."""
    try:
        parse(clean_query(query))
    except QuerySyntaxError as error:
        return ParseProblem.of(error)
    return None


class QueryRefused(ActionError):
    """A save refused because the query does not parse."""

    def __init__(self, problem: ParseProblem) -> None:
        self.problem = problem
        super().__init__(
            f"kueri tidak bisa dibaca: {problem.message} (baris {problem.line}, kolom {problem.column})"
        )


# -- the preview --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewMatch:
    title: str
    source: str
    seen_at: str  # the region's local time
    url: str | None  # only http(s) addresses are linked
    report_id: int | None  # the report of the document's issue, if there is one
    terms: list[str]  # what made it match


@dataclass(frozen=True)
class Preview:
    """What a query would have matched among the region's documents of the last ``days`` days."""

    days: int
    matched: int  # among the documents examined
    examined: int  # the newest documents, at most the cap
    in_window: int  # all the region's documents of the period
    newest: list[PreviewMatch]  # the newest matches, at most PREVIEW_SHOWN

    @property
    def capped(self) -> bool:
        return self.examined < self.in_window


def _names(region: RegionConfig) -> dict[str, str]:
    """Kecamatan and desa code -> name, as the gazetteer gives them to triage."""
    names = {}
    for kecamatan in region.gazetteer.kecamatan:
        names[kecamatan.code] = kecamatan.name
        for desa in kecamatan.desa:
            names[desa.code] = desa.name
    return names


class _DocumentCache:
    """The watch documents of recently previewed documents, least recently used out first: the first preview
    of a region tokenises its documents, the next keystrokes only match (~12 kB a document). A stored
    document never changes and a new detection is a new key, so an entry never goes stale."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[Hashable, WatchDocument] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> WatchDocument | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, document: WatchDocument) -> None:
        with self._lock:
            self._items[key] = document
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


_DOCUMENTS = _DocumentCache(PREVIEW_CAP)


def _chunks(ids: list[int], size: int = 1_000) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _texts(session: Session, document_ids: list[int]) -> dict[int, str]:
    """The text triage reads of each document (title and body, no further than triage reads)."""
    found: dict[int, str] = {}
    for chunk in _chunks(document_ids):
        rows = session.execute(
            select(Document.id, Document.title, func.substr(Document.text, 1, MAX_CHARS)).where(
                Document.id.in_(chunk)
            )
        )
        found.update((id_, triage_text(title or "", text or "")) for id_, title, text in rows)
    return found


@dataclass(frozen=True)
class _Detected:
    """What the newest detection of a document says that the watchlist fields test."""

    id: int
    function: str
    kecamatan_code: str
    desa_code: str
    issue_id: int | None


def _newest_detections(session: Session, document_ids: list[int]) -> dict[int, _Detected]:
    found: dict[int, _Detected] = {}
    for chunk in _chunks(document_ids):
        rows = session.execute(
            select(
                Detection.document_id,
                Detection.id,
                Detection.function,
                Detection.kecamatan_code,
                Detection.desa_code,
                Detection.issue_id,
            )
            .where(Detection.document_id.in_(chunk))
            .order_by(Detection.id)
        )
        for document_id, id_, function, kecamatan, desa, issue_id in rows:
            found[document_id] = _Detected(id_, function or "", kecamatan or "", desa or "", issue_id)
    return found


@dataclass(frozen=True)
class _Seen:
    """A document of the preview's window."""

    id: int
    fetched_at: datetime
    title: str | None
    url: str
    source: str
    seen_at: datetime


def _window(session: Session, region_id: int, since: datetime, cap: int) -> tuple[int, list[_Seen]]:
    """How many documents the region has since ``since``, and the newest ``cap`` of them."""
    seen = func.coalesce(Document.published_at, Document.fetched_at)
    where = (Source.region_id == region_id, Document.status == DocumentStatus.OK, seen >= since)
    joined = select(func.count()).select_from(Document).join(Source, Source.id == Document.source_id)
    count = session.scalar(joined.where(*where)) or 0
    rows = session.execute(
        select(Document.id, Document.fetched_at, Document.title, Document.url, Source.slug, seen)
        .join(Source, Source.id == Document.source_id)
        .where(*where)
        .order_by(seen.desc(), Document.id.desc())
        .limit(cap)
    )
    return count, [_Seen(*row) for row in rows]


def _watch_documents(
    session: Session,
    runtime: Runtime,
    region: RegionConfig,
    rows: list[_Seen],
    detected: dict[int, _Detected],
) -> dict[int, WatchDocument]:
    """Each document as triage's watchlists saw it: its text, the function and places of its newest
    detection (none yet: no function, no place), its source (from the cache when there)."""
    database = runtime.settings.resolved_database_url
    keys = {
        row.id: (database, row.id, row.fetched_at, d.id if (d := detected.get(row.id)) else 0) for row in rows
    }
    documents = {id_: found for id_, key in keys.items() if (found := _DOCUMENTS.get(key)) is not None}
    texts = _texts(session, [row.id for row in rows if row.id not in documents])
    places = _names(region)
    for row in rows:
        if row.id in documents:
            continue
        detection = detected.get(row.id)
        named: tuple[str | None, ...]
        function, named = "", ()
        if detection is not None:
            function = detection.function
            named = (places.get(detection.kecamatan_code), places.get(detection.desa_code))
        documents[row.id] = watch_document(tokens(texts[row.id]), region, named, row.source, function)
        _DOCUMENTS.put(keys[row.id], documents[row.id])
    return documents


def preview(
    runtime: Runtime, region_id: int, query: str, *, now: datetime | None = None, cap: int = PREVIEW_CAP
) -> Preview:
    """Match ``query`` (it must parse) against the region's newest ``cap`` documents published (or, when
    undated, fetched) in the last ``PREVIEW_DAYS`` days, as triage would have matched them."""
    compiled = parse(clean_query(query))
    since = (now or utcnow()) - timedelta(days=PREVIEW_DAYS)
    with runtime.sessions() as session:
        region_row = session.get_one(Region, region_id)
        in_window, rows = _window(session, region_id, since, cap)
        detected = _newest_detections(session, [row.id for row in rows])
        documents = _watch_documents(
            session, runtime, runtime.catalog.regions[region_row.code], rows, detected
        )
        matches = [row for row in rows if compiled.matches(documents[row.id])]
        shown = matches[:PREVIEW_SHOWN]
        issues = {row.id: d.issue_id for row in shown if (d := detected.get(row.id)) and d.issue_id}
        reports = dict(
            session.execute(select(Report.issue_id, Report.id).where(Report.issue_id.in_(issues.values())))
            .tuples()
            .all()
        )
    newest = [
        PreviewMatch(
            title=row.title or "(tanpa judul)",
            source=row.source,
            seen_at=local_display(row.seen_at, region_row.timezone),
            url=row.url if row.url.startswith(("https://", "http://")) else None,
            report_id=reports.get(issues.get(row.id, -1)),
            terms=compiled.evidence(documents[row.id]),
        )
        for row in shown
    ]
    return Preview(PREVIEW_DAYS, len(matches), len(rows), in_window, newest)


# -- changing -----------------------------------------------------------------------------------------------


@contextmanager
def _writing(runtime: Runtime) -> Iterator[Session]:
    try:
        with write_transaction(runtime.sessions) as session:
            yield session
    except IntegrityError:
        raise Conflict("watchlist ini baru saja diubah pengguna lain; muat ulang lalu coba lagi") from None
    except WriteLockBusy:
        raise ActionError("basis data sedang dipakai penulis lain; coba lagi sebentar lagi") from None


def _newest(session: Session, region_id: int, name: str) -> WatchlistVersion | None:
    return session.scalar(
        select(WatchlistVersion)
        .where(WatchlistVersion.region_id == region_id, WatchlistVersion.name == name)
        .order_by(WatchlistVersion.version.desc())
        .limit(1)
    )


def _check_writer(actor: Actor) -> None:
    if actor.role != Role.MANAGER:
        raise Forbidden(f"{actor.name} ({actor.role or 'sistem'}) tidak boleh mengubah watchlist")


def _check_current(
    session: Session, region_id: int, name: str, expected_version: int
) -> WatchlistVersion | None:
    """The version in force, if it is still the one the form showed (0: the form made a new watchlist)."""
    newest = _newest(session, region_id, name)
    shown = newest.version if newest else 0
    if shown == expected_version:
        return newest
    if newest is None:
        raise NotFound(f"watchlist {name!r} tidak ada")
    timezone = session.get_one(Region, region_id).timezone
    who = f"{newest.created_by} ({local_display(newest.created_at, timezone)})"
    if expected_version == 0:
        raise Conflict(f"watchlist {name!r} sudah ada, versi {newest.version} oleh {who}: buka lalu ubah")
    raise Conflict(
        f"watchlist {name!r} sudah diubah oleh {who}: sekarang versi {newest.version}; "
        "muat ulang lalu coba lagi"
    )


def _checked_reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ActionError("alasan perubahan wajib diisi")
    if len(reason) > MAX_REASON:
        raise ActionError(f"alasan perubahan paling panjang {MAX_REASON} karakter")
    return reason


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ActionError("nama watchlist wajib diisi")
    if len(name) > MAX_NAME:
        raise ActionError(f"nama watchlist paling panjang {MAX_NAME} karakter")
    if "/" in name or name.lower() in RESERVED_NAMES:
        raise ActionError(f"nama {name!r} tidak bisa dipakai: tanpa tanda / dan bukan 'baru'")
    return name


def save_watchlist(
    runtime: Runtime,
    region_id: int,
    *,
    name: str,
    query: str,
    priority: int,
    reason: str,
    actor: Actor,
    expected_version: int,
) -> VersionView:
    """Write the next version of the region's watchlist ``name`` (a new one when ``expected_version`` is 0,
    or bring a retired one back): refused when the query does not parse (``QueryRefused``, with where),
    without a reason, or when someone saved a version since the form was read (``Conflict``, naming who)."""
    _check_writer(actor)
    name, reason, query = _checked_name(name), _checked_reason(reason), clean_query(query).strip()
    problem = check_query(query)
    if problem is not None:
        raise QueryRefused(problem)
    if priority not in PRIORITIES:
        raise ActionError(f"prioritas harus {PRIORITIES.start} sampai {PRIORITIES.stop - 1}")
    with _writing(runtime) as session:
        current = _check_current(session, region_id, name, expected_version)
        if current is not None and current.active and (current.query, current.priority) == (query, priority):
            raise ActionError("tidak ada yang berubah: kueri dan prioritas sama dengan versi yang berlaku")
        row = add_version(
            session,
            region_id,
            name,
            query=query,
            priority=priority,
            active=True,
            origin=CONSOLE_ORIGIN,
            actor=actor.name,
            reason=reason,
        )
        session.flush()
        return _view(row, session.get_one(Region, region_id).timezone)


def retire_watchlist(
    runtime: Runtime,
    region_id: int,
    *,
    name: str,
    reason: str,
    actor: Actor,
    expected_version: int,
) -> VersionView:
    """Retire the region's watchlist ``name``: a version that no longer matches anything (it can be saved
    again later)."""
    _check_writer(actor)
    reason = _checked_reason(reason)
    with _writing(runtime) as session:
        current = _check_current(session, region_id, name, expected_version)
        if current is None:
            raise NotFound(f"watchlist {name!r} tidak ada")
        if not current.active:
            raise ActionError(f"watchlist {name!r} sudah nonaktif")
        row = add_version(
            session,
            region_id,
            name,
            query=current.query,
            priority=current.priority,
            active=False,
            origin=CONSOLE_ORIGIN,
            actor=actor.name,
            reason=reason,
        )
        session.flush()
        return _view(row, session.get_one(Region, region_id).timezone)

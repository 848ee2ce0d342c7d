"""Concurrent writers on SQLite and PostgreSQL: two triage or queue runs at once, a triage or queue
overlapping a foreign write transaction, and one cycle at a time per var dir. Real threads, connections and
processes, no mocks."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from config.settings import PROJECT_ROOT, Settings
from db.base import utcnow
from db.models import Detection, Document, DocumentStatus, Issue, IssueStatus, Report, Source
from db.session import transaction, write_transaction
from flows.cycle_lock import CycleBusy, cycle_lock
from flows.queueing import queue_new_issues
from flows.runtime import Runtime
from flows.setup import initialise
from flows.triage_service import triage_pending
from nlp.text import content_hash

SMALL_BATCH = 4  # so that two triage runs share the documents batch by batch
HOLD_SECONDS = 1.0  # how long a foreign transaction stays open over a triage or queue run

# Sample complaints written for this test (Kutai Timur places): each incident is reported by one outlet,
# reposted word for word by another and re-edited by a third: one run makes one issue of three mentions each.
PLACES = [
    ("Senyiur", "Muara Ancalong"),
    ("Long Nah", "Muara Ancalong"),
    ("Jak Luay", "Muara Wahau"),
    ("Wanasari", "Muara Wahau"),
    ("Dabeq", "Muara Wahau"),
    ("Senambah", "Muara Bengkal"),
    ("Benua Baru", "Muara Bengkal"),
    ("Ngayau", "Muara Bengkal"),
]
PROBLEMS = [
    (
        "Jalan rusak parah di {desa}",
        "Warga Desa {desa}, Kecamatan {kec}, mengeluhkan jalan poros desa yang rusak parah dan berlubang. "
        "Saat hujan jalan berubah menjadi kubangan lumpur sehingga kendaraan sering terperosok. Warga "
        "meminta pemerintah daerah segera memperbaiki jalan tersebut.",
    ),
    (
        "Lampu jalan padam di {desa}",
        "Lampu penerangan jalan umum di Desa {desa}, Kecamatan {kec}, sudah padam selama dua bulan. Warga "
        "khawatir karena jalan gelap gulita pada malam hari dan rawan kecelakaan. Mereka berharap dinas "
        "terkait segera memperbaiki lampu jalan itu.",
    ),
    (
        "Sampah menumpuk di {desa}",
        "Sampah menumpuk di tempat pembuangan sementara Desa {desa}, Kecamatan {kec}, dan tidak diangkut "
        "selama dua minggu. Bau busuk menyengat dan warga mengeluh lalat berkerumun. Warga meminta petugas "
        "kebersihan segera mengangkut sampah.",
    ),
    (
        "Air PDAM mati di {desa}",
        "Air PDAM di Desa {desa}, Kecamatan {kec}, mati sejak sepekan terakhir. Warga terpaksa membeli air "
        "galon untuk mandi dan memasak. Keluhan sudah disampaikan tetapi belum ada perbaikan dari PDAM.",
    ),
    (
        "Drainase tersumbat di {desa}",
        "Saluran drainase di Desa {desa}, Kecamatan {kec}, tersumbat sampah dan lumpur sehingga air meluap "
        "ke permukiman setiap kali hujan deras. Warga meminta saluran segera dinormalisasi.",
    ),
]
RE_EDIT = " Hingga berita ini diturunkan, keluhan warga {desa} itu belum mendapat tanggapan."
CEREMONY = (
    "Festival budaya di {desa}",
    "Pemerintah Kecamatan {kec} menggelar festival budaya di Desa {desa}. Acara dibuka camat dan dihadiri "
    "ratusan warga yang menikmati tarian tradisional dan lomba perahu.",
)
INCIDENTS = len(PLACES) * len(PROBLEMS)


def _sample_pages() -> list[tuple[str, str, str]]:
    """(source, title, text): the incidents, their reposts, half the ceremonies, the re-edits, the rest.

    With two runs taking batches of SMALL_BATCH in turn, an incident's original and repost go to one run and
    its re-edit to the other (PostgreSQL; on SQLite the second run mostly waits): the re-edit joins their
    issue only when the index of its run learns what the other run wrote.
    """
    incidents = [
        (title.format(desa=desa), text.format(desa=desa, kec=kec), desa)
        for desa, kec in PLACES
        for title, text in PROBLEMS
    ]
    ceremonies = [
        ("wartakutim", CEREMONY[0].format(desa=d), CEREMONY[1].format(desa=d, kec=k)) for d, k in PLACES
    ]
    return [
        *(("wartakutim", title, text) for title, text, _ in incidents),
        *(("kabarsangatta", title, text) for title, text, _ in incidents),
        *ceremonies[:SMALL_BATCH],
        *(("arsip", title, text + RE_EDIT.format(desa=desa)) for title, text, desa in incidents),
        *ceremonies[SMALL_BATCH:],
    ]


@pytest.fixture
def stored(runtime: Runtime) -> Runtime:
    """The initialised runtime with the sample pages stored as documents, not triaged yet."""
    fetched = utcnow() - timedelta(hours=1)
    with transaction(runtime.sessions) as session:
        sources = {source.slug: source.id for source in session.scalars(select(Source))}
        for n, (slug, title, text) in enumerate(_sample_pages()):
            url = f"https://contoh.test/{slug}/{n}"
            session.add(
                Document(
                    source_id=sources[slug],
                    url=url,
                    canonical_url=url,
                    content_hash=content_hash(text),
                    title=title,
                    text=text,
                    fetched_at=fetched + timedelta(seconds=n),
                )
            )
    return runtime


@pytest.fixture
def worker(stored: Runtime) -> Iterator[Runtime]:
    """A second worker on the same database: its own engine, connections and model."""
    other = Runtime(stored.settings, base_url=stored.base_url)
    yield other
    other.close()


def _at_once(*jobs: Callable[[], Any]) -> list[Any]:
    """Run each job in its own thread, all released together; re-raise the first error any of them raised."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(position: int, job: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[position] = job()
        except BaseException as exc:  # handed to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def _in_background(job: Callable[[], Any]) -> Callable[[], Any]:
    """Start ``job`` in a thread; the returned function waits for it and returns its result (or raises)."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = job()
        except BaseException as exc:  # re-raised by the waiting function
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()

    def wait() -> Any:
        thread.join()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]

    return wait


def _detections_per_document(runtime: Runtime) -> dict[int, int]:
    version = runtime.triager.model.version
    with runtime.sessions() as session:
        ok = session.scalars(select(Document.id).where(Document.status == DocumentStatus.OK)).all()
        counts = dict(
            session.execute(
                select(Detection.document_id, func.count(Detection.id))
                .where(Detection.model_version == version)
                .group_by(Detection.document_id)
            ).all()
        )
    return {document_id: counts.get(document_id, 0) for document_id in ok}


def _reports_per_open_issue(runtime: Runtime) -> dict[int, int]:
    with runtime.sessions() as session:
        issues = session.scalars(select(Issue.id).where(Issue.status == IssueStatus.OPEN)).all()
        counts = dict(
            session.execute(select(Report.issue_id, func.count(Report.id)).group_by(Report.issue_id)).all()
        )
    return {issue_id: counts.get(issue_id, 0) for issue_id in issues}


def _mentions_per_issue(runtime: Runtime) -> dict[int, tuple[int, int]]:
    """Each issue's mention count as stored, and its detections as counted."""
    with runtime.sessions() as session:
        attached = dict(
            session.execute(
                select(Detection.issue_id, func.count(Detection.id)).group_by(Detection.issue_id)
            ).all()
        )
        issues = session.scalars(select(Issue)).all()
        return {issue.id: (issue.mention_count, attached[issue.id]) for issue in issues}


def _triage_and_queue(runtime: Runtime) -> tuple[int, int]:
    """What `pantau triage` does: triage, then queue; returns (documents triaged, reports queued)."""
    summary = triage_pending(runtime, batch_size=SMALL_BATCH)
    return summary.documents, sum(queue_new_issues(runtime).values())


@pytest.mark.slow
def test_two_triage_runs_at_once_triage_each_document_once(stored: Runtime, worker: Runtime) -> None:
    for runtime in (stored, worker):
        assert runtime.triager  # models loaded before the race starts

    first, second = _at_once(lambda: _triage_and_queue(stored), lambda: _triage_and_queue(worker))

    per_document = _detections_per_document(stored)
    assert len(per_document) == len(_sample_pages())
    assert set(per_document.values()) == {1}  # one detection per document and model version
    assert first[0] + second[0] == len(per_document)  # each triaged by exactly one of the runs
    # clustered as one run would: one issue per incident, each with its three mentions, counted without loss
    assert set(_mentions_per_issue(stored).values()) == {(3, 3)}
    per_issue = _reports_per_open_issue(stored)
    assert len(per_issue) == INCIDENTS
    assert set(per_issue.values()) == {1}  # every open issue queued exactly once
    assert first[1] + second[1] == INCIDENTS


@pytest.mark.slow
def test_two_queue_runs_at_once_queue_each_issue_once(stored: Runtime, worker: Runtime) -> None:
    triage_pending(stored)

    first, second = _at_once(lambda: queue_new_issues(stored), lambda: queue_new_issues(worker))

    per_issue = _reports_per_open_issue(stored)
    assert len(per_issue) == INCIDENTS and set(per_issue.values()) == {1}
    assert sum(first.values()) + sum(second.values()) == INCIDENTS


@pytest.mark.slow
def test_triage_overlapping_a_foreign_write_transaction_finishes(stored: Runtime, worker: Runtime) -> None:
    version = worker.triager.model.version  # loaded before the foreign transaction opens
    with stored.sessions() as foreign, foreign.begin():
        # a writer that claims nothing triages the first document and keeps its transaction open
        first = foreign.scalars(select(Document).order_by(Document.id).limit(1)).one()
        foreign.add(
            Detection(document_id=first.id, model_version=version, complaint_score=0.0, band="not_complaint")
        )
        foreign.flush()
        wait = _in_background(lambda: triage_pending(worker))
        time.sleep(HOLD_SECONDS)
    summary = wait()

    per_document = _detections_per_document(stored)
    assert set(per_document.values()) == {1}
    assert summary.documents == len(per_document) - 1  # all but the foreign one...
    assert summary.already_done in {0, 1}  # ...which was skipped (SQLite) or given up on a conflict


@pytest.mark.slow
def test_queue_overlapping_a_foreign_write_transaction_finishes(stored: Runtime, worker: Runtime) -> None:
    triage_pending(stored)
    with stored.sessions() as foreign, foreign.begin():
        issue = foreign.scalars(select(Issue).order_by(Issue.id).limit(1)).one()
        foreign.add(
            Report(
                issue_id=issue.id,
                region_id=issue.region_id,
                judul="Diantrekan oleh pekerja lain",
                isi="-",
                kategori="-",
                lokasi="-",
                verification_due_at=utcnow(),
            )
        )
        foreign.flush()
        wait = _in_background(lambda: queue_new_issues(worker))
        time.sleep(HOLD_SECONDS)
    queued = wait()

    per_issue = _reports_per_open_issue(stored)
    assert len(per_issue) == INCIDENTS and set(per_issue.values()) == {1}
    assert sum(queued.values()) == INCIDENTS - 1
    assert queued.already_done in {0, 1}


def _impatient(runtime: Runtime) -> Runtime:
    """``runtime`` with SQLite connections that wait 0.1 s for a lock instead of busy_timeout's 30 s."""
    event.listen(runtime.engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA busy_timeout=100"))
    return runtime


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_on_sqlite_a_run_that_cannot_get_the_write_lock_leaves_the_work(
    stored: Runtime, worker: Runtime
) -> None:
    impatient = _impatient(worker)
    with write_transaction(stored.sessions):  # another writer holds the database's write lock throughout
        triaged = triage_pending(impatient)
        queued = queue_new_issues(impatient)
    assert triaged.lock_busy and triaged.documents == 0
    assert queued.lock_busy and not queued

    again = triage_pending(impatient)  # the lock is free again: the work is still there
    assert not again.lock_busy and again.documents == len(_sample_pages())


# One cycle at a time per var dir -------------------------------------------------------------------------

HOLDER = """
import sys
from pathlib import Path
from flows.cycle_lock import cycle_lock

with cycle_lock(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.read()
"""


@pytest.fixture
def held_lock(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the cycle lock of ``tmp_path / "var"`` until it is killed."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "var")],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "held"
    yield holder
    holder.kill()
    holder.wait()


@pytest.mark.slow
def test_a_second_cycle_on_the_same_var_dir_stops_at_once_with_one_line(
    tmp_path: Path, held_lock: subprocess.Popen[str]
) -> None:
    var_dir = tmp_path / "var"
    database_url = f"sqlite:///{var_dir / 'pantau.db'}"
    runtime = Runtime(Settings(var_dir=var_dir, database_url=database_url))
    initialise(runtime)
    runtime.close()
    env = {**os.environ, "PANTAU_VAR_DIR": str(var_dir), "PANTAU_DATABASE_URL": database_url}
    env.pop("PREFECT_API_URL", None)

    second = subprocess.run(
        [sys.executable, "-m", "cli", "run"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True
    )

    output = second.stdout + second.stderr
    assert second.returncode == 2, output
    assert f"siklus lain sedang berjalan untuk var dir {var_dir} (pid {held_lock.pid})" in output
    assert "Traceback" not in output
    assert not (var_dir / "prefect" / "prefect.db").exists()  # no Prefect server was started


def test_the_cycle_lock_is_released_when_its_process_dies(
    tmp_path: Path, held_lock: subprocess.Popen[str]
) -> None:
    with pytest.raises(CycleBusy, match=f"pid {held_lock.pid}"), cycle_lock(tmp_path / "var"):
        pass
    held_lock.kill()
    held_lock.wait()
    with (
        cycle_lock(tmp_path / "var"),
        pytest.raises(CycleBusy, match=f"pid {os.getpid()}"),
        cycle_lock(tmp_path / "var"),
    ):
        pass  # one cycle per var dir, in one process too

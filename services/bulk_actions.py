"""One action on many reports of the review queue: approve, reject with a reason code, or merge them all into
the one an operator keeps.

Each report goes through its own ``services.actions`` call (its own transaction, audited there) with the
version the operator's page showed, so every report is either done whole or not touched, and the outcome is
told per report: done, refused with the reason, or changed by someone else meanwhile (who). A report outside
the operator's region reads as missing, as on its own page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial

from sqlalchemy import select

from config.errors import PantauError
from db.models import RejectReason, Report
from flows.runtime import Runtime
from services import actions
from services.actions import ActionError, Actor, Conflict
from services.reports import Viewer

MAX_REPORTS = 200  # four pages of the queue: more at once is a mistake, not a plan


class Outcome(StrEnum):
    DONE = "done"
    REFUSED = "refused"
    CHANGED = "changed"  # someone else changed the report after the page was read


OUTCOME_LABELS = {Outcome.DONE: "selesai", Outcome.REFUSED: "ditolak", Outcome.CHANGED: "sudah diubah"}


@dataclass(frozen=True)
class Picked:
    """A report an operator ticked, at the version their page showed."""

    report_id: int
    version: int


@dataclass(frozen=True)
class RowOutcome:
    report_id: int
    outcome: Outcome
    message: str

    @property
    def label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


def _visible(runtime: Runtime, picked: Sequence[Picked], viewer: Viewer) -> set[int]:
    """Which of the picked reports the viewer may see (their region; an OPD its own agency)."""
    query = select(Report.id).where(
        Report.id.in_([p.report_id for p in picked]), Report.region_id == viewer.region_id
    )
    if viewer.agency_id is not None:
        query = query.where(Report.agency_id == viewer.agency_id)
    with runtime.sessions() as session:
        return set(session.scalars(query))


def _check(picked: Sequence[Picked]) -> None:
    if not picked:
        raise ActionError("belum ada laporan yang dipilih")
    if len(picked) > MAX_REPORTS:
        raise ActionError(f"paling banyak {MAX_REPORTS} laporan sekaligus")
    if len({p.report_id for p in picked}) != len(picked):
        raise ActionError("laporan yang sama terpilih dua kali")


def _one(report_id: int, act: Callable[[], str]) -> RowOutcome:
    try:
        done = act()
    except Conflict as changed:
        return RowOutcome(report_id, Outcome.CHANGED, str(changed))
    except PantauError as refusal:
        return RowOutcome(report_id, Outcome.REFUSED, str(refusal))
    return RowOutcome(report_id, Outcome.DONE, done)


def _each(
    runtime: Runtime, picked: Sequence[Picked], viewer: Viewer, act: Callable[[Picked], str]
) -> list[RowOutcome]:
    """``act`` on each picked report the viewer may see, in order; ``act`` returns what was done."""
    _check(picked)
    visible = _visible(runtime, picked, viewer)
    outcomes = []
    for p in picked:
        if p.report_id in visible:
            outcomes.append(_one(p.report_id, partial(act, p)))
        else:
            outcomes.append(RowOutcome(p.report_id, Outcome.REFUSED, f"laporan #{p.report_id} tidak ada"))
    return outcomes


def approve_all(
    runtime: Runtime, picked: Sequence[Picked], *, actor: Actor, viewer: Viewer
) -> list[RowOutcome]:
    """Approve each picked report as Pantau drafted it (its filing intent written with it)."""
    return _each(
        runtime,
        picked,
        viewer,
        lambda p: actions.approve(runtime, p.report_id, actor=actor, expected_version=p.version).line(),
    )


def reject_all(
    runtime: Runtime,
    picked: Sequence[Picked],
    *,
    actor: Actor,
    viewer: Viewer,
    code: RejectReason,
    reason: str = "",
) -> list[RowOutcome]:
    """Reject each picked report with one reason code (and the same explanation)."""
    return _each(
        runtime,
        picked,
        viewer,
        lambda p: actions.reject(
            runtime, p.report_id, actor=actor, code=code, reason=reason, expected_version=p.version
        ).line(),
    )


def merge_all(
    runtime: Runtime, picked: Sequence[Picked], *, keep: int, actor: Actor, viewer: Viewer
) -> list[RowOutcome]:
    """Merge every picked report into ``keep`` (one of them), one after the other: each merge moves the kept
    report's version on, and the next merge expects that version. The kept report's own line says how many
    joined it."""
    _check(picked)
    kept = next((p for p in picked if p.report_id == keep), None)
    if kept is None:
        raise ActionError(f"laporan #{keep} yang dipertahankan harus ikut dipilih")
    others = [p for p in picked if p.report_id != keep]
    if not others:
        raise ActionError("pilih minimal dua laporan untuk digabung")
    if keep not in _visible(runtime, [kept], viewer):
        raise ActionError(f"laporan #{keep} tidak ada")
    version = kept.version

    def merge(p: Picked) -> str:
        nonlocal version
        state = actions.merge(runtime, keep, p.report_id, actor=actor, expected_versions=(version, p.version))
        version = state.version
        return f"laporan #{p.report_id} digabung ke laporan #{keep}"

    outcomes = _each(runtime, others, viewer, merge)
    joined = sum(o.outcome == Outcome.DONE for o in outcomes)
    mine = (
        RowOutcome(keep, Outcome.DONE, f"laporan #{keep} dipertahankan: {joined} laporan digabung ke sini")
        if joined
        else RowOutcome(keep, Outcome.REFUSED, f"tidak ada laporan yang digabung ke laporan #{keep}")
    )
    return [mine, *outcomes]

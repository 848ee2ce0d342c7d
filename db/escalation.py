"""The escalation ladder of an overdue report: who is told, after how many working days past due.

A ladder is the region's ``escalation`` list (``config.schema.EscalationStepDef``, stored as JSON on the
region), e.g. the liaison at the due time (0), the kepala dinas after 3 working days overdue, the sekda after
5. This module only says which steps have come due; the caller records which it has already notified, so each
step fires once, and asks only about reports past their due time: ``working_days_overdue`` is 0 on both sides
of it, so a step at 0 would otherwise fire early. Reminders before the due time are not steps but the
``db.deadlines.WARNING_LEVELS`` of the deadline's progress.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


class LadderStep(Protocol):
    """What ``due_steps`` reads of a step: ``EscalationStep`` here, ``EscalationStepDef`` in config."""

    @property
    def after_working_days(self) -> int: ...


@dataclass(frozen=True)
class EscalationStep:
    """Notify ``notify`` (a rung: "liaison", "kepala_dinas", "sekda" or a contact the region YAML names) once
    the report is ``after_working_days`` whole working days past due. Field names match the region YAML, so
    a stored step reads back as ``EscalationStep(**row)``."""

    after_working_days: int
    notify: str

    def __post_init__(self) -> None:
        if self.after_working_days < 0:
            raise ValueError(f"a step cannot come before the due time ({self.after_working_days} days)")
        if not self.notify.strip():
            raise ValueError("a step needs someone to notify")


def due_steps(ladder: Sequence[LadderStep], working_days_overdue: int) -> list[int]:
    """Indices of the steps of ``ladder`` that have come due for a report ``working_days_overdue`` whole
    working days past its due time."""
    return [i for i, step in enumerate(ladder) if working_days_overdue >= step.after_working_days]

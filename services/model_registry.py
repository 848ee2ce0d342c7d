"""Promoting a trained model and rolling back (``nlp.registry``), each written to the audit log too.

The pointer file says which model triage loads; the audit log says who changed it, when and why, next to
every other change in the installation (entity ``model``, id 0: a model is a file, not a row).
"""

from __future__ import annotations

from db.models import AuditLog
from db.session import transaction
from flows.runtime import Runtime

ENTITY = "model"


def _audit(runtime: Runtime, *, actor: str, action: str, before: str, after: str, reason: str) -> None:
    with transaction(runtime.sessions) as session:
        session.add(
            AuditLog(
                actor=actor,
                entity_type=ENTITY,
                entity_id=0,
                action=action,
                before={"active": before},
                after={"active": after},
                reason=reason[:1000],
            )
        )


def promote(runtime: Runtime, version: str, *, actor: str, reason: str = "", force: bool = False) -> str:
    """Make ``version`` the active model (refused unless it passed the eval gate, or ``force`` with a
    reason); returns the version that was active before."""
    registry = runtime.registry
    forced = force and not registry.entry(version).gate_passed
    before, after = registry.promote(version, actor=actor, reason=reason, force=force)
    action = "promote:force" if forced and not registry.entry(version).bundled else "promote"
    _audit(runtime, actor=actor, action=action, before=before, after=after, reason=reason)
    return before


def rollback(runtime: Runtime, *, actor: str, reason: str = "") -> tuple[str, str]:
    """Back to the previously active model; returns (rolled back, now active)."""
    before, after = runtime.registry.rollback(actor=actor, reason=reason)
    _audit(runtime, actor=actor, action="rollback", before=before, after=after, reason=reason)
    return before, after

"""Writing the audit log: every change to a tracked record goes through ``record``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from db.models import AuditLog


def record(
    session: Session,
    *,
    actor: str,
    entity: Any,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditLog:
    """Append one audit row for ``entity`` (a model instance with an ``id``)."""
    session.flush()
    entry = AuditLog(
        actor=actor,
        entity_type=type(entity).__tablename__,
        entity_id=entity.id,
        action=action,
        before=before,
        after=after,
        reason=reason,
    )
    session.add(entry)
    return entry

"""Reports of different kinds for the queue's tests: a queued report (tests/conftest.py ``queued_report``)
given a place, urgency, priority, watchlists, band or source afterwards, as triage would have written them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from db.models import Report, Source
from db.session import transaction
from flows.runtime import Runtime

ISSUE_FIELDS = ("kecamatan_code", "urgent", "priority", "function")


def shape(runtime: Runtime, report_id: int, **given: Any) -> int:
    """Change the report's issue (``kecamatan_code``, ``urgent``, ``priority``) and every mention of it
    (``watchlists``: a list of names, ``band``, ``source``: a source slug); returns ``report_id``."""
    unknown = set(given) - {*ISSUE_FIELDS, "watchlists", "band", "source"}
    assert not unknown, unknown
    with transaction(runtime.sessions) as session:
        issue = session.get_one(Report, report_id).issue
        for name in ISSUE_FIELDS:
            if name in given:
                setattr(issue, name, given[name])
        source_id = (
            session.scalars(select(Source.id).where(Source.slug == given["source"])).one()
            if "source" in given
            else None
        )
        for detection in issue.detections:
            if "watchlists" in given:
                detection.watchlists = list(given["watchlists"])
            if "band" in given:
                detection.band = given["band"]
            if source_id is not None:
                detection.document.source_id = source_id
    return report_id


def kecamatan(runtime: Runtime, index: int, region: str = "64.08") -> tuple[str, str]:
    """The code and name of the ``index``-th kecamatan of the region's gazetteer."""
    place = runtime.catalog.regions[region].gazetteer.kecamatan[index]
    return place.code, place.name

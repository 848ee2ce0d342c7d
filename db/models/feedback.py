"""What operators decided about each document of an incident, kept as labels the model can learn from.

One row per decision and document: approving, correcting, rejecting or taking a decision back each writes a
new row for every mention document of the report's incident, and the row it replaces points at it
(``superseded_by_id``). The current label of a document is its row that nothing superseded; a decision that
says nothing about whether a text is a complaint (rejected as a duplicate, for want of data, for another
reason, or undone) has ``label`` None and so takes the earlier label out of training without giving a new
one. Nothing is deleted: the table is the history of what operators said (docs/model.md, "Learning from
operators").
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class FeedbackLabel(Base):
    __tablename__ = "feedback_label"
    __table_args__ = (
        # the current labels of a region (training reads them per region); a document's current row
        Index("ix_feedback_label_current", "region_id", "superseded_by_id"),
        Index("ix_feedback_label_document", "document_id", "superseded_by_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # the text is joined again by its id when training: a document deleted later leaves the label refused
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id", ondelete="SET NULL"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("report.id", ondelete="SET NULL"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    text_id: Mapped[str] = mapped_column(String(16), index=True)  # nlp.labels.text_id(document.text)
    label: Mapped[str | None] = mapped_column(String(20))  # complaint | not_complaint | None: no label
    function: Mapped[str | None] = mapped_column(String(40))
    agency_code: Mapped[str | None] = mapped_column(String(40))  # where an operator corrected the OPD
    place: Mapped[str | None] = mapped_column(String(300))  # where an operator corrected the location
    decision: Mapped[str] = mapped_column(String(40))  # approved | corrected | rejected:<code> | undone
    actor: Mapped[str] = mapped_column(String(120))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    model_version: Mapped[str | None] = mapped_column(String(80))  # of the detection that was decided on
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("feedback_label.id"))

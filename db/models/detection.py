"""What the models said about one Document (recomputable: one row per document and model version)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime, utcnow
from db.models.document import Document
from db.models.region import Agency


class Detection(Base):
    __tablename__ = "detection"
    __table_args__ = (UniqueConstraint("document_id", "model_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))  # indexed by the unique pair
    issue_id: Mapped[int | None] = mapped_column(ForeignKey("issue.id"), index=True)
    model_version: Mapped[str] = mapped_column(String(80))
    complaint_score: Mapped[float]
    band: Mapped[str] = mapped_column(String(20))  # complaint | review | not_complaint
    function: Mapped[str | None] = mapped_column(String(40))
    function_score: Mapped[float | None]
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    kecamatan_code: Mapped[str | None] = mapped_column(String(20))
    desa_code: Mapped[str | None] = mapped_column(String(20))
    location_label: Mapped[str | None] = mapped_column(String(300))
    # in_region | outside_region ("bukan wewenang") | unknown ("lokasi belum diketahui")
    place_status: Mapped[str] = mapped_column(String(20), default="unknown")
    outside_region: Mapped[dict[str, str] | None] = mapped_column(JSON)  # code, name, province
    streets: Mapped[list[str]] = mapped_column(JSON, default=list)
    urgent: Mapped[bool] = mapped_column(default=False)
    priority: Mapped[int] = mapped_column(default=0)
    watchlists: Mapped[list[str]] = mapped_column(JSON, default=list)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)  # MinHash of the text (nlp.clustering)
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    alternatives: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    document: Mapped[Document] = relationship()
    agency: Mapped[Agency | None] = relationship()

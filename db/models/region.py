"""Regions (tenants), their agencies (OPD) and the routing table function -> agency."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime, utcnow


class Region(Base):
    __tablename__ = "region"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    deadlines: Mapped[dict[str, Any]] = mapped_column(JSON)
    extra_holidays: Mapped[list[str]] = mapped_column(JSON, default=list)
    brand: Mapped[str] = mapped_column(String(100), default="SP4N-LAPOR!")
    lapor: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # config.schema.LaporDef
    contacts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # rung -> ContactDef
    escalation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # EscalationStepDef
    # the manager's consent: operators' decisions on this region's texts may train the shared model
    # (services.region_settings.update_feedback_consent); off until a manager turns it on
    feedback_consent: Mapped[bool] = mapped_column(default=False, server_default=false())

    agencies: Mapped[list[Agency]] = relationship(back_populates="region")


class Agency(Base):
    __tablename__ = "agency"
    __table_args__ = (UniqueConstraint("region_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    canonical: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    contacts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # rung -> ContactDef

    region: Mapped[Region] = relationship(back_populates="agencies")


class Route(Base):
    """One row of a region's routing table, with who changed it, when and why."""

    __tablename__ = "route"
    __table_args__ = (UniqueConstraint("region_id", "function"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    function: Mapped[str] = mapped_column(String(40))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(String(500), default="")

    agency: Mapped[Agency] = relationship()

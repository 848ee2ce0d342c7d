"""People who use the console, with their role and the region/agency they belong to."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class Role(StrEnum):
    OPERATOR = "operator"  # Diskominfo admin: reviews, files, forwards
    MANAGER = "manager"  # Diskominfo manager: sources, watchlists, routing, deadlines
    OPD = "opd"  # an OPD's liaison officer: sees only its own agency's items
    PIMPINAN = "pimpinan"  # Bupati/Sekda: read-only


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)  # home: where it starts
    # a province user (Diskominfo provinsi): works in every kabupaten/kota whose code starts "<code>."
    province_code: Mapped[str | None] = mapped_column(String(2))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))  # argon2; None: cannot log in
    failed_logins: Mapped[int] = mapped_column(default=0)  # in a row; reset by a good login
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ApiToken(Base):
    """A personal token for the API (``/api/v1``): it acts as its user, with the user's role and region. Only
    its SHA-256 is kept (a token is 256 random bits, so no slow hash is needed); the plain token is shown
    once, when made."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))  # the first characters, to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

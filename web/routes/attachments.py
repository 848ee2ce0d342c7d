"""Files attached to an OPD's tindak lanjut: served only to those who may see the report."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

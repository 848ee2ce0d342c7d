"""The routing table (function -> OPD) of the manager's region: edit with a reason, history kept."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

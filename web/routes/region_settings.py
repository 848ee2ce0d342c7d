"""The routing table, deadlines and escalation contacts of the manager's region."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

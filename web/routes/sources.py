"""Sources and their health, for managers."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

"""The audit log view for managers."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

"""An incident's operator actions beyond the review forms: merge, split, re-route, urgent, file."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

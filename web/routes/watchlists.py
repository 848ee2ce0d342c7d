"""Keyword watchlists for managers: versions, parse errors with position, live preview."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

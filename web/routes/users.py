"""Console accounts of the manager's region: add, disable, enable, change role, reset password."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()

"""The console's Jinja2 environment: autoescaped HTML templates in Bahasa Indonesia."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from db.workflow import label

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
TEMPLATES.env.filters["status_label"] = label

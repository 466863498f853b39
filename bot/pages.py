"""Server-rendered pages from templates/pages/, escaped by default."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

_pages = Environment(
    loader=FileSystemLoader(TEMPLATES / "pages"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
)

# Instants are stored in UTC; staff read them on the school's wall clock.
_pages.filters["local"] = lambda instant, zone="Europe/London": (
    instant.astimezone(ZoneInfo(zone)) if isinstance(instant, datetime) else instant)


def render_page(name: str, status_code: int = 200, **context: object) -> HTMLResponse:
    return HTMLResponse(_pages.get_template(name).render(**context), status_code=status_code)

"""Letters to parents from templates/letters/<name>.txt (a letter step of the ladder), and the
attendance ladder's letters from templates/letters/ladder/<name>.txt."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

LETTERS = Path(__file__).resolve().parent.parent / "templates" / "letters"

_env = Environment(loader=FileSystemLoader(LETTERS), undefined=StrictUndefined,
                   autoescape=False, keep_trailing_newline=True)


def render_letter(name: str, **context: object) -> str:
    """The letter's text with the pupil's and the school's details filled in."""
    return _env.get_template(f"{name}.txt").render(**context)


def render_ladder_letter(name: str, **context: object) -> str:
    """An attendance ladder letter (templates/letters/ladder/<name>.txt)."""
    return _env.get_template(f"ladder/{name}.txt").render(**context)


def long_date(day: date, weekday: bool = True) -> str:
    """'Monday 23 November 2026' (or '23 November 2026'): a date as a letter writes it."""
    text = f"{day.day} {day:%B %Y}"
    return f"{day:%A} {text}" if weekday else text

"""Letters to parents from templates/letters/<name>.txt (a letter step of the ladder)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

LETTERS = Path(__file__).resolve().parent.parent / "templates" / "letters"

_env = Environment(loader=FileSystemLoader(LETTERS), undefined=StrictUndefined,
                   autoescape=False, keep_trailing_newline=True)


def render_letter(name: str, **context: object) -> str:
    """The letter's text with the pupil's and the school's details filled in."""
    return _env.get_template(f"{name}.txt").render(**context)

"""Every text sent to a parent comes from templates/messages/<language>/<name>.txt.

Code passes facts (names, dates, the reason's kind); the words are in the templates, so a
school or a translator changes wording without touching code. A template missing in the
contact's language falls back to English; a missing variable is an error, never a blank.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateNotFound

TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "messages"
LANGUAGES = ("en",)

_env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                   autoescape=False, trim_blocks=True, keep_trailing_newline=False)


def render(name: str, language: str = "en", **context: object) -> str:
    """The text of message `name` in the contact's language (English if not translated)."""
    try:
        template = _env.get_template(f"{language}/{name}.txt")
    except TemplateNotFound:
        template = _env.get_template(f"en/{name}.txt")
    return template.render(**context).strip()


def template_names() -> list[str]:
    return sorted(p.stem for p in (TEMPLATES / "en").glob("*.txt"))


def short_date(day: date) -> str:
    """'Mon 23 Nov': how the school writes a day in a text."""
    return f"{day:%a} {day.day} {day:%b}"


def names_list(names: list[str]) -> str:
    """'Amelia Smith', 'Amelia Smith and Jack Smith', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]

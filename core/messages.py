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
LANGUAGES = ("en", "pl", "ro")
# Day and month names for a day in a text ("Mon 23 Nov", "pon. 23 lis", "luni 23 noiembrie"):
# a few words a language, not worth a localisation library.
_NAMES = {
    "en": (("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
           ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")),
    "pl": (("pon.", "wt.", "śr.", "czw.", "pt.", "sob.", "niedz."),
           ("sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru")),
    "ro": (("luni", "marți", "miercuri", "joi", "vineri", "sâmbătă", "duminică"),
           ("ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august",
            "septembrie", "octombrie", "noiembrie", "decembrie")),
}

_env = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                   autoescape=False, trim_blocks=True, keep_trailing_newline=False)


def render(name: str, language: str = "en", **context: object) -> str:
    """The text of message `name` in the contact's language (English if not translated).

    Templates write a day as `{{ day(iso_date) }}`, which comes out in the same language."""
    try:
        template = _env.get_template(f"{language}/{name}.txt")
    except TemplateNotFound:
        template, language = _env.get_template(f"en/{name}.txt"), "en"
    return template.render(day=lambda iso: short_date(date.fromisoformat(iso), language),
                           **context).strip()


def template_names() -> list[str]:
    return sorted(p.stem for p in (TEMPLATES / "en").glob("*.txt"))


def short_date(day: date, language: str = "en") -> str:
    """'Mon 23 Nov': how the school writes a day in a text, in the parent's language."""
    weekdays, months = _NAMES.get(language, _NAMES["en"])
    return f"{weekdays[day.weekday()]} {day.day} {months[day.month - 1]}"


def names_list(names: list[str]) -> str:
    """'Amelia Smith', 'Amelia Smith and Jack Smith', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]

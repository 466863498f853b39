"""Reading register marks from the MIS: a CSV export or the API's JSON, checked row by row.

Each row is one pupil's mark for one session: `date, session, upn, mark`. Dates are ISO
(2026-11-23) or UK (23/11/2026); sessions AM or PM; marks the 2024 national codes as MIS
exports write them (`/`, `\\`, `N`, `I`, `M`, `L`...). A blank mark is a register not taken
yet: skipped, not rejected, so a whole-day export taken in the morning imports cleanly.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from core.attendance_models import RegisterSession
from core.codes import UnknownCode, get_code
from core.roster_rows import RowProblem

COLUMNS = ("date", "session", "upn", "mark")
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class RegisterFileError(ValueError):
    """The file as a whole can't be read (empty, required columns missing)."""


@dataclass(frozen=True)
class MarkRow:
    """One mark, checked: the UPN upper-cased, the code in its national spelling."""

    line: int
    day: date
    session: RegisterSession
    upn: str
    mark: str


def read_marks_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs with lower-cased column names; a BOM is allowed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        # Older MIS exports come out of Excel in Windows-1252.
        text = path.read_bytes().decode("cp1252", errors="replace")
    yield from read_marks_text(text)


def read_marks_text(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise RegisterFileError("the file is empty: expected a header row")
    columns = [name.strip().lower() for name in header]
    missing = [c for c in COLUMNS if c not in columns]
    if missing:
        raise RegisterFileError(f"missing required column(s): {', '.join(missing)}")
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        yield reader.line_num, {c: v.strip() for c, v in zip(columns, values, strict=False)}


def clean_mark(line: int, raw: Mapping[str, str]) -> MarkRow | RowProblem | None:
    """Check one row; every problem with it is reported together. None: no mark yet."""
    problems: list[str] = []
    mark_text = (raw.get("mark") or "").strip()
    day = _day((raw.get("date") or "").strip(), problems)
    session = _session((raw.get("session") or "").strip(), problems)
    upn = (raw.get("upn") or "").replace(" ", "").upper()
    if not upn:
        problems.append("UPN is missing")
    mark = _mark(mark_text, problems) if mark_text else None
    if problems:
        return RowProblem(line, "; ".join(problems))
    if mark is None:
        return None
    assert day is not None and session is not None
    return MarkRow(line=line, day=day, session=session, upn=upn, mark=mark)


def _day(value: str, problems: list[str]) -> date | None:
    if not value:
        problems.append("date is missing")
        return None
    uk, iso = _UK_DATE.match(value), _ISO_DATE.match(value)
    parts = (uk[3], uk[2], uk[1]) if uk else iso.groups() if iso else None
    if parts is None:
        problems.append(f"date {value!r} is not YYYY-MM-DD or DD/MM/YYYY")
        return None
    try:
        return date(*map(int, parts))
    except ValueError:
        problems.append(f"date {value!r} is not a day of the calendar")
        return None


def _session(value: str, problems: list[str]) -> RegisterSession | None:
    try:
        return RegisterSession(value.upper())
    except ValueError:
        problems.append(f"session {value!r} is not AM or PM" if value else "session is missing")
        return None


def _mark(value: str, problems: list[str]) -> str | None:
    try:
        return get_code(value).code
    except UnknownCode as error:
        problems.append(f"mark {value!r}: {error}")
        return None

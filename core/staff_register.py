"""The staff Register page's view of the register: what a day's export holds before staff
download it, who appears in the amendment trail, and the trail as a file for inspectors.

The export itself and the trail's rows come from core.register_export, the same functions
the command line uses, so the page and `rollcall export register` never disagree.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from core.attendance_models import MarkAmendment
from core.codes import CODES
from core.models import School, StaffUser
from core.register_export import ExportRow, TrailEntry
from core.schools import school_calendar

MIS_IMPORT = "MIS import"  # how core.register.import_marks signs its changes
TRAIL_COLUMNS = ("changed_at", "upn", "pupil", "date", "session", "old_mark", "new_mark",
                 "reason", "changed_by", "role", "report_id")
# A spreadsheet runs a cell starting with one of these as a formula; staff type the reasons.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class CodeCount:
    code: str
    meaning: str
    marks: int


@dataclass(frozen=True)
class DaySummary:
    """What the export for `day` holds, so staff see it before they download it."""

    day: date
    closed: str | None  # why it is not a school day (weekend, half term...); None if it is
    marks: int
    amended: int
    by_code: list[CodeCount]  # most marks first


@dataclass(frozen=True)
class Person:
    """Someone who changed marks: the value the trail records, and how staff know them."""

    value: str
    label: str


def day_summary(*, school: School, day: date, rows: list[ExportRow]) -> DaySummary:
    """Marks by code and how many were amended, with the reason school is shut if it is."""
    counted = Counter(r.mark for r in rows)
    by_code = [CodeCount(code, CODES[code].meaning if code in CODES else "", n)
               for code, n in sorted(counted.items(), key=lambda item: (-item[1], item[0]))]
    return DaySummary(day=day, closed=school_calendar(school).closed_because(day),
                      marks=len(rows), amended=sum(r.amended for r in rows), by_code=by_code)


def trail_people(*, session: Session, school: School) -> list[Person]:
    """The MIS import, then each member of staff found in the school's trail, by name."""
    recorded = session.exec(select(func.min(MarkAmendment.changed_by)).where(
        MarkAmendment.school_id == school.id).group_by(
        func.lower(MarkAmendment.changed_by))).all()
    names = {email.lower(): name for email, name in session.exec(
        select(StaffUser.email, StaffUser.name).where(StaffUser.school_id == school.id))}
    people = [Person(value, f"{names[value.lower()]} ({value})" if value.lower() in names
                     else value)
              for value in recorded if value.lower() != MIS_IMPORT.lower()]
    return [Person(MIS_IMPORT, MIS_IMPORT), *sorted(people, key=lambda p: p.label.lower())]


def trail_csv(entries: list[TrailEntry], zone: ZoneInfo) -> str:
    """The trail as CSV for inspectors: times on the school's clock with their UTC offset."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TRAIL_COLUMNS)
    for e in entries:
        writer.writerow([_cell(value) for value in (
            e.changed_at.astimezone(zone).isoformat(timespec="seconds"), e.upn, e.pupil,
            e.day.isoformat(), e.session, e.old_mark or "", e.new_mark, e.reason,
            e.changed_by, e.role, e.report_id or "")])
    return out.getvalue()


def _cell(value: str | int) -> str | int:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


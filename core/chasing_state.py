"""The morning at every school on a school day, as the planner sees it (core.chasing), with
what carrying its plan out needs: the reads (core.chasing_queries) put together per school."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Engine

from core.chasing import Case, ChaseState, ContactRef
from core.chasing_queries import UNDELIVERED, ContactRow, DayRows, DoneRow, PupilRow, read_day
from core.chasing_rules import Explanation, SchoolDay, address_on, covers, preferred_channel

__all__ = ["ContactRow", "DoneRow", "Morning", "PupilRow", "load_mornings"]


@dataclass
class Morning:
    """One school's morning: the planner's state, and what carrying the plan out needs."""

    school: SchoolDay
    state: ChaseState
    pupils: dict[int, PupilRow] = field(default_factory=dict)
    contacts: dict[int, list[ContactRow]] = field(default_factory=dict)  # by pupil, in order
    done: list[DoneRow] = field(default_factory=list)


def load_mornings(engine: Engine, schools: list[SchoolDay]) -> list[Morning]:
    """Every school's morning, in school order; schools on different local dates (another
    time zone) are read separately."""
    by_day: dict[date, dict[int, SchoolDay]] = defaultdict(dict)
    for school in schools:
        by_day[school.today][school.id] = school
    mornings = []
    for today, group in sorted(by_day.items()):
        rows = read_day(engine, today, group)
        mornings += [_morning(school, rows) for school in group.values()]
    return sorted(mornings, key=lambda m: m.school.id)


def _morning(school: SchoolDay, rows: DayRows) -> Morning:
    here = rows.channels.get(school.id, set())
    pupils = rows.pupils_by_school.get(school.id, [])
    cases = []
    for pupil in pupils:
        days = _run_of_days(pupil.id, school, rows.marks, rows.reports.get(pupil.id, []))
        if days:
            refs = tuple(_reference(c, school.id, here, rows.opted_out)
                         for c in rows.contacts.get(pupil.id, []))
            cases.append(Case(pupil.id, days, pupil.vulnerable, refs))
    done = rows.done.get(school.id, [])
    calendar = school.calendar
    state = ChaseState(
        school.today, school.now, tuple(cases),
        {(d.pupil_id, d.step): calendar.local_time(d.created_at).replace(tzinfo=None)
         for d in done},
        frozenset(d.contact_id for d in done if d.replied and d.contact_id is not None),
        frozenset(d.contact_id for d in done
                  if d.message_status in UNDELIVERED and d.contact_id is not None),
        frozenset(rows.reached.get(school.id, set())))
    return Morning(school, state, {p.id: p for p in pupils},
                   {c.pupil_id: rows.contacts.get(c.pupil_id, []) for c in cases}, done)


def _run_of_days(pupil_id: int, school: SchoolDay, marks: set[tuple[int, date]],
                 reports: list[Explanation]) -> int:
    """School days of unexplained absence so far, today included; 0 when today is explained."""
    def unexplained(day: date) -> bool:
        return not any(covers(r, day, school.calendar) for r in reports)

    if not unexplained(school.today):
        return 0
    count = 1
    for day in school.earlier_days:
        if (pupil_id, day) not in marks or not unexplained(day):
            break
        count += 1
    return count


def _reference(contact: ContactRow, school_id: int, channels: set[str],
               opted_out: set[tuple[int, str, str]]) -> ContactRef:
    channel = preferred_channel(contact, channels)
    stopped = channel is not None and (
        school_id, channel, address_on(contact, channel)) in opted_out
    return ContactRef(contact.id, channel, stopped)

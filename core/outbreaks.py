"""Outbreaks: the same infectious illness rising in one class or year group over a few days,
flagged to the head as a staff task with the pupils and dates behind it.

On a school day, over the five school days to it (the window), counting each pupil once by
the first day of their illness report (core/symptoms.py says which illness a report names):
- a class with 3 or more pupils off with the same illness is a cluster;
- so is a year group with 4 or more across 2 or more classes (it takes in its classes');
- but only at twice the usual rate or more: the usual being the larger of the place's own
  count over the 20 school days before the window and the whole school's, scaled to the
  place's size, both scaled to five days. A winter's scattered colds raise no alarm.

Each cluster becomes one task for the head (core/outbreak_tasks.py).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col, func, select

from core.calendar import NoSchoolDay, SchoolCalendar
from core.conversation_models import AbsenceReport, Direction, Message, ReportStatus
from core.models import Pupil, School
from core.schools import school_calendar
from core.symptoms import Illness, first_illness

CLASS_CASES, YEAR_CASES, YEAR_CLASSES = 3, 4, 2
WINDOW_DAYS, BASELINE_DAYS, RISE = 5, 20, 2.0
SAME_BOUT = timedelta(days=14)  # a report of the same illness within this is the same bout
ANSWERED = timedelta(hours=12)  # a parent's answers to the bot's questions come within this
COUNTED = (ReportStatus.confirmed.value, ReportStatus.approved.value,
           ReportStatus.collecting.value)


@dataclass(frozen=True)
class Case:
    pupil: Pupil
    illness: Illness
    first_day: date
    words: str  # what the parent wrote that named the illness


@dataclass(frozen=True)
class Cluster:
    illness: Illness
    kind: str  # class or year
    place: str  # "3B", "Year 3"
    cases: tuple[Case, ...]  # in the window, one a pupil, earliest first
    history: tuple[Case, ...]  # the same illness and place since `since`
    since: date  # the first of the 20 school days before the window
    end: date
    usual: float  # pupils usually off with it here in five school days

    @property
    def onset(self) -> date:
        return self.cases[0].first_day

    @property
    def key(self) -> str:
        return f"outbreak:{self.illness.key}:{self.kind}:{self.place}"

    @property
    def title(self) -> str:
        where = f"class {self.place}" if self.kind == "class" else self.place
        return f"Possible {self.illness.name} outbreak in {where}"

    def reason(self, cases: tuple[Case, ...]) -> str:
        classes = {c.pupil.reg_group or "no class" for c in cases}
        spread = f" across {len(classes)} classes" if self.kind == "year" else ""
        return (f"{len(cases)} pupils in {self.place}{spread} off with {self.illness.name} "
                f"since {cases[0].first_day:%a %-d %b} (usually about {self.usual:.1f} in five "
                f"school days). Check the UKHSA guidance for schools, and whether to tell "
                f"parents or the local health protection team.")


@dataclass(frozen=True)
class _Window:
    start: date  # the first of the five school days
    since: date  # the first of the 20 before them
    end: date
    days_before: int  # school days from `since` to `start` (fewer early in the year)
    sizes: dict[tuple[str, str], int]  # pupils on roll by (class or year, place)


def find_clusters(*, session: Session, school: School, day: date) -> list[Cluster]:
    """The outbreaks in the five school days to `day` (to the last school day before it,
    when `day` is none)."""
    calendar = school_calendar(school)
    try:
        end = _last_school_day(calendar, day)
    except NoSchoolDay:
        return []
    start = _back(calendar, end, WINDOW_DAYS - 1)
    since = _back(calendar, start, BASELINE_DAYS)
    window = _Window(start, since, end, calendar.school_days_between(since, start),
                     _sizes(session, school))
    cases = illness_cases(session=session, school=school, start=since, end=end)
    found: list[Cluster] = []
    for illness in sorted({c.illness.key for c in cases if c.first_day >= start}):
        found += _clusters_of([c for c in cases if c.illness.key == illness], window)
    return sorted(found, key=lambda c: (c.onset, c.illness.key, c.place))


def _clusters_of(ill: list[Case], window: _Window) -> list[Cluster]:
    """One illness's clusters: year groups first, then classes outside those year groups."""
    before = sum(1 for c in ill if c.first_day < window.start)
    years = [y for y in (_cluster(window, "year", place, members, before)
                         for place, members in _by(ill, lambda c: _year(c.pupil.year_group)))
             if y and len({c.pupil.reg_group for c in y.cases}) >= YEAR_CLASSES]
    taken = {y.place for y in years}
    rest = [c for c in ill if c.pupil.reg_group and _year(c.pupil.year_group) not in taken]
    classes = [_cluster(window, "class", place, members, before)
               for place, members in _by(rest, lambda c: c.pupil.reg_group or "")]
    return years + [c for c in classes if c]


def _cluster(window: _Window, kind: str, place: str, members: list[Case],
             school_before: int) -> Cluster | None:
    recent = tuple(c for c in members if c.first_day >= window.start)
    usual = _usual(len(members) - len(recent), school_before, window.sizes.get((kind, place), 0),
                   window.sizes["school", ""], window.days_before)
    least = CLASS_CASES if kind == "class" else YEAR_CASES
    if len(recent) < least or len(recent) < RISE * usual:
        return None
    return Cluster(recent[0].illness, kind, place, recent, tuple(members), window.since,
                   window.end, usual)


def _last_school_day(calendar: SchoolCalendar, day: date) -> date:
    if day < calendar.first_day:
        raise NoSchoolDay(f"{day} is before the calendar starts")
    day = min(day, calendar.last_day)
    return day if calendar.is_school_day(day) else calendar.previous_school_day(day)


def _back(calendar: SchoolCalendar, day: date, school_days: int) -> date:
    try:
        return calendar.add_school_days(day, -school_days)
    except NoSchoolDay:  # the start of the calendar: a shorter history
        return calendar.first_day


def _usual(place_before: int, school_before: int, place_size: int, school_size: int,
           days_before: int) -> float:
    if days_before == 0:
        return 0.0
    scaled = school_before * place_size / school_size if school_size else 0.0
    return max(place_before, scaled) * WINDOW_DAYS / days_before


def _year(year_group: str) -> str:
    if year_group.isdigit():
        return f"Year {year_group}"
    return {"R": "Reception", "N1": "Nursery 1", "N2": "Nursery 2"}.get(year_group, year_group)


def _by(cases: Iterable[Case], key: Callable[[Case], str]) -> list[tuple[str, list[Case]]]:
    grouped: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        grouped[key(case)].append(case)
    return sorted(grouped.items())


def _sizes(session: Session, school: School) -> dict[tuple[str, str], int]:
    on_roll = (Pupil.school_id == school.id, col(Pupil.on_roll))
    sizes: dict[tuple[str, str], int] = {}
    for year, count in session.exec(select(Pupil.year_group, func.count()).where(
            *on_roll).group_by(col(Pupil.year_group))).all():
        sizes["year", _year(year)] = count
    for group, count in session.exec(select(Pupil.reg_group, func.count()).where(
            *on_roll).group_by(col(Pupil.reg_group))).all():
        sizes["class", group or ""] = count
    sizes["school", ""] = sum(n for (kind, _), n in sizes.items() if kind == "year")
    return sizes


def illness_cases(*, session: Session, school: School, start: date, end: date) -> list[Case]:
    """Pupils on roll reported off with an infectious illness, first day from `start` to
    `end`: a case a pupil's bout of an illness (reports of it within a fortnight of the last
    are the same bout, dated by the first), earliest first."""
    rows = session.exec(select(AbsenceReport, Pupil, Message.body).join(
        Pupil, col(Pupil.id) == AbsenceReport.pupil_id).join(
        Message, col(Message.id) == AbsenceReport.message_id).where(
        AbsenceReport.school_id == school.id, AbsenceReport.reason == "illness",
        col(AbsenceReport.status).in_(COUNTED), col(AbsenceReport.first_day) >= start,
        col(AbsenceReport.first_day) <= end, col(Pupil.on_roll)).order_by(
        col(AbsenceReport.first_day), col(AbsenceReport.id))).all()
    answers = _answers(session, [r for r, _, _ in rows])
    cases: list[Case] = []
    last: dict[tuple[int, str], date] = {}  # each pupil's latest report of each illness
    for report, pupil, body in rows:
        spans = json.loads(report.evidence or "{}").get("reason", [])
        said = " ".join(body[a:b] for a, b in spans)
        later = " . ".join(text for at, text in answers.get(report.conversation_id, ())
                           if report.created_at <= at <= min(report.updated_at,
                                                             report.created_at + ANSWERED))
        found = first_illness(said, report.details, f"{body} . {later}")
        if found is None or report.first_day is None:
            continue
        key = (pupil.id or 0, found.illness.key)
        if key not in last or report.first_day - last[key] > SAME_BOUT:
            cases.append(Case(pupil, found.illness, report.first_day, found.words))
        last[key] = report.first_day
    return sorted(cases, key=lambda c: (c.first_day, c.pupil.legal_last_name))


def _answers(session: Session, reports: list[AbsenceReport]
             ) -> dict[int, list[tuple[datetime, str]]]:
    """Parents' later messages in the reports' threads: the illness is often named in the
    answer to "what is the reason?" rather than in the first message."""
    if not reports:
        return {}
    found: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for thread, at, body in session.exec(select(
            Message.conversation_id, Message.created_at, Message.body).where(
            col(Message.conversation_id).in_({r.conversation_id for r in reports}),
            Message.direction == Direction.incoming.value,
            col(Message.created_at) >= min(r.created_at for r in reports),
            col(Message.created_at) <= max(r.updated_at for r in reports))).all():
        found[thread].append((at, body))
    return found

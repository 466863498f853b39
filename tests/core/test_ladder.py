"""The attendance ladder over an autumn term: a hand-built register, the weekly run under a
fake clock, staff approving what it proposes, and what each pupil is proposed when."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core.attendance_models import Intervention, LadderRun, RegisterMark, StaffTask
from core.calendar import SchoolCalendar
from core.clock import FixedClock
from core.ladder_decisions import Decider, approve_intervention
from core.ladder_runner import propose_steps, run_ladder
from core.models import Pupil, School
from core.roster import import_roster
from core.roster_rows import read_csv_text
from core.schools import add_school, school_calendar
from tests.conftest import CORPUS_CALENDAR
from tests.core.roster_files import csv_text, row

LONDON = ZoneInfo("Europe/London")
OFFICER = Decider("attendance@example.org", "attendance_officer")
# A ladder with one of each kind of step, written as a school would.
TERM_LADDER = """
[monitoring]
target = 96.0
review_weeks = 4

[[monitoring.bands]]
name = "green"
from = 97.0
[[monitoring.bands]]
name = "amber"
from = 90.0
[[monitoring.bands]]
name = "red"
from = 0.0

[[monitoring.steps]]
name = "first-letter"
title = "Below 95%: first letter"
action = "letter"
role = "attendance_officer"
template = "bromley_hills_attendance_1"
when = { below = 95.0 }

[[monitoring.steps]]
name = "second-letter"
title = "Not improved four weeks on: second letter"
action = "letter"
role = "attendance_officer"
template = "bromley_hills_attendance_2"
after = { step = "first-letter", weeks = 4 }
when = { below = 95.0, trend = "not_improved" }

[[monitoring.steps]]
name = "meeting"
title = "Below 90% after a letter: meeting"
action = "meeting"
role = "attendance_officer"
template = "mary_bassett_review_meeting"
review_weeks = 4
when = { below = 90.0, parents_informed = true }

[[monitoring.steps]]
name = "thank-you"
title = "Moved up a band: thank-you letter"
action = "praise"
role = "attendance_officer"
template = "aoop_thank_you"
after = { step = ["first-letter", "second-letter", "meeting"], weeks = 4 }
when = { band_moved = "up" }

[[monitoring.steps]]
name = "praise-100"
title = "100% attendance: praise"
action = "praise"
role = "attendance_officer"
template = "mary_bassett_praise_outstanding"
when = { at_or_above = 100.0 }
"""

# Each pupil's register: the school days they were away (an 'I' or 'O' both sessions),
# everything else present. The corpus calendar's autumn term: 3 Sep to 18 Dec 2026, half
# term 26-30 Oct, an INSET day on 27 Nov.
Absences = Callable[[date], str | None]


def away_on(*days: str, mark: str = "I") -> Absences:
    chosen = {date.fromisoformat(d) for d in days}
    return lambda day: mark if day in chosen else None


def school_with_ladder(session: Session, clock: FixedClock, tmp_path: Path,
                       ladder: str = TERM_LADDER) -> School:
    policy = tmp_path / "policy.toml"
    policy.write_text(ladder)
    school, _ = add_school(session=session, clock=clock, name="Example Primary", slug="example",
                           policy_file=policy, calendar_file=CORPUS_CALENDAR)
    session.commit()
    return school


def enrol(session: Session, school: School, clock: FixedClock, *names: str) -> dict[str, Pupil]:
    """Pupils by first name, each with a mother (parental responsibility) and a father."""
    rows = []
    for n, name in enumerate(names, start=1):
        rows += [row(n, name, "Example", f"Mum {name} Example", f"07700 900{n:01d}01"),
                 row(n, name, "Example", f"Dad {name} Example", f"07700 900{n:01d}02",
                     relationship="Father", parental_responsibility="Y", priority="2")]
    report = import_roster(session=session, school=school, rows=read_csv_text(csv_text(rows)),
                           clock=clock)
    assert not report.rejected, report.rejected
    session.commit()
    pupils = session.exec(select(Pupil).where(Pupil.school_id == school.id)).all()
    return {p.legal_first_name: p for p in pupils}


def write_register(session: Session, school: School, pupil: Pupil, absences: Absences,
                   start: date = date(2026, 9, 3), end: date = date(2026, 12, 18)) -> None:
    """Every session of every school day from `start` to `end`."""
    calendar = school_calendar(school)
    stamp = datetime(2026, 9, 1, tzinfo=UTC)
    for day in calendar.school_days(start, end + timedelta(days=1)):
        away = absences(day)
        for part, present in (("AM", "/"), ("PM", "\\")):
            session.add(RegisterMark(school_id=school.id, pupil_id=pupil.id, day=day,
                                     session=part, mark=away or present, source="mis",
                                     created_at=stamp, updated_at=stamp))
    session.commit()


def mondays(calendar: SchoolCalendar, start: date, end: date) -> list[date]:
    """The first school day of each week from `start` to `end`."""
    found, monday = [], start - timedelta(days=start.weekday())
    while monday <= end:
        days = [d for d in (monday + timedelta(days=n) for n in range(5))
                if calendar.is_school_day(d)]
        if days:
            found.append(days[0])
        monday += timedelta(days=7)
    return found


def at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)


def run_the_term(engine: Engine, school: School, clock: FixedClock,
                 end: date = date(2026, 12, 14)) -> dict[str, list[tuple[str, str]]]:
    """Each week: the tick's run at 07:00 on the first school day, then the attendance
    officer approves everything proposed at 10:00. What each pupil was proposed, when."""
    proposed: dict[str, list[tuple[str, str]]] = {}
    with Session(engine) as session:
        calendar = school_calendar(session.get(School, school.id))  # type: ignore[arg-type]
    for day in mondays(calendar, date(2026, 9, 7), end):
        clock.now = at(day, 7)
        run_ladder(engine, clock())
        clock.now = at(day, 10)
        with Session(engine) as session:
            fresh = session.get(School, school.id)
            assert fresh is not None
            waiting = session.exec(select(Intervention, Pupil).join(
                Pupil, col(Pupil.id) == Intervention.pupil_id).where(
                Intervention.status == "proposed").order_by(col(Intervention.id))).all()
            for step, pupil in waiting:
                proposed.setdefault(pupil.legal_first_name, []).append(
                    (day.isoformat(), step.step))
                approve_intervention(session=session, school=fresh, intervention_id=step.id or 0,
                                     staff=OFFICER, clock=clock)
            session.commit()
    return proposed


@pytest.fixture
def term(engine: Engine, session: Session, clock: FixedClock, tmp_path: Path
         ) -> tuple[School, dict[str, Pupil]]:
    school = school_with_ladder(session, clock, tmp_path)
    pupils = enrol(session, school, clock, "Perfect", "Slipping", "Falling", "Improving",
                   "Steady")
    write_register(session, school, pupils["Perfect"], lambda day: None)
    # A day off in September (91.7% on the 18th: amber), two more by mid-October (90.6%: no
    # better), one in November: between 90% and 95% all term.
    write_register(session, school, pupils["Slipping"], away_on(
        "2026-09-17", "2026-10-01", "2026-10-14", "2026-11-12", mark="O"))
    # A day off in September, then more: under 90% by the start of October.
    write_register(session, school, pupils["Falling"], away_on(
        "2026-09-16", "2026-09-30", "2026-10-01", "2026-10-07", "2026-10-14", "2026-11-04",
        "2026-11-18", "2026-12-02", mark="O"))
    # A day off in September (amber), then every day: green (97%+) by half term.
    write_register(session, school, pupils["Improving"], away_on("2026-09-14"))
    # One day off in October: 96.3% then, never below 95%.
    write_register(session, school, pupils["Steady"], away_on("2026-10-08"))
    return school, pupils


def test_each_pupil_gets_the_ladder_steps_their_term_calls_for(
        engine: Engine, clock: FixedClock, term: tuple[School, dict[str, Pupil]]) -> None:
    school, _ = term
    proposed = run_the_term(engine, school, clock)
    assert proposed == {
        # 100% at the first run with enough sessions (20: two school weeks); once a year.
        "Perfect": [("2026-09-21", "praise-100")],
        "Steady": [("2026-09-21", "praise-100")],
        # 91.7% on 18 Sep: below 95%. 90.6% four school weeks on, not improved: the second
        # letter; then nothing more all term.
        "Slipping": [("2026-09-21", "first-letter"), ("2026-10-19", "second-letter")],
        # Below 95%, then 86.4% on 2 Oct with the parents already written to: a meeting.
        # The second letter's branch closed when the ladder moved on to the meeting.
        "Falling": [("2026-09-21", "first-letter"), ("2026-10-05", "meeting")],
        # Amber on 18 Sep, green (97.3%) by half term: thanked for it. The half term is not
        # a school week, so the thank-you waits for the first Monday after it.
        "Improving": [("2026-09-21", "first-letter"), ("2026-11-02", "thank-you")],
    }


def test_running_the_week_again_proposes_nothing_twice(
        engine: Engine, session: Session, clock: FixedClock,
        term: tuple[School, dict[str, Pupil]]) -> None:
    school, _ = term
    first = propose_steps(session=session, school=school, day=date(2026, 9, 25),
                          now=at(date(2026, 9, 25), 16))
    again = propose_steps(session=session, school=school, day=date(2026, 9, 25),
                          now=at(date(2026, 9, 25), 17))
    assert sorted(p.step for p in first) == ["first-letter"] * 3 + ["praise-100"] * 2
    assert again == []
    # The tick runs each school once a week however often it is called.
    clock.now = at(date(2026, 9, 28), 7)
    made = run_ladder(engine, clock())
    assert run_ladder(engine, clock() + timedelta(hours=1)) == 0
    clock.now = at(date(2026, 9, 29), 7)
    assert run_ladder(engine, clock()) == 0
    runs = session.exec(select(LadderRun)).all()
    assert [(r.week, r.proposed) for r in runs] == [(date(2026, 9, 28), made)]


def test_a_dismissed_step_waits_a_review_period_before_it_is_proposed_again(
        engine: Engine, session: Session, clock: FixedClock,
        term: tuple[School, dict[str, Pupil]]) -> None:
    from core.ladder_decisions import dismiss_intervention

    school, pupils = term
    slipping = pupils["Slipping"].id
    [letter] = [p for p in propose_steps(session=session, school=school, day=date(2026, 9, 18),
                                         now=at(date(2026, 9, 21), 7))
                if p.pupil_id == slipping]
    dismiss_intervention(session=session, school=school, intervention_id=letter.id or 0,
                         staff=OFFICER, clock=FixedClock(at(date(2026, 9, 21), 10)),
                         note="Broken leg: mitigating circumstances")
    session.commit()
    by_week = {}
    for day in (date(2026, 9, 28), date(2026, 10, 12), date(2026, 10, 19)):
        made = propose_steps(session=session, school=school, day=day, now=at(day, 7))
        by_week[day.isoformat()] = [p.step for p in made if p.pupil_id == slipping]
    assert by_week == {"2026-09-28": [], "2026-10-12": [], "2026-10-19": ["first-letter"]}


def test_approving_a_letter_writes_it_with_the_pupils_own_figures_and_opens_a_task(
        session: Session, clock: FixedClock, term: tuple[School, dict[str, Pupil]]) -> None:
    school, pupils = term
    made = propose_steps(session=session, school=school, day=date(2026, 9, 25),
                         now=at(date(2026, 9, 28), 7))
    [letter] = [p for p in made if p.pupil_id == pupils["Falling"].id]
    figures = json.loads(letter.figures)
    # 17 school days to Fri 25 Sep, 34 sessions, away a day: 32 of 34 is 94.1%.
    assert (figures["possible"], figures["attended"], figures["percentage"],
            figures["band"]) == (34, 32, 94.1, "amber")
    approved = approve_intervention(session=session, school=school,
                                    intervention_id=letter.id or 0, staff=OFFICER,
                                    clock=FixedClock(at(date(2026, 9, 28), 10)))
    session.commit()
    text = approved.letter or ""
    assert text.startswith("Example Primary\n28 September 2026\n\n"
                           "To Mum Falling Example and Dad Falling Example\n")
    assert "Falling Example, class 3B: attendance" in text
    assert "has fallen below 95 percent" in text
    assert ("Falling's attendance this school year, from Thursday 3 September 2026 to Friday "
            "25 September 2026, is 94.1%: 32 of 34 sessions attended and 2 missed (1 school "
            "day), 0 of them authorised and 2 unauthorised. The school's attendance target is "
            "96%.") in text
    assert "{" not in text and "None" not in text and "\n\n\n" not in text
    task = session.get(StaffTask, approved.task_id)
    assert task is not None and (task.role, task.kind, task.status) == (
        "attendance_officer", "ladder", "open")
    assert task.title == "Below 95%: first letter: Falling Example"
    assert task.dedupe_key == f"ladder:{approved.id}"


def test_two_processes_running_the_week_at_once_propose_each_step_once(
        engine: Engine, term: tuple[School, dict[str, Pupil]]) -> None:
    school_id = term[0].id  # read here: the fixture's session is not for threads
    day, start = date(2026, 9, 25), threading.Barrier(2, timeout=30)
    made: list[int] = []

    def run() -> None:
        with Session(engine) as session:
            fresh = session.get(School, school_id)
            assert fresh is not None
            start.wait()
            made.append(len(propose_steps(session=session, school=fresh, day=day,
                                          now=at(day, 16))))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with Session(engine) as session:
        stored = session.exec(select(Intervention)).all()
    assert len(stored) == 5 and sum(made) == 5

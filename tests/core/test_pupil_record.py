"""Finding pupils and reading one pupil's record, on SQLite and PostgreSQL alike: the
queries behind the Pupils pages."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from core.attendance_models import ChaseAction, StaffTask
from core.clock import FixedClock
from core.models import Contact, Pupil, School
from core.pupil_record import load_pupil_record, search_pupils, term_so_far
from core.register import import_marks
from core.register_rows import read_marks_text
from core.schools import add_school
from core.term_dates import typical_calendar
from tests.core.register_files import AMELIA, STEFAN, enrol_smiths, make_report, marks_csv

MON = date(2026, 11, 23)


@pytest.fixture
def smiths(session: Session, school: School, clock: FixedClock) -> School:
    enrol_smiths(session, school, clock)
    return school


def names(session: Session, school: School, search: str) -> list[str]:
    return [p.display_name for p in search_pupils(session=session, school=school,
                                                   search=search).pupils]


@pytest.mark.parametrize("search, expected", [
    ("mill", ["Millie Smith"]),  # the preferred name
    ("AMELIA smi", ["Millie Smith"]),  # the legal name
    ("smith", ["Millie Smith", "Jack Smith"]),  # by last name, then first
    (AMELIA.lower(), ["Millie Smith"]),
    ("3b", ["Stefan Radu", "Millie Smith", "Jack Smith"]),  # the class
    ("%", []),  # typed, not a wildcard
    ("Zzyzx", []),
])
def test_search_by_name_upn_or_class(session: Session, smiths: School, search: str,
                                     expected: list[str]) -> None:
    assert names(session, smiths, search) == expected


def test_no_search_lists_by_year_group_and_says_when_it_stops(session: Session,
                                                              smiths: School) -> None:
    assert names(session, smiths, "") == ["Stefan Radu", "Millie Smith", "Jack Smith"]
    capped = search_pupils(session=session, school=smiths, limit=2)
    assert (len(capped.pupils), capped.total, capped.capped) == (2, 3, True)


def test_the_record_holds_contacts_marks_reports_and_conversations(
        session: Session, smiths: School, clock: FixedClock) -> None:
    import_marks(session=session, school=smiths, clock=clock, rows=read_marks_text(marks_csv(
        ("2026-11-23", "AM", AMELIA, "/"), ("2026-11-23", "PM", AMELIA, "N"))))
    report = make_report(session, smiths, clock, AMELIA, first_day=MON)
    pupil = session.exec(select(Pupil).where(Pupil.upn == AMELIA)).one()
    assert pupil.id is not None
    record = load_pupil_record(session=session, school=smiths, pupil_id=pupil.id, now=clock(),
                               safeguarding=False)
    assert record is not None
    assert [(r.contact.name, r.mobile) for r in record.contacts] == [
        ("Sarah Smith", "07700 900001"), ("James Smith", "07700 900002")]
    assert (record.weeks[0].monday, record.weeks[0].days[0].am) == (MON, "/")
    assert (record.figures.possible, record.figures.percentage) == (2, 50.0)
    assert [r.id for r in record.reports] == [report.id]
    assert [row.conversation.id for row in record.conversations] == [report.conversation_id]
    assert record.conversations[0].last_activity == clock()


def test_steps_for_vulnerable_pupils_are_left_out_without_safeguarding(
        session: Session, smiths: School, clock: FixedClock) -> None:
    stefan = session.exec(select(Pupil).where(Pupil.upn == STEFAN)).one()
    contact = session.exec(select(Contact).where(Contact.name == "Elena Radu")).one()
    task = StaffTask(school_id=smiths.id, pupil_id=stefan.id, kind="task", role="dsl",
                     title="DSL to follow up", reason="absent", due_at=clock(),
                     created_at=clock())
    session.add(task)
    session.flush()
    session.add_all([
        ChaseAction(school_id=smiths.id, pupil_id=stefan.id, day=MON, step="dsl-vulnerable",
                    kind="task", task_id=task.id, created_at=clock()),
        ChaseAction(school_id=smiths.id, pupil_id=stefan.id, day=MON,
                    step=f"chase-contacts:c{contact.id}", kind="message",
                    contact_id=contact.id, created_at=clock())])
    session.commit()
    assert stefan.id is not None

    def seen(safeguarding: bool) -> tuple[list[str], list[str]]:
        record = load_pupil_record(session=session, school=smiths, pupil_id=stefan.id or 0,
                                   now=clock(), safeguarding=safeguarding)
        assert record is not None
        return [c.title for c in record.chases], [t.title for t in record.tasks]

    assert seen(False) == (["Text contacts in priority order"], [])
    assert seen(True) == (["Text contacts in priority order",  # the newest first
                           "Vulnerable pupil absent with no reason: DSL to follow up now"],
                          ["DSL to follow up"])


def test_another_schools_pupil_has_no_record(session: Session, smiths: School,
                                             clock: FixedClock) -> None:
    other, _ = add_school(session=session, clock=clock, name="Hilltop", slug="hilltop")
    pupil = session.exec(select(Pupil)).first()
    assert pupil is not None and pupil.id is not None
    assert load_pupil_record(session=session, school=other, pupil_id=pupil.id, now=clock(),
                             safeguarding=True) is None
    assert search_pupils(session=session, school=other, search="smith").pupils == []


@pytest.mark.parametrize("today, term", [(date(2026, 11, 23), "Autumn 2026"),
                                         (date(2026, 12, 28), "Autumn 2026"),  # Christmas
                                         (date(2027, 2, 17), "Spring 2027"),  # half term
                                         (date(2026, 8, 1), None)])  # before the calendar
def test_this_term_is_the_last_to_have_started(today: date, term: str | None) -> None:
    found = term_so_far(typical_calendar(date(2026, 11, 23)), today)
    assert (found.name if found else None) == term

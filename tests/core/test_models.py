"""The database keeps schools apart and keeps time in UTC, whatever the code above it does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError, StatementError
from sqlmodel import Session, select

from core.clock import FixedClock
from core.models import Contact, Pupil, PupilContact, School, StaffUser
from core.schools import add_school
from tests.conftest import CORPUS_CALENDAR


def make_pupil(session: Session, school: School, clock: FixedClock) -> Pupil:
    pupil = Pupil(school_id=school.id, upn="B801200005001", legal_first_name="Amelia",
                  legal_last_name="Smith", year_group="3", created_at=clock(),
                  updated_at=clock())
    session.add(pupil)
    session.flush()
    return pupil


def make_contact(session: Session, school: School, clock: FixedClock) -> Contact:
    contact = Contact(school_id=school.id, name="Sarah Smith", mobile="+447700900001",
                      created_at=clock(), updated_at=clock())
    session.add(contact)
    session.flush()
    return contact


def test_a_pupil_cannot_be_linked_to_another_schools_contact(
        session: Session, school: School, clock: FixedClock) -> None:
    other, _ = add_school(session=session, clock=clock, name="Hillside",
                          calendar_file=CORPUS_CALENDAR)
    pupil = make_pupil(session, school, clock)
    stranger = make_contact(session, other, clock)
    session.commit()
    session.add(PupilContact(school_id=school.id, pupil_id=pupil.id, contact_id=stranger.id))
    with pytest.raises(IntegrityError):
        session.commit()


def test_the_same_upn_twice_in_one_school_is_refused(session: Session, school: School,
                                                     clock: FixedClock) -> None:
    make_pupil(session, school, clock)
    session.commit()
    with pytest.raises(IntegrityError):
        make_pupil(session, school, clock)


def test_a_staff_role_outside_the_five_is_refused(session: Session, school: School,
                                                  clock: FixedClock) -> None:
    session.add(StaffUser(school_id=school.id, name="X", email="x@example.org",
                          role="caretaker", created_at=clock()))
    with pytest.raises(IntegrityError):
        session.commit()


def test_times_are_stored_in_utc_and_read_back_aware(session: Session, school: School) -> None:
    summer = datetime(2026, 7, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    school.updated_at = summer
    session.add(school)
    session.commit()
    session.expire_all()
    stored = session.exec(select(School).where(School.id == school.id)).one().updated_at
    assert stored == summer and stored.tzinfo == UTC and stored.hour == 8


def test_a_naive_time_is_refused(session: Session, school: School) -> None:
    school.updated_at = datetime(2026, 7, 1, 9, 30)
    session.add(school)
    with pytest.raises(StatementError, match="naive datetime"):
        session.commit()

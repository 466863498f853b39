"""The demo school looks like a real one: families, shared numbers, flags, staff, a calendar."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, select

from core.clock import FixedClock
from core.demo import demo_roster, ensure_demo_school
from core.models import Contact, Pupil, PupilContact, SchoolChannel, StaffUser
from core.schools import school_calendar


def test_the_demo_school_is_made_once_with_about_200_pupils_and_300_contacts(
        session: Session, clock: FixedClock) -> None:
    school, created = ensure_demo_school(session=session, clock=clock)
    session.commit()
    again, created_again = ensure_demo_school(session=session, clock=clock)
    assert created and not created_again and again.id == school.id
    pupils = session.exec(select(Pupil)).all()
    contacts = session.exec(select(Contact)).all()
    assert 180 <= len(pupils) <= 240
    assert 270 <= len(contacts) <= 330
    links_per_contact = Counter(link.contact_id for link in session.exec(select(PupilContact)))
    assert sum(1 for n in links_per_contact.values() if n > 1) >= 30  # siblings share parents
    assert 3 <= sum(p.is_vulnerable for p in pupils) <= 20
    assert {c.preferred_language for c in contacts} >= {"en", "pl", "ur", "ro"}
    assert {s.role for s in session.exec(select(StaffUser))} == {
        "office", "attendance_officer", "dsl", "headteacher", "admin"}
    assert session.exec(select(SchoolChannel)).one().channel == "simulator"
    assert school_calendar(school).is_school_day(clock().date())


def test_the_demo_roster_is_a_clean_export() -> None:
    from core.roster_rows import RosterRow, clean_row

    cleaned = [clean_row(line, raw) for line, raw in demo_roster()]
    assert all(isinstance(r, RosterRow) and not r.warnings for r in cleaned)

"""The Pupils pages over HTTP: finding a pupil, and one pupil's record as staff read it
(contacts, this term's register and attendance, reports, chases, tasks), for this school's
pupils only, with safeguarding flags for the DSL and the head."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from sqlmodel import Session, col, select

from core.attendance_models import ChaseAction, StaffTask
from core.clock import FixedClock
from core.conversation_models import AbsenceReport, Conversation
from core.demo import DEMO_SLUG
from core.models import Contact, Pupil, PupilContact
from core.register import import_marks
from core.register_rows import read_marks_text
from core.roster import import_roster
from core.roster_rows import read_csv_text
from core.schools import add_school, find_school
from tests.core.register_files import marks_csv
from tests.core.roster_files import csv_text, smith_family
from tests.handlers.channel_app import copy_of, engine_of
from tests.handlers.staff_client import NOW, demo_database, sign_in, staff_app

# The register of one week and a day of the demo school's autumn term, worked out by hand:
# possible 9 (X is not a possible session, Monday afternoon is not taken yet), attended 6
# (/ \ L V \ /), authorised 2 (I I), unauthorised 1 (U): 6 / 9 = 66.7%, absent 33.3%.
WEEK = [("2026-11-16", "/", "\\"), ("2026-11-17", "I", "I"), ("2026-11-18", "L", "U"),
        ("2026-11-19", "V", "\\"), ("2026-11-20", "X", "X"), ("2026-11-23", "/", "")]
SUMMER = ("2026-07-15", "N", "N")  # last school year: not this term's


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(demo_database(tmp_path_factory.mktemp("pupils")).removeprefix("sqlite:///"))


@pytest.fixture
def client(template_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    yield from staff_app(copy_of(template_db, tmp_path))


def a_pupil(client: TestClient, *where: object) -> Pupil:
    """The first demo pupil (by id) with a contact who has a mobile, and `where`."""
    with Session(engine_of(client)) as session:
        pupil = session.exec(select(Pupil).join(
            PupilContact, col(PupilContact.pupil_id) == Pupil.id).join(
            Contact, col(Contact.id) == PupilContact.contact_id).where(
            col(Contact.mobile).is_not(None), *where).order_by(Pupil.id)).first()
    assert pupil is not None
    return pupil


def rename(client: TestClient, pupil_id: int | None, first: str, last: str,
           known_as: str | None = None) -> None:
    with Session(engine_of(client)) as session:
        pupil = session.get(Pupil, pupil_id)
        assert pupil is not None
        pupil.legal_first_name, pupil.legal_last_name = first, last
        pupil.preferred_first_name = known_as
        session.add(pupil)
        session.commit()


def import_week(client: TestClient, upn: str) -> None:
    rows = [(day, am_pm, upn, mark) for day, *marks in [*WEEK, SUMMER]
            for am_pm, mark in zip(("AM", "PM"), marks, strict=True)]
    with Session(engine_of(client)) as session:
        report = import_marks(session=session, school=find_school(session, DEMO_SLUG),
                              rows=read_marks_text(marks_csv(*rows)), clock=FixedClock(NOW))
        assert report.rejected == [] and report.added == 13
        session.commit()


def first_contact(client: TestClient, pupil_id: int | None) -> Contact:
    with Session(engine_of(client)) as session:
        contact = session.exec(select(Contact).join(
            PupilContact, col(PupilContact.contact_id) == Contact.id).where(
            PupilContact.pupil_id == pupil_id).order_by(col(PupilContact.priority))).first()
    assert contact is not None
    return contact


def add_chase(client: TestClient, pupil: Pupil, step: str, kind: str,
              contact_id: int | None = None, task: StaffTask | None = None) -> None:
    with Session(engine_of(client)) as session:
        if task is not None:
            session.add(task)
            session.flush()
        session.add(ChaseAction(school_id=pupil.school_id, pupil_id=pupil.id, day=NOW.date(),
                                step=step, kind=kind, contact_id=contact_id,
                                task_id=task.id if task else None, created_at=NOW))
        session.commit()


def a_task(pupil: Pupil, title: str, role: str = "attendance_officer", **done: object
           ) -> StaffTask:
    return StaffTask(school_id=pupil.school_id, pupil_id=pupil.id, kind="task", role=role,
                     title=title, reason="absent with no reason", due_at=NOW, created_at=NOW,
                     **done)


@pytest.mark.parametrize("search", ["quenn", "QUENNELL", "bea quen", "Beatrix Quennell"])
def test_part_of_a_name_finds_the_pupil_and_no_one_else(client: TestClient,
                                                        search: str) -> None:
    wanted, other = a_pupil(client), a_pupil(client, col(Pupil.id) > a_pupil(client).id)
    rename(client, wanted.id, "Beatrix", "Quennell", known_as="Bea")
    sign_in(client, "office")
    page = client.get("/staff/pupils", params={"q": search})
    assert page.status_code == 200
    assert f'href="/staff/pupils/{wanted.id}"' in page.text
    assert "Bea Quennell" in page.text
    assert f'href="/staff/pupils/{other.id}"' not in page.text
    assert "1 pupil matching" in page.text


def test_a_upn_or_a_class_finds_pupils_too(client: TestClient) -> None:
    pupil = a_pupil(client)
    sign_in(client, "attendance_officer")
    assert f"/staff/pupils/{pupil.id}\"" in client.get(
        "/staff/pupils", params={"q": pupil.upn.lower()}).text
    with Session(engine_of(client)) as session:
        in_class = session.exec(select(Pupil.id).where(Pupil.reg_group == "3A")).all()
        elsewhere = session.exec(select(Pupil.id).where(Pupil.reg_group == "3O")).all()
    page = client.get("/staff/pupils", params={"q": "3a"}).text
    assert in_class and all(f"/staff/pupils/{i}\"" in page for i in in_class)
    assert not any(f"/staff/pupils/{i}\"" in page for i in elsewhere)


def test_no_search_lists_pupils_by_year_group_and_says_where_it_stops(
        client: TestClient) -> None:
    with Session(engine_of(client)) as session:
        on_roll = len(session.exec(select(Pupil.id).where(col(Pupil.on_roll))).all())
    sign_in(client, "office")
    page = client.get("/staff/pupils").text
    assert f"Showing the first 50 of {on_roll} pupils" in page
    assert page.count('href="/staff/pupils/') == 50
    assert "(Year R)" in page and "(Year 6)" not in page  # Reception comes first
    assert '<label for="q">' in page


def test_no_match_says_so(client: TestClient) -> None:
    sign_in(client, "office")
    assert "No pupil matches “Zzyzx”" in client.get("/staff/pupils?q=Zzyzx").text


def test_the_record_shows_contacts_this_terms_marks_and_attendance(client: TestClient) -> None:
    pupil = a_pupil(client)
    contact = first_contact(client, pupil.id)
    import_week(client, pupil.upn)
    sign_in(client, "office")
    page = client.get(f"/staff/pupils/{pupil.id}")
    assert page.status_code == 200
    assert f"<h1>{pupil.display_name}" in page.text
    assert contact.name in page.text
    assert f'href="tel:{contact.mobile}">07700 {str(contact.mobile)[-6:]}</a>' in page.text
    assert '<span class="n">66.7%</span> attendance' in page.text
    assert '<span class="n">9</span> possible sessions' in page.text
    assert '<span class="n">2</span> authorised absences' in page.text
    assert '<span class="n">1</span> unauthorised absences' in page.text
    assert "Persistently absent" in page.text and "Severely" not in page.text
    assert '<th scope="row">16 Nov</th>' in page.text
    assert '<th scope="row">26 Oct</th>' in page.text and "Autumn half term" in page.text


def test_a_parents_report_appears_on_the_record_with_its_conversation(
        client: TestClient) -> None:
    pupil = a_pupil(client)
    contact = first_contact(client, pupil.id)
    sent = client.post("/simulator/api/messages", json={
        "school": DEMO_SLUG, "number": contact.mobile,
        "text": f"{pupil.legal_first_name} is off sick today, back tomorrow"})
    assert sent.status_code == 202
    with Session(engine_of(client)) as session:
        report = session.exec(select(AbsenceReport).join(
            Conversation, col(Conversation.id) == AbsenceReport.conversation_id).where(
            Conversation.address == contact.mobile)).one()
    sign_in(client, "office")
    page = client.get(f"/staff/pupils/{report.pupil_id}").text
    assert f'href="/staff/inbox/{report.conversation_id}"' in page
    assert "absence, illness" in page and "<td>I</td>" in page
    assert "waiting for approval" in page
    assert "Mon 23 Nov, back Tue 24 Nov" in page
    inbox = client.get(f"/staff/inbox/{report.conversation_id}").text
    assert f'href="/staff/pupils/{report.pupil_id}"' in inbox  # names link to the record


def test_chases_and_tasks_appear_with_their_outcome(client: TestClient) -> None:
    pupil = a_pupil(client)
    contact = first_contact(client, pupil.id)
    add_chase(client, pupil, f"chase-contacts:c{contact.id}", "message", contact.id)
    add_chase(client, pupil, "no-contact-day-1", "task", task=a_task(
        pupil, "Ring the family", status="done", outcome="Spoke to mum: chickenpox",
        completed_by="attendance@oakfield.example.org", completed_at=NOW + timedelta(hours=1)))
    sign_in(client, "office")
    page = client.get(f"/staff/pupils/{pupil.id}").text
    assert "Text contacts in priority order" in page and contact.name in page
    assert "No contact made: risk-assess, consider a home visit" in page
    assert "Ring the family" in page and "Spoke to mum: chickenpox" in page


@pytest.mark.parametrize("role, sees", [("office", False), ("attendance_officer", False),
                                        ("admin", False), ("dsl", True), ("headteacher", True)])
def test_safeguarding_flags_and_steps_are_for_the_dsl_and_the_head(
        client: TestClient, role: str, sees: bool) -> None:
    pupil = a_pupil(client, col(Pupil.child_protection_plan))
    add_chase(client, pupil, "dsl-vulnerable", "task",
              task=a_task(pupil, "DSL to follow up now", role="dsl"))
    sign_in(client, role)
    page = client.get(f"/staff/pupils/{pupil.id}").text
    assert ('title="Child protection plan"' in page) is sees
    assert ("Vulnerable pupil absent with no reason" in page) is sees
    assert ("DSL to follow up now" in page) is sees
    listed = client.get("/staff/pupils", params={"q": pupil.upn}).text
    assert ('title="Child protection plan"' in listed) is sees


def test_another_schools_pupil_is_not_found(client: TestClient) -> None:
    with Session(engine_of(client)) as session:
        other, _ = add_school(session=session, clock=FixedClock(NOW), name="Hilltop Primary",
                              slug="hilltop")
        import_roster(session=session, school=other,
                      rows=read_csv_text(csv_text(smith_family())), clock=FixedClock(NOW))
        session.commit()
        theirs = session.exec(select(Pupil).where(Pupil.school_id == other.id)).first()
    assert theirs is not None
    sign_in(client, "headteacher")
    assert client.get(f"/staff/pupils/{theirs.id}").status_code == 404
    assert f"/staff/pupils/{theirs.id}\"" not in client.get(
        "/staff/pupils", params={"q": theirs.upn}).text


def test_a_long_history_costs_no_more_queries(client: TestClient) -> None:
    """No query per row: the record of a pupil with a term of history takes as many queries
    as one with none (page speed itself is for a benchmark, not a test)."""
    quiet, busy = a_pupil(client), a_pupil(client, col(Pupil.id) > a_pupil(client).id)
    import_week(client, busy.upn)
    for n in range(10):
        add_chase(client, busy, f"referral-{n}", "task", task=a_task(busy, f"Task {n}"))
    sign_in(client, "office")
    assert queries(client, f"/staff/pupils/{busy.id}") == queries(
        client, f"/staff/pupils/{quiet.id}")


def queries(client: TestClient, url: str) -> int:
    count = 0

    def counted(*_: object) -> None:
        nonlocal count
        count += 1

    engine = engine_of(client)
    event.listen(engine, "before_cursor_execute", counted)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count


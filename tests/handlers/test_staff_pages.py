"""Every role against every staff page, safeguarding flags by role, and the Tasks page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from core.attendance_models import StaffTask
from core.demo import DEMO_SLUG
from core.models import Contact, Pupil, PupilContact
from tests.handlers.channel_app import copy_of, engine_of
from tests.handlers.staff_client import NOW, STAFF, demo_database, post_form, sign_in, staff_app

PAGES = ["/staff", "/staff/inbox", "/staff/approvals", "/staff/tasks", "/staff/register",
         "/staff/pupils", "/staff/attendance"]


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(demo_database(tmp_path_factory.mktemp("pages")).removeprefix("sqlite:///"))


@pytest.fixture
def client(template_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    yield from staff_app(copy_of(template_db, tmp_path))


def add_task(client: TestClient, due_in: timedelta, title: str, role: str = "office") -> int:
    with Session(engine_of(client)) as session:
        pupil = session.exec(select(Pupil).order_by(Pupil.id)).first()
        assert pupil is not None
        task = StaffTask(school_id=pupil.school_id, pupil_id=pupil.id, kind="call",
                         role=role, title=title, reason="absent with no reason",
                         due_at=NOW + due_in, created_at=NOW)
        session.add(task)
        session.commit()
        assert task.id is not None
        return task.id


@pytest.mark.parametrize("role", list(STAFF))
def test_every_role_reaches_every_page(client: TestClient, role: str) -> None:
    # Page speed (300 ms of server time at most) is for a benchmark to measure, not a test.
    sign_in(client, role)
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 200, page
        assert '<nav aria-label="Main">' in response.text


@pytest.mark.parametrize("page", [*PAGES, "/staff/inbox/1", "/staff/api/today"])
def test_no_page_is_shown_without_signing_in(client: TestClient, page: str) -> None:
    response = client.get(page, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/sign-in?next=")


@pytest.mark.parametrize("role, sees", [("office", False), ("attendance_officer", False),
                                        ("admin", False), ("dsl", True), ("headteacher", True)])
def test_safeguarding_flags_are_for_the_dsl_and_the_head(client: TestClient, role: str,
                                                         sees: bool) -> None:
    with Session(engine_of(client)) as session:
        number = session.exec(select(Contact.mobile).join(
            PupilContact, col(PupilContact.contact_id) == Contact.id).join(
            Pupil, col(Pupil.id) == PupilContact.pupil_id).where(
            col(Pupil.child_protection_plan), col(Contact.mobile).is_not(None))).first()
    assert number is not None, "the demo school has a pupil on a child protection plan"
    client.post("/simulator/api/messages",
                json={"school": DEMO_SLUG, "number": number, "text": "hello"})
    sign_in(client, role)
    page = client.get("/staff/inbox")
    assert page.status_code == 200
    assert ('title="Child protection plan"' in page.text) is sees


def test_tasks_are_soonest_first_with_the_overdue_marked(client: TestClient) -> None:
    later = add_task(client, timedelta(hours=2), "Ring later")
    overdue = add_task(client, -timedelta(hours=1), "Ring now")
    sign_in(client, "office")
    page = client.get("/staff/tasks").text
    assert page.index("Ring now") < page.index("Ring later")
    assert page.count("<strong>Overdue</strong>") == 1
    assert f"/staff/tasks/{later}/complete" in page and f"/staff/tasks/{overdue}/complete" in page


def test_completing_a_task_records_the_outcome_and_contact_made(client: TestClient) -> None:
    task_id = add_task(client, timedelta(0), "Ring the family")
    sign_in(client, "attendance_officer")
    response = post_form(client, "/staff/tasks", f"/staff/tasks/{task_id}/complete",
                         {"outcome": "Spoke to dad: chickenpox", "contact_made": "true"})
    assert response.status_code == 303
    with Session(engine_of(client)) as session:
        task = session.get(StaffTask, task_id)
    assert task is not None
    assert (task.status, task.outcome, task.contact_made, task.completed_by) == (
        "done", "Spoke to dad: chickenpox", True, STAFF["attendance_officer"])
    assert "Ring the family" not in client.get("/staff/tasks").text


@pytest.mark.parametrize("role, sees", [("office", False), ("attendance_officer", False),
                                        ("admin", False), ("dsl", True), ("headteacher", True)])
def test_the_dsls_tasks_are_for_the_dsl_and_the_head(client: TestClient, role: str,
                                                    sees: bool) -> None:
    task_id = add_task(client, timedelta(0), "Vulnerable pupil absent: DSL to follow up", "dsl")
    sign_in(client, role)
    assert ("Vulnerable pupil absent" in client.get("/staff/tasks").text) is sees
    post_form(client, "/staff/tasks", f"/staff/tasks/{task_id}/complete", {"outcome": "done"})
    with Session(engine_of(client)) as session:
        task = session.get(StaffTask, task_id)
    assert task is not None and (task.status == "done") is sees

"""Attendance > Ladder: the week's proposals for staff to approve or dismiss (each form with
its CSRF token, each decision by a role allowed to make it), the letter to print and as a
PDF, the approved steps to mark done, and the steps on the pupil's page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from core.attendance_models import Intervention, RegisterMark, StaffTask
from core.clock import FixedClock
from core.demo import DEMO_SLUG
from core.ladder_runner import propose_steps
from core.models import Pupil, School
from core.schools import add_school, school_calendar
from tests.handlers.channel_app import copy_of, engine_of
from tests.handlers.page_tables import table
from tests.handlers.staff_client import (
    NOW,
    STAFF,
    csrf_of,
    demo_database,
    post_form,
    sign_in,
    staff_app,
)

PAGE = "/staff/attendance/ladder"
POLICIES = Path(__file__).resolve().parents[2] / "examples" / "policies"


def with_ladder(url: str, propose: bool = True) -> None:
    """The demo school on Bromley Hills' policy, three weeks of November's register (two
    pupils away on Monday 16th, unauthorised), and the Monday run's proposals."""
    from core import db

    engine = db.make_engine(url)
    with Session(engine) as session:
        school = session.exec(select(School).where(School.slug == DEMO_SLUG)).one()
        add_school(session=session, clock=FixedClock(NOW), name=school.name, slug=school.slug,
                   policy_file=POLICIES / "bromley-hills.toml")
        pupils = session.exec(select(Pupil).order_by(col(Pupil.id)).limit(3)).all()
        calendar = school_calendar(school)
        for day in calendar.school_days(date(2026, 11, 2), date(2026, 11, 21)):
            for n, pupil in enumerate(pupils):
                for part, present in (("AM", "/"), ("PM", "\\")):
                    away = n < 2 and day == date(2026, 11, 16)
                    session.add(RegisterMark(
                        school_id=school.id, pupil_id=pupil.id, day=day, session=part,
                        mark="O" if away else present, source="mis", created_at=NOW,
                        updated_at=NOW))
        session.commit()
        if propose:
            made = propose_steps(session=session, school=school, day=date(2026, 11, 20),
                                 now=NOW - timedelta(hours=3))
            assert [p.step for p in made] == ["first-letter", "first-letter"]
    engine.dispose()


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(demo_database(tmp_path_factory.mktemp("ladder")).removeprefix("sqlite:///"))


@pytest.fixture
def url(template_db: Path, tmp_path: Path) -> str:
    return copy_of(template_db, tmp_path)


@pytest.fixture
def client(url: str) -> Iterator[TestClient]:
    yield from staff_app(url)


def steps(client: TestClient) -> list[Intervention]:
    with Session(engine_of(client)) as session:
        return list(session.exec(select(Intervention).order_by(col(Intervention.id))).all())


@pytest.mark.parametrize("role", list(STAFF))
def test_every_role_sees_the_proposals_from_the_attendance_page(
        url: str, client: TestClient, role: str) -> None:
    with_ladder(url)
    sign_in(client, role)
    assert 'href="/staff/attendance/ladder"' in client.get("/staff/attendance").text
    page = client.get(PAGE)
    assert page.status_code == 200
    rows = table(page.text, "proposed-steps")
    assert len(rows) == 2
    pupil, step, why, attendance, decision = rows[0]
    assert "(Year " in pupil
    assert step.startswith("Attendance below 95%: first letter")
    assert why.startswith("attendance 93.3%; below 95%")  # 28 of 30 sessions
    assert attendance == "93.3%"
    # The attendance officer (whose step it is), the head and the admin decide it.
    mine = role in ("attendance_officer", "headteacher", "admin")
    assert ("Approve" in decision and "Dismiss" in decision) is mine
    assert ("For the attendance officer or the head to decide." in decision) is not mine


def test_approving_writes_the_letter_to_print_and_download(url: str,
                                                           client: TestClient) -> None:
    with_ladder(url)
    first = steps(client)[0]
    sign_in(client, "attendance_officer")
    response = post_form(client, PAGE, f"{PAGE}/{first.id}/approve", {"note": "Spoke to mum"})
    assert response.status_code == 303 and response.headers["location"] == PAGE
    page = client.get(PAGE).text
    assert "Approved: the letter and the task are ready." in page
    [row] = table(page, "approved-steps")
    assert row[1] == "Attendance below 95%: first letter"
    assert STAFF["attendance_officer"] in row[2] and "Spoke to mum" in row[2]
    letter = client.get(f"{PAGE}/{first.id}/letter")
    assert letter.status_code == 200
    assert "has fallen below 95 percent" in letter.text and "93.3%" in letter.text
    assert "23 November 2026" in letter.text  # the day it was approved
    pdf = client.get(f"{PAGE}/{first.id}/letter.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    assert pdf.headers["content-disposition"].endswith('-first-letter.pdf"')
    with Session(engine_of(client)) as session:
        task = session.exec(select(StaffTask).where(StaffTask.kind == "ladder")).one()
    assert (task.role, task.status) == ("attendance_officer", "open")


def test_a_proposed_letter_can_be_previewed_but_not_downloaded(url: str,
                                                               client: TestClient) -> None:
    with_ladder(url)
    first = steps(client)[0]
    sign_in(client, "office")
    preview = client.get(f"{PAGE}/{first.id}/letter")
    assert preview.status_code == 200 and "A preview:" in preview.text
    assert client.get(f"{PAGE}/{first.id}/letter.pdf").status_code == 409


def test_a_post_without_the_forms_token_changes_nothing(url: str, client: TestClient) -> None:
    with_ladder(url)
    first = steps(client)[0]
    sign_in(client, "headteacher")
    refused = client.post(f"{PAGE}/{first.id}/approve", data={"csrf_token": "forged"})
    assert refused.status_code == 403
    assert steps(client)[0].status == "proposed"


def test_office_staff_cannot_decide_the_attendance_officers_step(url: str,
                                                                 client: TestClient) -> None:
    with_ladder(url)
    first = steps(client)[0]
    sign_in(client, "office")
    token = csrf_of(client.get(PAGE))
    for action in ("approve", "dismiss"):
        page = client.post(f"{PAGE}/{first.id}/{action}",
                           data={"csrf_token": token, "note": "x"})  # the redirect followed
        assert "Not done: this step is for the attendance officer or the head" in page.text
    assert steps(client)[0].status == "proposed"
    assert client.post(f"{PAGE}/run", data={"csrf_token": token}).status_code == 403


def test_dismissing_needs_a_reason_and_shows_in_the_decisions(url: str,
                                                              client: TestClient) -> None:
    with_ladder(url)
    first = steps(client)[0]
    sign_in(client, "headteacher")
    post_form(client, PAGE, f"{PAGE}/{first.id}/dismiss", {"note": " "})
    assert "Not done: say why the step is dismissed" in client.get(PAGE).text
    post_form(client, PAGE, f"{PAGE}/{first.id}/dismiss", {"note": "Long-term illness"})
    page = client.get(PAGE).text
    [row] = table(page, "decided-steps")
    assert row[1:] == ["Attendance below 95%: first letter", "dismissed, 23 Nov 2026",
                       STAFF["headteacher"], "Long-term illness"]
    assert len(table(page, "proposed-steps")) == 1


def test_marking_done_closes_the_step_and_its_task(url: str, client: TestClient) -> None:
    with_ladder(url)
    first = steps(client)[0]
    sign_in(client, "attendance_officer")
    post_form(client, PAGE, f"{PAGE}/{first.id}/approve", {})
    post_form(client, PAGE, f"{PAGE}/{first.id}/done", {})
    assert steps(client)[0].status == "done"
    page = client.get(PAGE).text
    assert table(page, "decided-steps")[0][2] == "done, 23 Nov 2026"
    with Session(engine_of(client)) as session:
        task = session.exec(select(StaffTask).where(StaffTask.kind == "ladder")).one()
    assert task.status == "done" and task.completed_by == STAFF["attendance_officer"]


def test_the_run_button_proposes_the_weeks_steps_once(url: str, client: TestClient) -> None:
    with_ladder(url, propose=False)
    sign_in(client, "attendance_officer")
    assert "Nothing waiting for a decision." in client.get(PAGE).text
    post_form(client, PAGE, f"{PAGE}/run", {})
    assert "2 new step(s) proposed." in client.get(PAGE).text
    post_form(client, PAGE, f"{PAGE}/run", {})
    assert "Nothing new to propose." in client.get(PAGE).text
    assert len(steps(client)) == 2


def test_the_pupil_page_shows_their_ladder_steps(url: str, client: TestClient) -> None:
    with_ladder(url)
    first = steps(client)[0]
    sign_in(client, "attendance_officer")
    post_form(client, PAGE, f"{PAGE}/{first.id}/approve", {})
    page = client.get(f"/staff/pupils/{first.pupil_id}").text
    [row] = table(page, "ladder-steps")
    assert row[1].startswith("Attendance below 95%: first letter")
    assert row[2] == "approved"
    assert f"{PAGE}/{first.id}/letter" in page


def test_a_school_without_a_ladder_is_told_how_to_add_one(client: TestClient) -> None:
    sign_in(client, "attendance_officer")
    page = client.get(PAGE).text
    assert "This school's policy has no attendance ladder yet." in page
    post_form(client, PAGE, f"{PAGE}/run", {})
    assert "Not run:" in client.get(PAGE).text


def test_another_schools_letter_is_not_found(url: str, client: TestClient) -> None:
    with_ladder(url)
    step = steps(client)[0]
    with Session(engine_of(client)) as session:
        other, _ = add_school(session=session, clock=FixedClock(NOW), name="Other",
                              slug="other")
        theirs = Pupil(school_id=other.id or 0, upn="A123456789012", legal_first_name="Their",
                       legal_last_name="Pupil", year_group="3", created_at=NOW, updated_at=NOW)
        session.add(theirs)
        session.flush()
        letter = Intervention(
            school_id=other.id or 0, pupil_id=theirs.id or 0, step="x", action="letter",
            title="x", role="attendance_officer", week=step.week, as_of=step.as_of,
            reason="x", figures=step.figures, letter="Private", status="approved",
            created_at=datetime(2026, 11, 23, tzinfo=UTC))
        session.add(letter)
        session.commit()
        theirs_id = letter.id
    sign_in(client, "headteacher")
    assert client.get(f"{PAGE}/{theirs_id}/letter").status_code == 404
    assert client.get(f"{PAGE}/{theirs_id}/letter.pdf").status_code == 404
    assert client.get(f"{PAGE}/{step.id}/letter").status_code == 200


def test_every_proposal_of_a_step_can_be_approved_at_once(url: str, client: TestClient) -> None:
    with_ladder(url)
    sign_in(client, "office")
    assert "Approve all 2" not in client.get(PAGE).text  # not the office's to decide
    refused = client.post(f"{PAGE}/approve-all", data={
        "csrf_token": csrf_of(client.get(PAGE)), "step": "first-letter"})
    assert "Not done: this step is for the attendance officer" in refused.text
    assert [s.status for s in steps(client)] == ["proposed", "proposed"]
    client.post("/staff/sign-out", data={"csrf_token": csrf_of(client.get(PAGE))})
    sign_in(client, "attendance_officer")
    assert "Approve all 2: Attendance below 95%: first letter" in client.get(PAGE).text
    post_form(client, PAGE, f"{PAGE}/approve-all", {"step": "first-letter"})
    assert [(s.status, bool(s.letter)) for s in steps(client)] == [("approved", True)] * 2
    assert len(table(client.get(PAGE).text, "approved-steps")) == 2

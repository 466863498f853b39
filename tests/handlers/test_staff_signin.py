"""Signing in to the staff pages: passwords, the lockout, sign-out and CSRF."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from core.clock import FixedClock
from core.demo import DEMO_PASSWORD
from core.models import StaffUser
from core.schools import add_school
from core.staff import add_staff
from tests.handlers.channel_app import copy_of, engine_of
from tests.handlers.staff_client import (
    NOW,
    STAFF,
    csrf_of,
    demo_database,
    post_form,
    sign_in,
    staff_app,
)


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(demo_database(tmp_path_factory.mktemp("signin")).removeprefix("sqlite:///"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def client(template_db: Path, tmp_path: Path, clock: FixedClock) -> Iterator[TestClient]:
    # Each test changes lockouts: a database of its own.
    yield from staff_app(copy_of(template_db, tmp_path), clock)


def test_every_staff_page_sends_a_stranger_to_sign_in(client: TestClient) -> None:
    response = client.get("/staff", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/sign-in?next=/staff"


def test_the_right_password_signs_in_and_lands_on_the_page_asked_for(client: TestClient) -> None:
    response = post_form(client, "/staff/sign-in?next=/staff", "/staff/sign-in", {
        "email": "Office@Oakfield.example.org", "password": "oakfield-demo", "next": "/staff"})
    assert response.status_code == 303
    assert response.headers["location"] == "/staff"
    assert "Today at Oakfield Primary" in client.get("/staff").text


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
        client: TestClient) -> None:
    response = sign_in(client, "office", password="not-the-password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    unknown = post_form(client, "/staff/sign-in", "/staff/sign-in",
                        {"email": "nobody@oakfield.example.org", "password": "whatever-123"})
    assert "Wrong email or password." in unknown.text
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_five_failures_lock_the_account_for_fifteen_minutes(client: TestClient,
                                                            clock: FixedClock) -> None:
    for _ in range(5):
        assert sign_in(client, "dsl", password="guess-guess-guess").status_code == 401
    locked = sign_in(client, "dsl")  # even the right password, for now
    assert locked.status_code == 401
    assert "locked for 15 minutes" in locked.text
    clock.now = NOW + timedelta(minutes=16)
    assert sign_in(client, "dsl").status_code == 303


def test_a_good_sign_in_resets_the_count_of_failures(client: TestClient) -> None:
    for _ in range(4):
        sign_in(client, "headteacher", password="wrong-password-1")
    assert sign_in(client, "headteacher").status_code == 303
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        user = session.exec(select(StaffUser).where(
            StaffUser.email == STAFF["headteacher"])).one()
    assert (user.failed_signins, user.locked_until) == (0, None)


def test_sign_out_ends_the_session(client: TestClient) -> None:
    sign_in(client, "office")
    response = post_form(client, "/staff", "/staff/sign-out", {})
    assert response.status_code == 303
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_a_form_without_the_session_token_is_refused(client: TestClient) -> None:
    sign_in(client, "office")
    assert client.post("/staff/sign-out", data={}).status_code == 403
    assert client.post("/staff/sign-out", data={"csrf_token": "forged"}).status_code == 403
    assert client.get("/staff").status_code == 200  # still signed in
    stranger = client.post("/staff/sign-in", data={
        "email": "office@oakfield.example.org", "password": "oakfield-demo"})
    assert stranger.status_code == 403


def test_every_staff_form_refuses_a_post_without_the_session_token(client: TestClient) -> None:
    sign_in(client, "headteacher")
    schema = client.app.openapi()["paths"]  # type: ignore[attr-defined]
    posts = [path for path, methods in schema.items()
             if path.startswith("/staff") and "post" in methods]
    assert len(posts) >= 12, posts  # sign-in, sign-out, replies, notes, approvals, tasks...
    for path in posts:
        url = re.sub(r"\{[^}]+\}", "1", path)
        for data in ({}, {"csrf_token": "forged"}):
            refused = client.post(url, data=data)
            assert refused.status_code == 403, url
            assert "did not come from Rollcall" in refused.text, url
    assert client.get("/staff").status_code == 200  # nothing above signed anyone out


def test_signing_in_gives_a_new_token_so_an_old_one_cannot_be_planted(
        client: TestClient) -> None:
    before = csrf_of(client.get("/staff/sign-in"))
    sign_in(client, "office")
    assert csrf_of(client.get("/staff")) != before


def test_next_never_leads_off_the_site(client: TestClient) -> None:
    response = post_form(client, "/staff/sign-in", "/staff/sign-in", {
        "email": "office@oakfield.example.org", "password": "oakfield-demo",
        "next": "https://evil.example.com/"})
    assert response.headers["location"] == "/staff"


def test_the_today_counts_are_polled_as_json(client: TestClient) -> None:
    sign_in(client, "attendance_officer")
    counts = client.get("/staff/api/today").json()
    assert counts["day"] == "2026-11-23"
    assert {"absent", "unexplained", "approvals_pending", "tasks_due", "for_staff"} <= set(counts)


def second_school_account(client: TestClient, email: str, password: str) -> None:
    """The same person also works at another school of the trust."""
    with Session(engine_of(client)) as session:
        school, _ = add_school(session=session, clock=FixedClock(NOW), name="Elm Park Primary")
        add_staff(session=session, school=school, email=email, role="attendance_officer",
                  name="Sam Trust", password=password, clock=FixedClock(NOW))
        session.commit()


def test_one_email_at_two_schools_says_which_school_after_the_password(
        client: TestClient) -> None:
    second_school_account(client, STAFF["office"], DEMO_PASSWORD)
    page = post_form(client, "/staff/sign-in", "/staff/sign-in",
                     {"email": STAFF["office"], "password": DEMO_PASSWORD})
    assert "Which school?" in page.text
    assert "Elm Park Primary" in page.text and "Oakfield Primary" in page.text
    assert client.get("/staff", follow_redirects=False).status_code == 303  # not signed in yet
    elm = re.search(r'value="(\d+)"[^>]*>\s*<label[^>]*>Elm Park Primary', page.text)
    assert elm
    client.post("/staff/sign-in/school",
                data={"staff_id": elm.group(1), "csrf_token": csrf_of(page)})
    assert "Elm Park Primary" in client.get("/staff").text


def test_a_choice_of_school_cannot_pick_an_account_the_password_did_not_open(
        client: TestClient) -> None:
    second_school_account(client, STAFF["office"], DEMO_PASSWORD)
    page = post_form(client, "/staff/sign-in", "/staff/sign-in",
                     {"email": STAFF["office"], "password": DEMO_PASSWORD})
    with Session(engine_of(client)) as session:
        head = session.exec(select(StaffUser).where(StaffUser.email == STAFF["headteacher"])).one()
    refused = client.post("/staff/sign-in/school",
                          data={"staff_id": str(head.id), "csrf_token": csrf_of(page)})
    assert refused.status_code == 403
    assert client.get("/staff", follow_redirects=False).status_code == 303


def test_each_schools_password_opens_its_own_account(client: TestClient) -> None:
    second_school_account(client, STAFF["office"], "a different password")
    for _ in range(6):  # signing in at one school is never a failure at the other
        signed = post_form(client, "/staff/sign-in", "/staff/sign-in",
                           {"email": STAFF["office"], "password": DEMO_PASSWORD})
        assert signed.status_code == 303
        post_form(client, "/staff", "/staff/sign-out", {})
    post_form(client, "/staff/sign-in", "/staff/sign-in",
              {"email": STAFF["office"], "password": "a different password"})
    assert "Elm Park Primary" in client.get("/staff").text

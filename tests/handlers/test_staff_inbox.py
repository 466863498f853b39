"""The Inbox and Approvals over HTTP: a parent's report read, approved or changed, a reply
that reaches the outbox, handing back and linking an unknown sender."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from core.attendance_models import MarkAmendment, RegisterMark
from core.conversation_models import AbsenceReport, Conversation, Message
from core.demo import DEMO_SLUG
from core.models import Contact, Pupil, PupilContact
from tests.handlers.channel_app import copy_of, engine_of
from tests.handlers.staff_client import demo_database, post_form, sign_in, staff_app


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(demo_database(tmp_path_factory.mktemp("inbox")).removeprefix("sqlite:///"))


@pytest.fixture
def client(template_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    yield from staff_app(copy_of(template_db, tmp_path))


def a_parent(client: TestClient, n: int = 0) -> tuple[str, str]:
    """A demo contact's number and their first child's first name."""
    with Session(engine_of(client)) as session:
        number, name = session.exec(select(Contact.mobile, Pupil.legal_first_name).join(
            PupilContact, col(PupilContact.contact_id) == Contact.id).join(
            Pupil, col(Pupil.id) == PupilContact.pupil_id).where(
            col(Contact.mobile).is_not(None)).order_by(Contact.id)).all()[n]
    return str(number), name


def text_school(client: TestClient, number: str, text: str) -> int:
    """The parent texts the school on the simulator; the conversation's id."""
    sent = client.post("/simulator/api/messages",
                       json={"school": DEMO_SLUG, "number": number, "text": text})
    assert sent.status_code == 202
    with Session(engine_of(client)) as session:
        return int(session.exec(select(Conversation.id).where(
            Conversation.address == number)).one())


def a_confirmed_report(client: TestClient, n: int = 0) -> tuple[int, int]:
    number, child = a_parent(client, n)
    conversation = text_school(client, number, f"{child} is off sick today, back tomorrow")
    with Session(engine_of(client)) as session:
        report = session.exec(select(AbsenceReport).where(
            AbsenceReport.conversation_id == conversation)).one()
    assert report.status == "confirmed" and report.suggested_code == "I"
    assert report.id is not None
    return conversation, report.id


def marks_and_trail(client: TestClient, report_id: int) -> tuple[list[str], list[str]]:
    with Session(engine_of(client)) as session:
        report = session.get(AbsenceReport, report_id)
        assert report is not None
        marks = session.exec(select(RegisterMark.mark).where(
            RegisterMark.pupil_id == report.pupil_id)).all()
        reasons = session.exec(select(MarkAmendment.reason).where(
            MarkAmendment.report_id == report_id)).all()
    return list(marks), list(reasons)


def test_the_inbox_lists_the_thread_and_finds_it_by_pupil_or_contact(
        client: TestClient) -> None:
    conversation, _ = a_confirmed_report(client)
    _, child = a_parent(client)
    sign_in(client, "office")
    assert f"/staff/inbox/{conversation}" in client.get("/staff/inbox").text
    assert f"/staff/inbox/{conversation}" in client.get(f"/staff/inbox?q={child}").text
    assert f"/staff/inbox/{conversation}" not in client.get("/staff/inbox?q=Zzyzx").text
    assert f"/staff/inbox/{conversation}" not in client.get(
        "/staff/inbox?filter=unknown").text
    page = client.get(f"/staff/inbox/{conversation}")
    assert "is off sick today, back tomorrow" in page.text
    assert "Suggested code <strong>I</strong>" in page.text


def test_approving_the_suggested_code_writes_the_register_and_the_trail(
        client: TestClient) -> None:
    conversation, report = a_confirmed_report(client)
    sign_in(client, "attendance_officer")
    response = post_form(client, f"/staff/inbox/{conversation}",
                         f"/staff/reports/{report}/approve",
                         {"code": "I", "back": f"/staff/inbox/{conversation}"})
    assert response.headers["location"] == f"/staff/inbox/{conversation}"
    assert "Approved with code I" in client.get(f"/staff/inbox/{conversation}").text
    marks, reasons = marks_and_trail(client, report)
    assert marks and set(marks) == {"I"}
    assert reasons == [f"approved report #{report}"] * len(marks)


def test_a_changed_code_needs_a_reason(client: TestClient) -> None:
    _, report = a_confirmed_report(client)
    sign_in(client, "office")
    post_form(client, "/staff/approvals", f"/staff/reports/{report}/approve", {"code": "M"})
    assert "give the reason for the change" in client.get("/staff/approvals").text
    assert marks_and_trail(client, report) == ([], [])
    post_form(client, "/staff/approvals", f"/staff/reports/{report}/approve",
              {"code": "M", "reason": "mum rang: it was the dentist"})
    marks, reasons = marks_and_trail(client, report)
    assert set(marks) == {"M"} and set(reasons) == {"mum rang: it was the dentist"}


def test_approving_many_goes_through_a_confirm_step(client: TestClient) -> None:
    reports = [a_confirmed_report(client, n)[1] for n in (0, 3)]
    sign_in(client, "headteacher")
    page = client.get("/staff/approvals")
    assert page.text.index(f'value="{reports[0]}"') < page.text.index(f'value="{reports[1]}"')
    confirm = post_form(client, "/staff/approvals", "/staff/approvals/confirm",
                        {"report": [str(r) for r in reports]})  # type: ignore[dict-item]
    assert "Approve 2 reports?" in confirm.text
    assert marks_and_trail(client, reports[0]) == ([], [])  # nothing yet
    post_form(client, "/staff/approvals", "/staff/approvals/approve",
              {"report": [str(r) for r in reports]})  # type: ignore[dict-item]
    assert all(marks_and_trail(client, r)[0] for r in reports)
    assert "Nothing waiting for approval." in client.get("/staff/approvals").text


def test_a_staff_reply_goes_out_on_the_parents_channel(client: TestClient) -> None:
    conversation, _ = a_confirmed_report(client)
    sign_in(client, "office")
    post_form(client, f"/staff/inbox/{conversation}", f"/staff/inbox/{conversation}/reply",
              {"text": "Thanks, hope she feels better soon"})
    for _ in range(100):  # the outbox runs in the app's own loop
        with Session(engine_of(client)) as session:
            reply = session.exec(select(Message).where(
                Message.conversation_id == conversation, Message.author == "staff")).one()
            paused = session.get(Conversation, conversation).bot_paused  # type: ignore[union-attr]
        if reply.status != "queued":
            break
        time.sleep(0.02)
    assert (reply.channel, reply.status, reply.body) == (
        "simulator", "delivered", "Thanks, hope she feels better soon")
    assert paused
    post_form(client, f"/staff/inbox/{conversation}", f"/staff/inbox/{conversation}/hand-back",
              {})
    with Session(engine_of(client)) as session:
        assert not session.get(Conversation, conversation).bot_paused  # type: ignore[union-attr]


def test_an_unknown_sender_is_linked_to_a_contact(client: TestClient) -> None:
    conversation = text_school(client, "+447700900999", "Is school open tomorrow?")
    sign_in(client, "office")
    assert f"/staff/inbox/{conversation}" in client.get("/staff/inbox?filter=unknown").text
    with Session(engine_of(client)) as session:
        contact = session.exec(select(Contact).order_by(Contact.id)).first()
    assert contact is not None
    found = client.get(f"/staff/inbox/{conversation}?link_q={contact.name}")
    assert f'name="contact_id" value="{contact.id}"' in found.text
    post_form(client, f"/staff/inbox/{conversation}", f"/staff/inbox/{conversation}/link",
              {"contact_id": str(contact.id)})
    with Session(engine_of(client)) as session:
        assert session.get(Conversation, conversation).contact_id == contact.id  # type: ignore[union-attr]


def test_another_schools_conversation_is_not_found(client: TestClient) -> None:
    sign_in(client, "office")
    assert client.get("/staff/inbox/99999").status_code == 404

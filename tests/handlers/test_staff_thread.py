"""Working a conversation beyond replying: private and safeguarding notes, who looks after it
(and the Mine filter), correcting a report's dates, and the evidence highlighted."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from core.conversation_models import AbsenceReport, Direction, Message
from tests.handlers.channel_app import copy_of, engine_of
from tests.handlers.staff_client import demo_database, post_form, sign_in, staff_app
from tests.handlers.test_staff_inbox import a_confirmed_report, a_parent, text_school


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(demo_database(tmp_path_factory.mktemp("thread")).removeprefix("sqlite:///"))


@pytest.fixture
def client(template_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    yield from staff_app(copy_of(template_db, tmp_path))


def sign_out(client: TestClient) -> None:
    post_form(client, "/staff", "/staff/sign-out", {})


def test_a_private_note_is_for_colleagues_and_never_sent(client: TestClient) -> None:
    conversation, _ = a_confirmed_report(client)
    sign_in(client, "office")
    post_form(client, f"/staff/inbox/{conversation}", f"/staff/inbox/{conversation}/note",
              {"text": "Mum sounded worried, ring her back after lunch"})
    sign_out(client)
    sign_in(client, "attendance_officer")
    page = client.get(f"/staff/inbox/{conversation}").text
    assert "Mum sounded worried, ring her back after lunch" in page
    assert "Private note (parents never see it)" in page
    with Session(engine_of(client)) as session:
        outgoing = session.exec(select(Message.body).where(
            Message.conversation_id == conversation,
            Message.direction == Direction.outgoing.value)).all()
    assert not any("worried" in body for body in outgoing)


def test_a_safeguarding_note_is_read_only_by_the_dsl_and_the_head(client: TestClient) -> None:
    conversation, _ = a_confirmed_report(client)
    sign_in(client, "office")
    assert 'name="restricted"' not in client.get(f"/staff/inbox/{conversation}").text
    refused = post_form(client, f"/staff/inbox/{conversation}",
                        f"/staff/inbox/{conversation}/note",
                        {"text": "I want this hidden", "restricted": "true"})
    assert refused.status_code == 403
    sign_out(client)
    sign_in(client, "dsl")
    post_form(client, f"/staff/inbox/{conversation}", f"/staff/inbox/{conversation}/note",
              {"text": "Known to social care; allocated worker informed", "restricted": "true"})
    assert "allocated worker informed" in client.get(f"/staff/inbox/{conversation}").text
    for role, sees in (("headteacher", True), ("office", False), ("attendance_officer", False),
                       ("admin", False)):
        sign_out(client)
        sign_in(client, role)
        page = client.get(f"/staff/inbox/{conversation}").text
        assert ("allocated worker informed" in page) is sees, role


def test_taking_a_conversation_puts_it_under_mine(client: TestClient) -> None:
    conversation, _ = a_confirmed_report(client)
    sign_in(client, "office")
    assert f"/staff/inbox/{conversation}\"" not in client.get("/staff/inbox?filter=mine").text
    page = client.get(f"/staff/inbox/{conversation}").text
    me = re.search(r'<option value="(\d+)"[^>]*>Me \(', page)
    assert me, "the Looking after select offers Me"
    post_form(client, f"/staff/inbox/{conversation}", f"/staff/inbox/{conversation}/assign",
              {"staff_id": me.group(1)})
    mine = client.get("/staff/inbox?filter=mine").text
    assert f"/staff/inbox/{conversation}\"" in mine
    assert "is looking after this" in client.get(f"/staff/inbox/{conversation}").text
    sign_out(client)
    sign_in(client, "attendance_officer")  # someone else's Mine is not theirs
    assert f"/staff/inbox/{conversation}\"" not in client.get("/staff/inbox?filter=mine").text
    post_form(client, f"/staff/inbox/{conversation}", f"/staff/inbox/{conversation}/assign",
              {"staff_id": ""})
    sign_out(client)
    sign_in(client, "office")
    assert f"/staff/inbox/{conversation}\"" not in client.get("/staff/inbox?filter=mine").text


def test_staff_correct_the_dates_before_approving(client: TestClient) -> None:
    conversation, report_id = a_confirmed_report(client)  # off today (Mon 23), back tomorrow
    sign_in(client, "office")
    url = f"/staff/inbox/{conversation}/reports/{report_id}/dates"
    post_form(client, f"/staff/inbox/{conversation}", url,
              {"first_day": "2026-11-23", "return_day": "2026-11-23"})
    assert "the day back must be after the first day off" in \
        client.get(f"/staff/inbox/{conversation}").text
    post_form(client, f"/staff/inbox/{conversation}", url,
              {"first_day": "2026-11-23", "return_day": "2026-11-26"})
    with Session(engine_of(client)) as session:
        report = session.get(AbsenceReport, report_id)
        assert report is not None
        assert (report.first_day, report.return_day) == (date(2026, 11, 23), date(2026, 11, 26))
    page = client.get(f"/staff/inbox/{conversation}").text
    assert "from Mon 23 Nov, back Tue 24 Nov → from Mon 23 Nov, back Thu 26 Nov" in page
    post_form(client, f"/staff/inbox/{conversation}", f"/staff/reports/{report_id}/approve",
              {"code": "I"})
    late = post_form(client, f"/staff/inbox/{conversation}", url, {"first_day": "2026-11-24"})
    assert late.status_code == 303
    assert "change an approved one in the register" in \
        client.get(f"/staff/inbox/{conversation}").text


def test_the_report_card_highlights_what_each_part_was_read_from(client: TestClient) -> None:
    number, child = a_parent(client)
    conversation = text_school(client, number, f"{child}'s got a temp, back Weds hopefully")
    sign_in(client, "office")
    page = client.get(f"/staff/inbox/{conversation}").text
    assert re.search(f'<mark>{child}(&#39;s)?<span class="field">child</span></mark>', page)
    assert '<mark>temp<span class="field">reason</span></mark>' in page
    assert re.search(r'<mark>[^<]*Weds<span class="field">day back</span></mark>', page)


def test_the_dsls_task_opens_the_conversation_it_is_about(client: TestClient) -> None:
    number, child = a_parent(client)
    conversation = text_school(client, number, f"{child} is off, the police came last night")
    sign_in(client, "dsl")
    tasks = client.get("/staff/tasks").text
    assert "Read a parent&#39;s message now" in tasks
    assert f'<a href="/staff/inbox/{conversation}">Open the conversation</a>' in tasks

"""/metrics in Prometheus's format: what an operator watches (queue depth and age, webhook
outcomes, sends), and nothing about any pupil or parent."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import Session, select

from core.conversation_models import Conversation, Message
from core.demo import DEMO_SLUG
from core.models import Contact
from tests.handlers.channel_app import copy_of, engine_of
from tests.handlers.staff_client import NOW, demo_database, staff_app


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(demo_database(tmp_path_factory.mktemp("metrics")).removeprefix("sqlite:///"))


@pytest.fixture
def client(template_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    yield from staff_app(copy_of(template_db, tmp_path))


def samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    page = client.get("/metrics")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(page.text) for s in family.samples}


def webhooks(client: TestClient, outcome: str) -> float:
    return samples(client).get(("rollcall_webhook_requests_total", (
        ("channel", "simulator"), ("outcome", outcome))), 0.0)


def test_webhook_outcomes_are_counted(client: TestClient) -> None:
    with Session(engine_of(client)) as session:
        number = session.exec(select(Contact.mobile).where(
            Contact.mobile.is_not(None))).first()  # type: ignore[union-attr]
    accepted, invalid = webhooks(client, "accepted"), webhooks(client, "invalid")
    client.post("/simulator/api/messages",
                json={"school": DEMO_SLUG, "number": number, "text": "Hi"})
    client.post("/simulator/api/messages", json={"school": DEMO_SLUG})  # no number, no text
    assert webhooks(client, "accepted") == accepted + 1
    assert webhooks(client, "invalid") == invalid + 1


def test_the_queue_depth_and_age_come_from_the_database(client: TestClient) -> None:
    with Session(engine_of(client)) as session:
        contact = session.exec(select(Contact).where(
            Contact.mobile.is_not(None))).first()  # type: ignore[union-attr]
        assert contact is not None and contact.mobile
        conversation = Conversation(school_id=contact.school_id, channel="sms",
                                    address=contact.mobile, contact_id=contact.id,
                                    created_at=NOW, updated_at=NOW)
        session.add(conversation)
        session.flush()
        for minutes in (10, 3):  # SMS is not switched on in this app: they wait
            session.add(Message(school_id=contact.school_id, conversation_id=conversation.id,
                                direction="outgoing", author="bot", channel="sms", body="x",
                                status="queued", created_at=NOW - timedelta(minutes=minutes),
                                updated_at=NOW))
        session.commit()
    figures = samples(client)
    assert figures[("rollcall_outbox_queued", (("channel", "sms"),))] == 2
    assert figures[("rollcall_outbox_oldest_seconds", ())] == 600
    assert figures[("rollcall_database_up", ())] == 1


def test_the_metrics_name_no_one(client: TestClient) -> None:
    with Session(engine_of(client)) as session:
        contact = session.exec(select(Contact).where(
            Contact.mobile.is_not(None))).first()  # type: ignore[union-attr]
    assert contact is not None and contact.mobile
    client.post("/simulator/api/messages",
                json={"school": DEMO_SLUG, "number": contact.mobile, "text": "Hello"})
    page = client.get("/metrics").text
    assert contact.mobile not in page and contact.name not in page
    assert DEMO_SLUG not in page

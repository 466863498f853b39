"""The simulator phone over HTTP: text the demo school, see the bot's reply arrive."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.app import create_app
from core import db
from core.clock import FixedClock
from core.demo import DEMO_SLUG, ensure_demo_school
from core.models import Contact
from core.settings import Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    # One demo school for the module (it takes a moment to build); each test texts from a
    # contact of its own.
    url = f"sqlite:///{tmp_path_factory.mktemp('sim') / 'r.db'}"
    clock = FixedClock(datetime(2026, 11, 23, 7, 50, tzinfo=UTC))
    engine = db.make_engine(url)
    db.upgrade(engine)
    with Session(engine) as session:
        ensure_demo_school(session=session, clock=clock)
        session.commit()
    with TestClient(create_app(Settings(database_url=url), clock=clock)) as client:
        yield client


def demo_contact(client: TestClient, n: int = 0) -> str:
    with Session(client.app.state.engine) as session:  # type: ignore[attr-defined]
        mobiles = session.exec(select(Contact.mobile).where(
            Contact.mobile.is_not(None)).order_by(Contact.id)).all()  # type: ignore[union-attr]
    return str(mobiles[n])


def thread(client: TestClient, number: str, want: int) -> list[dict]:
    for _ in range(100):  # the outbox runs in the app's own loop
        rows = client.get("/simulator/api/thread",
                          params={"school": DEMO_SLUG, "number": number}).json()
        if len(rows) >= want and all(r["status"] != "queued" for r in rows):
            return rows
        time.sleep(0.02)
    return rows


def test_the_page_offers_the_demo_contacts(client: TestClient) -> None:
    page = client.get("/simulator")
    assert page.status_code == 200
    assert '<label for="number">Phone number</label>' in page.text
    assert demo_contact(client) in page.text


def test_a_parent_texts_and_the_reply_arrives_delivered(client: TestClient) -> None:
    number = demo_contact(client, 1)
    sent = client.post("/simulator/api/messages", json={
        "school": DEMO_SLUG, "number": number, "text": "running late sorry, 10 mins",
        "id": "key-1"})
    assert sent.status_code == 202 and sent.json()["duplicate"] is False
    rows = thread(client, number, 2)
    assert [(r["direction"], r["status"]) for r in rows] == [
        ("incoming", "handled"), ("outgoing", "delivered")]
    assert rows[1]["body"].startswith("Thanks.") or rows[1]["body"].startswith("Which child")


def test_the_same_message_sent_twice_is_handled_once(client: TestClient) -> None:
    number = demo_contact(client, 2)
    body = {"school": DEMO_SLUG, "number": number, "text": "hello", "id": "same"}
    client.post("/simulator/api/messages", json=body)
    again = client.post("/simulator/api/messages", json=body)
    assert again.json()["duplicate"] is True
    rows = thread(client, number, 2)
    assert [r["direction"] for r in rows].count("incoming") == 1


@pytest.mark.parametrize("body, status", [
    ({"school": DEMO_SLUG, "number": "not a number", "text": "hi"}, 422),
    ({"school": DEMO_SLUG, "number": "07700900123", "text": ""}, 422),
    ({"school": DEMO_SLUG, "number": "07700900123", "text": "x" * 100_000}, 422),
    ({"school": "a-real-school", "number": "07700900123", "text": "hi"}, 404),
    ({"number": "07700900123"}, 422),
])
def test_bad_input_gets_a_clear_error(client: TestClient, body: dict, status: int) -> None:
    response = client.post("/simulator/api/messages", json=body)
    assert response.status_code == status
    assert response.json()["detail"]

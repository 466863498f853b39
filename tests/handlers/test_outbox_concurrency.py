"""The outbox sending concurrently, through the real twilio client to a stand-in for Twilio:
calls overlap, each text goes once, provider failures lose nothing, a stop finishes what the
provider has and gives the rest back, and the app stops in a few seconds whatever a provider
is doing."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select
from twilio.request_validator import RequestValidator

from bot.app import create_app
from bot.bench_outbound import release_outbox, seed_outbox
from bot.outbox import Outbox
from bot.senders.rates import Rates, share
from bot.senders.twilio import TwilioConfig, TwilioSender
from core.clock import FixedClock
from core.conversation_models import Message
from core.models import ChannelKind
from core.settings import Settings
from tests.fakes.network import refuse_outside_connections
from tests.fakes.server import Answer, Request
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.handlers.channel_app import (
    PUBLIC_URL,
    SARAH,
    copy_of,
    engine_of,
    monday_morning,
    seed_school,
)

pytestmark = pytest.mark.anyio
SCHOOL_SMS = "+447700900500"


class Twilio(FakeTwilio):
    """The stand-in, taking `delay` seconds over each call, counting calls in flight."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay, self.in_flight, self.most_in_flight = delay, 0, 0
        self.answered = threading.Event()
        self._count = threading.Lock()

    def answer(self, request: Request) -> Answer:
        with self._count:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(self.delay)
        with self._count:
            self.in_flight -= 1
        self.answered.set()
        return super().answer(request)

    def bodies(self) -> Counter[str]:
        return Counter(fields["Body"] for fields in self.messages())


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_outside_connections(monkeypatch)


@pytest.fixture
def twilio() -> Iterator[Twilio]:
    with Twilio().running() as fake:
        yield fake


def sender(base: str, timeout: float = 5.0, threads: int = 8) -> TwilioSender:
    return TwilioSender(TwilioConfig(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, public_url=PUBLIC_URL,
        sms_from=SCHOOL_SMS, api_base=base), timeout=timeout, threads=threads)


def queue_texts(engine: Engine, clock: FixedClock, texts: int, schools: int) -> list[str]:
    bodies = seed_outbox(engine, messages=texts, schools=schools, now=clock())
    release_outbox(engine, clock())
    return bodies


def stored(engine: Engine) -> list[Message]:
    with Session(engine) as session:
        return list(session.exec(select(Message)).all())


async def test_texts_go_to_the_provider_side_by_side_and_each_once(
        engine: Engine, clock: FixedClock, twilio: Twilio) -> None:
    bodies = queue_texts(engine, clock, 30, schools=30)
    twilio.delay = 0.2
    outbox = Outbox(engine, {"sms": sender(twilio.url)}, clock, concurrency=8, batch=10)
    assert await outbox.send_queued() == 30
    outbox.close()
    assert twilio.bodies() == Counter(bodies)
    assert 1 < twilio.most_in_flight <= 8  # side by side, never more than allowed
    assert {m.status for m in stored(engine)} == {"sent"}


async def test_nothing_is_lost_when_the_provider_fails_under_concurrent_sending(
        engine: Engine, clock: FixedClock, twilio: Twilio) -> None:
    bodies = queue_texts(engine, clock, 20, schools=20)
    for _ in range(4):
        twilio.then_fail(500, 20500)
    for _ in range(3):
        twilio.then_fail(429, 20429)
    for _ in range(3):  # Twilio takes these, but answers after our time-out
        twilio.then_answer(201, {"sid": "SM-late", "status": "queued"}, delay=1.0)
    senders = {"sms": sender(twilio.url, timeout=0.3)}
    for _ in range(4):
        outbox = Outbox(engine, senders, clock, concurrency=8, batch=5)
        await outbox.send_queued()
        outbox.close()
        clock.advance(timedelta(minutes=20))  # past every backoff
    rows = stored(engine)
    assert {m.status for m in rows} == {"sent"}  # nothing failed, nothing left queued
    assert sum(m.attempts for m in rows) == 30  # 20 texts, 10 of them tried twice
    late = {r.params()["Body"] for r in twilio.requests[7:10]}
    accepted = Counter(r.params()["Body"] for r in twilio.requests[7:])
    assert set(accepted) == set(bodies)  # every text reached the provider
    # A text goes twice only where the provider took it but its answer came too late.
    assert {body for body, n in accepted.items() if n > 1} <= late


async def test_stopping_finishes_sends_with_the_provider_and_gives_the_rest_back(
        sqlite_engine: Engine, clock: FixedClock, twilio: Twilio) -> None:
    import asyncio

    queue_texts(sqlite_engine, clock, 6, schools=6)
    twilio.delay = 0.5
    outbox = Outbox(sqlite_engine, {"sms": sender(twilio.url)}, clock, concurrency=2, batch=6)
    sending = asyncio.create_task(outbox.send_queued())
    while len(twilio.requests) < 2:
        await asyncio.sleep(0.01)
    outbox.stop()
    assert await sending == 2
    outbox.close()
    rows = stored(sqlite_engine)
    assert Counter(m.status for m in rows) == {"sent": 2, "queued": 4}
    assert {m.body for m in rows if m.status == "sent"} == set(twilio.bodies())
    assert all(m.lease_owner is None and m.attempts == 0 for m in rows if m.status == "queued")
    assert outbox.counts.released == 4


async def test_a_database_that_blinks_while_sends_are_recorded_repeats_no_text(
        engine: Engine, clock: FixedClock, twilio: Twilio) -> None:
    bodies = queue_texts(engine, clock, 8, schools=8)
    outbox = Outbox(engine, {"sms": sender(twilio.url)}, clock, concurrency=8, batch=8)
    with blinks_at_first(engine, "SET provider_id=CASE"):
        assert await outbox.send_queued() == 8
    outbox.close()
    # The record was written on a later try, so nothing waited for its lease to lapse and
    # went to the provider again.
    assert twilio.bodies() == Counter(bodies)
    assert {(m.status, m.attempts, m.lease_owner) for m in stored(engine)} == {("sent", 1, None)}


@contextmanager
def blinks_at_first(engine: Engine, marker: str) -> Iterator[None]:
    """The database is cut off under the first statement containing `marker`, before its
    transaction commits: on PostgreSQL the server process is terminated; SQLite's stand-in
    is the error the driver raises."""
    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")
    blinked: list[str] = []

    def hook(connection: Any, cursor: Any, sql: str, *_: Any) -> None:
        if blinked or marker not in sql:
            return
        blinked.append(sql)
        if engine.dialect.name == "sqlite":
            raise OperationalError(sql, None, sqlite3.OperationalError("disk I/O error"))
        with admin.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"),
                          {"pid": connection.connection.dbapi_connection.info.backend_pid})

    event.listen(engine, "after_cursor_execute", hook)
    try:
        yield
    finally:
        event.remove(engine, "after_cursor_execute", hook)
        admin.dispose()
    assert blinked, f"no statement with {marker!r} ran"


class LateClock(FixedClock):
    """Stands still, except that everything after the first reading is three seconds on."""

    def __init__(self, now: datetime) -> None:
        super().__init__(now)
        self.readings = 0

    def __call__(self) -> datetime:
        self.readings += 1
        return self.now if self.readings == 1 else self.now + timedelta(seconds=3)


async def test_a_text_whose_lease_is_nearly_over_is_given_back_and_claimed_afresh(
        sqlite_engine: Engine, twilio: Twilio) -> None:
    clock = LateClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    queue_texts(sqlite_engine, FixedClock(clock.now), 1, schools=1)
    outbox = Outbox(sqlite_engine, {"sms": sender(twilio.url)}, clock,
                    lease=timedelta(seconds=4))
    assert await outbox.send_queued() == 0
    assert outbox.counts.released == 1 and twilio.requests == []  # 3 s into a 4 s lease
    assert stored(sqlite_engine)[0].lease_owner is None  # given back, not sent
    assert await outbox.send_queued() == 1  # the next pass claims it afresh and sends it
    outbox.close()
    assert len(twilio.requests) == 1 and stored(sqlite_engine)[0].attempts == 1


def test_each_process_keeps_to_its_share_of_every_rate() -> None:
    assert (share(10, 4), share(30, 4), share(1, 4), share(10, 1)) == (2, 7, 1, 10)
    rates = Rates(processes=4)
    school_a, school_b = rates.limiter("sms", "+441610000001"), rates.limiter(
        "sms", "+441610000002")
    assert school_a is not school_b  # each school's number has its own limit
    assert school_a.gap == 0.5 and rates.limiter("telegram", None).gap == 1 / 7
    assert rates.limiter("telegram", "anything") is rates.limiter("telegram", None)


def app_settings(migrated_sqlite: Path, folder: Path, twilio: Twilio,
                 **changes: object) -> Settings:
    """SMS on, through the stand-in, on a copy of a school ready to hear from the Smiths."""
    seeded = seed_school(migrated_sqlite, folder, monday_morning(),
                         {ChannelKind.sms: SCHOOL_SMS})
    values: dict[str, object] = {
        "database_url": copy_of(seeded, folder), "channels": ["sms"], "public_url": PUBLIC_URL,
        "twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": AUTH_TOKEN,
        "twilio_from": SCHOOL_SMS, "twilio_api_base": twilio.url, "migrate_on_start": False,
        "tick": False}
    return Settings(**(values | changes))  # type: ignore[arg-type]


def parent_writes(client: TestClient) -> None:
    fields = {"MessageSid": "SM" + "7" * 32, "AccountSid": ACCOUNT_SID, "From": SARAH,
              "To": SCHOOL_SMS, "Body": "Millie is off sick today", "NumMedia": "0"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC_URL + "/webhooks/twilio", fields)
    assert client.post("/webhooks/twilio", data=fields, headers={
        "X-Twilio-Signature": signature}).status_code == 200


def test_the_app_stops_within_seconds_while_a_provider_holds_a_call(
        migrated_sqlite: Path, tmp_path: Path) -> None:
    """Shutting down cancels a send the provider is sitting on, rather than waiting for it;
    the text keeps its lease, so another process sends it when the lease lapses."""
    with Twilio(delay=8.0).running() as twilio:
        app = create_app(app_settings(migrated_sqlite, tmp_path, twilio),
                         clock=monday_morning())
        with TestClient(app) as client:
            parent_writes(client)
            while not twilio.requests:
                time.sleep(0.01)
        assert not twilio.answered.is_set()  # stopped while Twilio still held the call
        [reply] = [m for m in stored(engine_of(client)) if m.direction == "outgoing"]
        assert reply.status == "queued" and reply.lease_owner is not None


async def test_web_processes_that_do_not_send_leave_replies_to_the_workers(
        migrated_sqlite: Path, tmp_path: Path, twilio: Twilio) -> None:
    settings = app_settings(migrated_sqlite, tmp_path, twilio, outbox_in_web=False)
    with TestClient(create_app(settings, clock=monday_morning())) as client:
        parent_writes(client)
    engine = engine_of(client)
    [reply] = [m for m in stored(engine) if m.direction == "outgoing"]
    assert reply.status == "queued" and twilio.requests == []
    outbox = Outbox(engine, {"sms": sender(twilio.url)}, monday_morning())  # a worker's
    assert await outbox.send_queued() == 1
    outbox.close()
    [sent] = twilio.messages()
    assert (sent["To"], sent["From"]) == (SARAH, SCHOOL_SMS)

"""`rollcall worker` processes sharing one PostgreSQL outbox, sending through the real twilio
client to a stand-in for Twilio's API in this process: every text goes out, once; a worker
killed mid-batch leaves its texts to go when its leases lapse; SIGTERM stops one cleanly."""

from __future__ import annotations

import re
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from bot.bench_outbound import Worker, queued, release_outbox, seed_outbox, worker_environment
from core.conversation_models import Message
from tests.conftest import _postgres_engine
from tests.fakes.server import Answer, Request
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

pytestmark = pytest.mark.postgres


class Twilio(FakeTwilio):
    """The stand-in, answering after `delay` seconds, noting when each text arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.delay = 0.0
        self.arrived: list[tuple[float, str]] = []

    def answer(self, request: Request) -> Answer:
        self.arrived.append((time.time(), request.params().get("Body", "")))
        normal = super().answer(request)
        return Answer(normal.status, normal.body, self.delay)

    def bodies(self) -> Counter[str]:
        return Counter(fields["Body"] for fields in self.messages())


@pytest.fixture
def engine(postgres_template: str) -> Iterator[Engine]:
    yield from _postgres_engine(postgres_template)


@pytest.fixture
def twilio() -> Iterator[Twilio]:
    with Twilio().running() as fake:
        yield fake


@pytest.fixture
def start(engine: Engine, twilio: Twilio, tmp_path: Path) -> Iterator[Callable[..., Worker]]:
    """Start a worker (options as on the command line); any left running are killed after."""
    url = engine.url.render_as_string(hide_password=False)
    started: list[Worker] = []

    def start(*options: str, processes: int = 1) -> Worker:
        environment = worker_environment(url, twilio.url, processes, ACCOUNT_SID, AUTH_TOKEN)
        worker = Worker(environment, tmp_path, "--no-tick", *options)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
            worker.process.wait()


def until(probe: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not probe():
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} after {seconds} s")
        time.sleep(0.1)


def rows(engine: Engine) -> list[Message]:
    with Session(engine) as session:
        return list(session.exec(select(Message)).all())


def test_four_workers_send_ten_thousand_texts_each_exactly_once(
        engine: Engine, twilio: Twilio, start: Callable[..., Worker]) -> None:
    bodies = seed_outbox(engine, messages=10_000, schools=200, now=datetime.now(UTC))
    workers = [start(processes=4) for _ in range(4)]
    for worker in workers:
        worker.wait_until_sending()
    release_outbox(engine, datetime.now(UTC))
    until(lambda: queued(engine) == 0, 90, "all sent")
    assert [worker.stop() for worker in workers] == [0, 0, 0, 0]
    sent = twilio.bodies()
    assert set(sent) == set(bodies) and max(sent.values()) == 1  # each once, none twice
    stored = rows(engine)
    assert Counter(m.status for m in stored) == {"sent": 10_000}
    assert all(m.provider_id and m.lease_owner is None for m in stored)
    # Each worker says what it did; together, every text once.
    counts = [int(re.search(r"stopped: (\d+) sent", w.log()).group(1))  # type: ignore[union-attr]
              for w in workers]
    assert sum(counts) == 10_000 and min(counts) > 0


def test_a_killed_workers_texts_go_out_once_its_leases_lapse(
        engine: Engine, twilio: Twilio, start: Callable[..., Worker]) -> None:
    bodies = seed_outbox(engine, messages=60, schools=3, now=datetime.now(UTC))
    twilio.delay = 30.0  # the provider holds the dying worker's calls
    doomed = start("--lease-seconds", "3", "--concurrency", "4", "--batch", "20")
    doomed.wait_until_sending()
    release_outbox(engine, datetime.now(UTC))
    until(lambda: len(twilio.requests) >= 4, 30, "sending")
    doomed.process.send_signal(signal.SIGKILL)
    doomed.process.wait()
    in_flight = set(twilio.bodies())  # the provider has these; the dead worker never knew
    held = {m.body: m.lease_until for m in rows(engine) if m.lease_owner is not None}
    assert in_flight <= set(held) and len(held) > len(in_flight)

    twilio.delay = 0.0
    rescuer = start("--lease-seconds", "3")
    until(lambda: queued(engine) == 0, 60, "all sent")
    assert rescuer.stop() == 0
    sent = twilio.bodies()
    assert set(sent) == set(bodies)  # nothing lost
    # The only texts sent twice are those the provider had already taken from the dead worker
    # (at-least-once); every other text it held went once, and only after its lease lapsed.
    assert {body for body, n in sent.items() if n > 1} <= in_flight
    for when, body in twilio.arrived:
        if body in held and body not in in_flight:
            lapsed = held[body]
            assert lapsed is not None and when >= lapsed.timestamp()
    assert all(m.status == "sent" and m.lease_owner is None for m in rows(engine))


def test_sigterm_finishes_the_sends_in_flight_gives_the_rest_back_and_exits_0(
        engine: Engine, twilio: Twilio, start: Callable[..., Worker]) -> None:
    seed_outbox(engine, messages=40, schools=2, now=datetime.now(UTC))
    twilio.delay = 1.0
    worker = start("--concurrency", "4", "--batch", "10")
    worker.wait_until_sending()
    release_outbox(engine, datetime.now(UTC))
    until(lambda: len(twilio.requests) >= 4, 30, "sending")
    assert worker.stop(signal.SIGTERM) == 0
    stored = rows(engine)
    with_provider = set(twilio.bodies())
    # Every call the provider took is recorded as sent; nothing else was attempted, and no
    # row is left leased to the stopped worker.
    assert {m.body for m in stored if m.status == "sent"} == with_provider
    assert all(m.attempts == 0 for m in stored if m.status == "queued")
    assert all(m.lease_owner is None for m in stored)
    said = re.search(r"stopped: (\d+) sent", worker.log())
    assert said is not None and int(said.group(1)) == len(with_provider)
    with Session(engine) as session:
        waiting = session.exec(select(func.count()).select_from(Message).where(
            Message.status == "queued")).one()
    assert waiting == 40 - len(with_provider) > 0

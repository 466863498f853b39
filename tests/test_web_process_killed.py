"""A web process killed between storing a parent's text and reading it loses nothing: the
text is in the database, and the next tick (any process's) reads and answers it, once.

The real app runs under uvicorn in its own process with the Twilio channel on, a stand-in
for Twilio's API so no reply leaves the machine, and signed webhooks as Twilio sends them.
The test holds the child's row locked, so the server is caught after its store commit, part
way through reading (its report waits on the row), and kills it there."""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from bot.bench_inbound import _signed, seed
from bot.bench_processes import AUTH_TOKEN, fake_twilio, servers
from bot.unread import read_left_behind
from core.clock import FixedClock, system_clock
from core.conversation_models import Message
from core.models import Contact, Pupil, PupilContact
from tests.conftest import _postgres_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(postgres_template: str) -> Iterator[Engine]:
    yield from _postgres_engine(postgres_template)


def post(port: int, request: bytes) -> bytes:
    """Send one raw HTTP request; the answer's bytes (empty if the server went away)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as connection:
        connection.sendall(request)
        try:
            return connection.recv(65536)
        except OSError:
            return b""


def stored(engine: Engine, provider_id: str) -> Message | None:
    with Session(engine) as session:
        return session.exec(select(Message).where(Message.provider_id == provider_id)).first()


def test_a_text_stored_by_a_process_killed_before_reading_it_is_answered_by_the_tick(
        engine: Engine, tmp_path: Path) -> None:
    url = engine.url.render_as_string(hide_password=False)
    school_number, parent, child = seed(url, 1)[0]
    validator = RequestValidator(AUTH_TOKEN)
    with fake_twilio() as api, servers(1, url, api, tmp_path) as started:
        ((port, process),) = started
        first = _signed(validator, port, school_number, parent, "Hello", "SMkill0001")
        assert post(port, first).startswith(b"HTTP/1.1 200")
        with Session(engine) as held:  # the server's report will wait on the child's row
            held.exec(select(Pupil).join(PupilContact, col(PupilContact.pupil_id) == Pupil.id)
                      .join(Contact, col(Contact.id) == PupilContact.contact_id)
                      .where(Contact.mobile == parent).with_for_update(of=Pupil)).all()
            report = f"{child} is off sick today, back tomorrow"
            second = _signed(validator, port, school_number, parent, report, "SMkill0002")
            sending = threading.Thread(target=post, args=(port, second))
            sending.start()
            deadline = time.monotonic() + 30
            while stored(engine, "SMkill0002") is None and time.monotonic() < deadline:
                time.sleep(0.05)
            # Committed; its reading cannot commit while the child's row is held.
            assert stored(engine, "SMkill0002") is not None
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            sending.join(timeout=30)
    message = stored(engine, "SMkill0002")
    assert message is not None and message.status == "received"  # stored, never read
    later = FixedClock(system_clock() + timedelta(minutes=3))
    with Session(engine) as session:
        assert read_left_behind(session, later) == 1
        assert read_left_behind(session, later) == 0  # the next tick: nothing twice
    with Session(engine) as session:
        thread = session.exec(select(Message).where(
            Message.conversation_id == message.conversation_id).order_by(col(Message.id))).all()
    # Read now (whatever the real day makes of it: the server runs on the real clock) and
    # answered, once.
    assert [(m.body == report, m.direction) for m in thread][2:] == [
        (True, "incoming"), (False, "outgoing")]
    assert thread[2].status in {"handled", "for_staff"} and thread[3].status == "queued"

"""The whole app on a real SQLite file, with one school ready to hear from the Smiths.

Example Primary (the corpus calendar) has the Smith family's roster (Sarah on 07700 900001,
James on 07700 900002; Amelia "Millie" and Jack) and the addresses the test gives it. The
clock stands at Monday 23 November 2026, 07:50 in London.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core import db
from core.clock import FixedClock
from core.conversation_models import Conversation, Message
from core.models import ChannelKind
from core.roster import import_roster
from core.roster_rows import read_csv_text
from core.schools import add_school, set_channel_address
from tests.conftest import CORPUS_CALENDAR
from tests.core.roster_files import csv_text, smith_family

SARAH = "+447700900001"
JAMES = "+447700900002"
PUBLIC_URL = "https://rollcall.example.org"
T = TypeVar("T")


def seed_school(template: Path, folder: Path, clock: FixedClock,
                addresses: dict[ChannelKind, str]) -> Path:
    """A migrated SQLite file holding the school, to copy for each test."""
    path = folder / "school.db"
    shutil.copy(template, path)  # the session's migrated template (core.db.upgrade)
    engine = db.make_engine(f"sqlite:///{path}")
    add_example_school(engine, clock, addresses)
    engine.dispose()
    return path


def add_example_school(engine: Engine, clock: FixedClock,
                       addresses: dict[ChannelKind, str]) -> None:
    """Example Primary with the Smiths, reachable at `addresses`, in a migrated database."""
    with Session(engine) as session:
        school, _ = add_school(session=session, clock=clock, name="Example Primary",
                               slug="example", calendar_file=CORPUS_CALENDAR)
        import_roster(session=session, school=school,
                      rows=read_csv_text(csv_text(smith_family())), clock=clock)
        for channel, address in addresses.items():
            set_channel_address(session=session, school=school, channel=channel,
                                address=address)
        session.commit()


def copy_of(seeded: Path, folder: Path) -> str:
    """A fresh copy of the seeded school for one test; its database URL."""
    path = folder / "rollcall.db"
    shutil.copy(seeded, path)
    return f"sqlite:///{path}"


def monday_morning() -> FixedClock:
    return FixedClock(datetime(2026, 11, 23, 7, 50, tzinfo=UTC))


def eventually(probe: Callable[[], T | None], seconds: float = 5.0) -> T:
    """The probe's first truthy answer; the outbox sends from the app's own event loop."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.01)
    raise AssertionError(f"nothing after {seconds} s")


def messages(engine: Engine, address: str | None = None) -> list[Message]:
    """Every message stored, oldest first; only one thread's with `address`."""
    with Session(engine) as session:
        query = select(Message).join(Conversation,
                                     col(Conversation.id) == Message.conversation_id)
        if address is not None:
            query = query.where(Conversation.address == address)
        return list(session.exec(query.order_by(col(Message.id))).all())


def conversation(engine: Engine, address: str) -> Conversation:
    with Session(engine) as session:
        return session.exec(select(Conversation).where(
            Conversation.address == address)).one()


def engine_of(client: TestClient) -> Engine:
    """The database behind a test client's app."""
    return client.app.state.engine  # type: ignore[attr-defined,no-any-return]

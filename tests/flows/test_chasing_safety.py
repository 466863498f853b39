"""The tick is safe by construction: twice, concurrently, after a crash, across the clocks
changing. Real databases (SQLite, and PostgreSQL where marked by the engine fixture)."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, date, datetime
from pathlib import Path

from sqlmodel import Session, col, select

from bot.outbox import send_queued
from bot.senders import SimulatorSender
from core.chasing_runner import run_tick
from core.clock import FixedClock
from core.conversation_models import Message
from core.models import School
from core.schools import add_school
from tests.flows.harness import BotHarness
from tests.flows.test_chasing_day import mark_absent

# A term with no half term in late October, so a school day falls either side of the clocks
# going back (Sun 25 Oct 2026, 02:00 BST -> 01:00 GMT).
AUTUMN = """
school = "Clocks Primary"
timezone = "Europe/London"

[[terms]]
name = "Autumn 2026"
start = 2026-09-02
end = 2026-12-18
"""


def clocks_school(session: Session, clock: FixedClock, tmp_path: Path) -> BotHarness:
    """A school whose autumn term spans the October clock change, with the Smiths on roll."""
    calendar = tmp_path / "clocks.toml"
    calendar.write_text(AUTUMN)
    school, _ = add_school(session=session, clock=clock, name="Clocks Primary", slug="clocks",
                           calendar_file=calendar)
    session.commit()
    return BotHarness(session, school, clock)


def chases(session: Session) -> list[Message]:
    session.expire_all()
    return list(session.exec(select(Message).where(
        Message.template == "chase_first_day").order_by(col(Message.id))).all())


def test_two_ticks_at_once_send_one_chase(session: Session, school: School,
                                          clock: FixedClock) -> None:
    bot = BotHarness(session, school, clock)
    mark_absent(bot, date(2026, 11, 23), "Jack")
    bot.at("2026-11-23 09:30")
    engine = session.get_bind()
    barrier = threading.Barrier(4)

    def one_tick() -> None:
        barrier.wait()
        run_tick(engine, bot.clock())  # type: ignore[arg-type]

    threads = [threading.Thread(target=one_tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(chases(session)) == 1


def test_a_crash_after_queueing_sends_the_chase_once_on_restart(
        session: Session, school: School, clock: FixedClock) -> None:
    bot = BotHarness(session, school, clock)
    mark_absent(bot, date(2026, 11, 23), "Jack")
    bot.at("2026-11-23 09:30")
    engine = session.get_bind()
    run_tick(engine, bot.clock())  # type: ignore[arg-type]
    # The process dies here, before its outbox sends. A new one starts and ticks again.
    bot.at("2026-11-23 09:31")
    assert run_tick(engine, bot.clock()).chases == 0  # type: ignore[arg-type]
    sent = asyncio.run(send_queued(engine, {"simulator": SimulatorSender()},  # type: ignore[arg-type]
                                   bot.clock))
    again = asyncio.run(send_queued(engine, {"simulator": SimulatorSender()},  # type: ignore[arg-type]
                                    bot.clock))
    assert (sent, again) == (1, 0)
    assert [m.status for m in chases(session)] == ["delivered"]


def test_the_chase_stays_at_half_past_nine_when_the_clocks_go_back(
        session: Session, clock: FixedClock, tmp_path: Path) -> None:
    bot = clocks_school(session, clock, tmp_path)
    engine = session.get_bind()
    mark_absent(bot, date(2026, 10, 23), "Jack")  # Friday, British Summer Time
    mark_absent(bot, date(2026, 10, 26), "Jack")  # Monday, Greenwich Mean Time
    friday = datetime(2026, 10, 23, 8, 30, tzinfo=UTC)  # 09:30 BST
    assert run_tick(engine, friday).chases == 1  # type: ignore[arg-type]
    monday_early = datetime(2026, 10, 26, 8, 30, tzinfo=UTC)  # 08:30 GMT: too early now
    early = run_tick(engine, monday_early)  # type: ignore[arg-type]
    assert (early.chases, early.tasks) == (0, 0)
    monday = datetime(2026, 10, 26, 9, 30, tzinfo=UTC)  # 09:30 GMT
    # Day 2 of the absence: the default ladder's home-visit task, not a text.
    assert run_tick(engine, monday).tasks == 1  # type: ignore[arg-type]

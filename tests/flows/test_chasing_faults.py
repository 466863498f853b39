"""Faults around the tick: the database going away part way through, ticks running at once in
threads and in processes, and a clock that jumps forward, back, and across the clocks
changing. Whatever happens, no parent is chased twice and none is missed.

On PostgreSQL the database "restarts" under the tick: another connection terminates the tick's
server process (pg_terminate_backend) just after a chosen statement. On SQLite the statement's
hook raises instead. Either way the tick fails, and the next one finishes the morning.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from jinja2 import TemplateNotFound
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from bot.bench_chase import seed
from core import db
from core.attendance_models import ChaseAction
from core.chasing_runner import TickResult, run_tick
from core.clock import FixedClock
from core.conversation_models import Message
from core.models import School, StaffRole
from core.policy import LadderStep, Policy, StepAction
from tests.flows.harness import BotHarness
from tests.flows.test_chasing_day import mark_absent, tasks, tick
from tests.flows.test_chasing_safety import clocks_school
from tests.flows.test_chasing_scale import HALF_NINE, forget_the_tick, outcome

SARAH, JAMES = "+447700900001", "+447700900002"


class Crash(RuntimeError):
    """SQLite's stand-in for the database going away under a statement."""


def small_morning(engine: Engine) -> tuple[Any, ...]:
    """Four schools' morning, and what one uninterrupted tick at 09:30 makes of it."""
    seed(engine, schools=4, pupils=120, absences=30, seed=5)
    run_tick(engine, HALF_NINE)
    expected = outcome(engine)
    forget_the_tick(engine)
    return expected


@contextmanager
def dies_after(engine: Engine, statement: str, occurrence: int) -> Iterator[None]:
    """The database goes away just after the `occurrence`th statement starting so, and again
    after each one after it: down for the rest of the tick (which tries a failed batch again
    school by school)."""
    seen = 0
    admin = create_engine(engine.url, isolation_level="AUTOCOMMIT")

    def hook(connection: Any, cursor: Any, sql: str, *_: Any) -> None:
        nonlocal seen
        if not sql.lstrip().upper().startswith(statement):
            return
        seen += 1
        if seen < occurrence:
            return
        if engine.dialect.name == "sqlite":
            raise Crash(f"gone after {statement}")
        with admin.connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"),
                          {"pid": connection.connection.dbapi_connection.info.backend_pid})

    event.listen(engine, "after_cursor_execute", hook)
    try:
        yield
    finally:
        event.remove(engine, "after_cursor_execute", hook)
        admin.dispose()
    assert seen >= occurrence, f"the tick never ran {statement} {occurrence} times"


def orphans(engine: Engine) -> tuple[int, int]:
    """Keys without their text or task, and chase texts without their key: a crash must
    leave both or neither."""
    with Session(engine) as session:
        keys = session.exec(select(ChaseAction)).all()
        texts = session.exec(select(Message.id).where(Message.author == "bot")).all()
    bare = sum(1 for k in keys if k.message_id is None and k.task_id is None)
    return bare, len(set(texts) - {k.message_id for k in keys})


@pytest.mark.parametrize("statement", [
    "INSERT INTO CHASE_ACTION", "INSERT INTO CONVERSATION", "INSERT INTO MESSAGE",
    "UPDATE CHASE_ACTION", "INSERT INTO STAFF_TASK"])
def test_the_database_going_away_mid_tick_loses_nothing_and_repeats_nothing(
        engine: Engine, statement: str) -> None:
    expected = small_morning(engine)
    with dies_after(engine, statement, occurrence=2), pytest.raises((Crash, OperationalError)):
        run_tick(engine, HALF_NINE, batch_cases=8)  # a transaction a school or two
    assert orphans(engine) == (0, 0)
    assert outcome(engine) != expected  # the morning is part done
    run_tick(engine, HALF_NINE + timedelta(minutes=1))
    assert outcome(engine) == expected
    assert orphans(engine) == (0, 0)


def test_a_school_whose_letter_will_not_render_does_not_stop_the_others(
        engine: Engine) -> None:
    expected = small_morning(engine)
    with Session(engine) as session:
        broken = session.exec(select(School).order_by(col(School.id))).first()
        assert broken is not None
        ladder = (*Policy().escalation, LadderStep(
            name="letter-now", day=1, at=time(9, 0), action=StepAction.letter,
            role=StaffRole.office, template="no_such_letter"))
        broken.policy_json = Policy(escalation=ladder).model_dump_json(by_alias=True)
        session.add(broken)
        session.commit()
        broken_id = broken.id
    with pytest.raises(TemplateNotFound):
        run_tick(engine, HALF_NINE)  # one transaction for all four schools, at first
    keys, texts = outcome(engine)
    assert keys == {k for k in expected[0] if k[0] != broken_id}  # the other three: all done
    assert texts == [t for t in expected[1] if t[0] != broken_id]
    assert orphans(engine) == (0, 0)


def test_ticks_at_once_in_threads_chase_each_parent_once(engine: Engine) -> None:
    expected = small_morning(engine)
    barrier, results = threading.Barrier(4), []

    def one_tick() -> None:
        barrier.wait()
        results.append(run_tick(engine, HALF_NINE, batch_cases=5))

    threads = [threading.Thread(target=one_tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4  # none of them failed
    assert outcome(engine) == expected
    assert sum(r.chases for r in results) == len(expected[1])


def _tick_in_a_process(url: str, barrier: Any, results: Any) -> None:
    engine = db.make_engine(url)
    barrier.wait()
    result = run_tick(engine, HALF_NINE, batch_cases=5)
    results.put((result.chases, result.tasks))
    engine.dispose()


@pytest.mark.parametrize("engine", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_ticks_at_once_in_processes_chase_each_parent_once(engine: Engine) -> None:
    expected = small_morning(engine)
    # Forked, so each starts at once; each opens its own engine (never the parent's).
    fork = multiprocessing.get_context("fork")
    barrier, results = fork.Barrier(4), fork.Queue()
    url = engine.url.render_as_string(hide_password=False)
    workers = [fork.Process(target=_tick_in_a_process, args=(url, barrier, results))
               for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    counts = [results.get(timeout=5) for _ in workers]
    assert outcome(engine) == expected
    assert sum(chases for chases, _ in counts) == len(expected[1])


# --- The clock jumps ------------------------------------------------------------------------

@pytest.fixture
def bot(session: Session, school: School, clock: FixedClock) -> BotHarness:
    return BotHarness(session, school, clock)


def test_a_clock_jumping_over_half_past_nine_still_chases_once(bot: BotHarness) -> None:
    mark_absent(bot, date(2026, 11, 23), "Amelia", "Jack", "Stefan")
    assert tick(bot, "2026-11-23 09:00") == (0, 0)
    assert tick(bot, "2026-11-23 11:00") == (2, 1)  # Sarah (both), Elena; the DSL for Stefan
    assert tick(bot, "2026-11-23 11:00") == (0, 0)
    assert tick(bot, "2026-11-23 11:29") == (0, 0)  # the wait runs from the text, not 09:30
    assert tick(bot, "2026-11-23 11:30") == (1, 0)  # James
    assert tasks(bot) == [("Stefan", "dsl", "open")]


def test_a_jump_into_the_afternoon_does_what_is_due_once(bot: BotHarness) -> None:
    mark_absent(bot, date(2026, 11, 23), "Jack")
    assert tick(bot, "2026-11-23 08:00") == (0, 0)
    assert tick(bot, "2026-11-23 12:30") == (1, 1)  # the text, and the noon no-contact task
    assert tick(bot, "2026-11-23 12:31") == (0, 0)
    assert len(bot.replies(SARAH)) == 1 and tasks(bot) == [("Jack", "attendance_officer", "open")]


def test_a_clock_set_back_an_hour_repeats_nothing(bot: BotHarness) -> None:
    mark_absent(bot, date(2026, 11, 23), "Jack")
    assert tick(bot, "2026-11-23 09:30") == (1, 0)
    assert tick(bot, "2026-11-23 10:00") == (1, 0)  # James
    for again in ("09:00", "09:30", "09:45", "10:00", "10:15"):
        assert tick(bot, f"2026-11-23 {again}") == (0, 0)
    assert len(bot.replies(SARAH)) == len(bot.replies(JAMES)) == 1


def test_ticks_every_half_hour_across_the_clocks_going_back(
        session: Session, clock: FixedClock, tmp_path: Path) -> None:
    bot = clocks_school(session, clock, tmp_path)
    mark_absent(bot, date(2026, 10, 23), "Jack")  # Friday, British Summer Time
    mark_absent(bot, date(2026, 10, 26), "Jack")  # Monday, GMT: the clocks went back Sunday
    engine = session.get_bind()
    instant = datetime(2026, 10, 23, 7, 0, tzinfo=UTC)
    totals = TickResult()
    while instant <= datetime(2026, 10, 26, 13, 0, tzinfo=UTC):
        result = run_tick(engine, instant)  # type: ignore[arg-type]
        totals.chases += result.chases
        totals.tasks += result.tasks
        instant += timedelta(minutes=30)
    session.expire_all()
    keys = {(k.day.isoformat(), k.step.split(":")[0], k.created_at.strftime("%H:%M"))
            for k in session.exec(select(ChaseAction)).all()}
    assert keys == {
        ("2026-10-23", "chase-contacts", "08:30"),  # Sarah at 09:30 BST
        ("2026-10-23", "chase-contacts", "09:00"),  # James at 10:00 BST
        ("2026-10-23", "no-contact-day-1", "11:00"),  # noon BST
        ("2026-10-26", "home-visit-day-2", "09:30")}  # 09:30 GMT, not an hour early
    assert (totals.chases, totals.tasks) == (2, 2)

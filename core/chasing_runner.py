"""Running the chase: read every school's morning, plan each with the pure planner
(core.chasing), and carry the plans out (core.chasing_actions).

The work is set-based, so a tick over a thousand schools costs a few dozen statements, not a
few for every pupil: the morning of every school on a school day is read in a handful of
queries (core.chasing_queries, put together by core.chasing_state), and the plans are written
a batch of schools at a time (two batches at once on PostgreSQL), each batch in one
transaction that first takes its actions' keys (unique per school, pupil, day and step) and
then queues texts and opens tasks for the keys it won. A crash leaves a batch's keys and texts
both written or neither; two ticks at once act on each key once; the next tick picks up
whatever a failed one left.
"""

from __future__ import annotations

import logging
import time as timer
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, select

from core.chasing import plan
from core.chasing_actions import Done, carry_out
from core.chasing_rules import (
    CHANNEL_PREFERENCE,
    LIVE_REPORTS,
    LOOKBACK_DAYS,
    UNEXPLAINED,
    SchoolDay,
    covers,
    preferred_channel,
)
from core.chasing_state import Morning, load_mornings
from core.models import School
from core.schools import calendar_from_text, policy_from_text

__all__ = ["CHANNEL_PREFERENCE", "LIVE_REPORTS", "LOOKBACK_DAYS", "UNEXPLAINED", "TickResult",
           "covers", "preferred_channel", "run_tick"]

logger = logging.getLogger(__name__)
# Cases written a transaction: big enough that a national morning is a few transactions, small
# enough that a transaction holds its locks (new threads, keys) for well under a second.
BATCH_CASES = 2500
WRITERS = 2


@dataclass
class TickResult:
    chases: int = 0
    tasks: int = 0
    cancelled: int = 0


def run_tick(engine: Engine, now: datetime, *, batch_cases: int = BATCH_CASES) -> TickResult:
    """One pass over every school as at the aware instant `now`.

    A school that cannot be chased (a policy's letter that will not render, a calendar that
    will not read) must not stop the others: a batch that fails is tried again a school at a
    time, and once every other school is done the first error is raised, for the caller to
    count and log. Whatever failed is tried again by the next tick."""
    started = timer.perf_counter()
    errors: list[Exception] = []
    with engine.connect() as connection:
        schools = school_days(connection, now, errors)
    mornings = load_mornings(engine, schools) if schools else []
    loaded = timer.perf_counter()
    result = TickResult()
    for done in _write_all(engine, list(_batches(mornings, batch_cases)), now, errors):
        result.chases += done.chases
        result.tasks += done.tasks
        result.cancelled += done.cancelled
    logger.debug("tick: %d schools on a school day, %d cases; read in %.2f s, planned and "
                 "written in %.2f s", len(schools), sum(len(m.state.cases) for m in mornings),
                 loaded - started, timer.perf_counter() - loaded)
    if errors:
        raise errors[0]
    return result


def _write_all(engine: Engine, batches: list[list[Morning]], now: datetime,
               errors: list[Exception]) -> list[Done]:
    """Each batch in a transaction of its own; a batch that fails, again school by school."""
    done = []
    for batch, outcome in zip(batches, _attempts(engine, batches, now), strict=True):
        if isinstance(outcome, Done):
            done.append(outcome)
        elif len(batch) == 1:
            logger.error("tick: school %d failed", batch[0].school.id, exc_info=outcome)
            errors.append(outcome)
        else:
            logger.warning("tick: a batch of %d schools failed (%r); trying them one by one",
                           len(batch), outcome)
            done += _write_all(engine, [[morning] for morning in batch], now, errors)
    return done


def _attempts(engine: Engine, batches: list[list[Morning]], now: datetime
              ) -> list[Done | Exception]:
    """Each batch's outcome. Batches are whole schools, so no two share a row: on PostgreSQL
    two run at once, one planning and rendering while the server writes the other; SQLite
    has a single writer (and an in-memory database is one thread's)."""
    def attempt(batch: list[Morning]) -> Done | Exception:
        try:
            return _write(engine, batch, now)
        except Exception as error:  # the caller logs it, carries on, and raises it at the end
            return error

    if engine.dialect.name != "postgresql" or len(batches) < 2:
        return [attempt(batch) for batch in batches]
    with ThreadPoolExecutor(WRITERS, thread_name_prefix="tick") as pool:
        return list(pool.map(attempt, batches))


def _write(engine: Engine, batch: list[Morning], now: datetime) -> Done:
    """Plan a batch of schools and carry the plans out, in one transaction."""
    plans = [(morning, plan(morning.state, morning.school.policy)) for morning in batch]
    with engine.begin() as connection:
        return carry_out(connection, plans, now)


def school_days(connection: Connection, now: datetime,
                errors: list[Exception]) -> list[SchoolDay]:
    """The schools for which `now` falls on a school day, with their policy and local time
    (parsed once per process for each stored policy and calendar: core.schools)."""
    found = []
    for row in connection.execute(select(
            School.id, School.name, School.policy_json, School.calendar_json,
            School.calendar_source).order_by(School.id)):
        try:
            calendar = calendar_from_text(row.calendar_json, row.calendar_source)
            policy = policy_from_text(row.policy_json)
        except ValueError as error:  # pydantic's ValidationError: a stored file that no
            logger.error("tick: school %d's policy or calendar does not read", row.id,
                         exc_info=error)  # longer reads under this version
            errors.append(error)
            continue
        today = calendar.local_date(now)
        if calendar.is_school_day(today):
            found.append(SchoolDay(row.id, row.name, calendar, policy, today,
                                   calendar.local_time(now).replace(tzinfo=None)))
    return found


def _batches(mornings: list[Morning], size: int) -> Iterator[list[Morning]]:
    """Whole schools, about `size` cases a batch; schools with nothing open or done skipped."""
    batch: list[Morning] = []
    cases = 0
    for morning in mornings:
        if not morning.state.cases and not morning.done:
            continue
        batch.append(morning)
        cases += len(morning.state.cases)
        if cases >= size:
            yield batch
            batch, cases = [], 0
    if batch:
        yield batch

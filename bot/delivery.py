"""Handing inbound messages to the conversation service and running the outbox, in the app.

Handlers call `accept(state, inbound)`: the message joins the process's inbound queue, read
in batches in worker threads (the service is synchronous), then the outbox loop is woken so
the reply leaves at once. The loop
also wakes every few seconds, so a message left queued by a provider error, or queued by
another process, is tried again. `rollcall worker` runs the same loops without the web app.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from contextlib import suppress
from typing import Any

from anyio import to_thread
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from bot.inbox import Received, receive_many
from bot.metrics import (
    INBOUND_BATCHES,
    INBOUND_LEFT_UNREAD,
    INBOUND_READS,
    TICK_FAILURES,
    TICKS,
)
from bot.outbox import Outbox
from bot.unread import read_left_behind
from core.chasing_runner import run_tick
from core.clock import Clock
from core.conversations import Inbound, UnknownAddress
from core.scheduled_jobs import ScheduledJobs

logger = logging.getLogger(__name__)
Outcome = Received | UnknownAddress | None
RETRY_SECONDS = 5.0
TICK_SECONDS = 60.0
STOP_SECONDS = 5.0  # what a stopping process gives sends in flight; then they are cancelled
WEB_CONCURRENCY = 32  # sends in flight at once from a web process (a worker sets its own)
# Inbound messages are read in batches (bot.inbox.receive_many): a transaction and a commit
# for every message that arrived while the batch before was being read, not two for each.
# One reader a process: a second split the batches in two and took turns with the first at
# the GIL (rollcall bench inbound on 2 cores: 417 texts/s with two readers a process, 514
# with one). Run more processes to use more cores; each reader holds one connection.
INBOUND_THREADS = 1
INBOUND_BATCH = 50  # most messages in one batch: its replies wait for the slowest of them


async def accept(state: Any, inbound: Inbound) -> Received | None:
    """Store and handle one inbound message; None when it is a provider's retry.
    UnknownAddress when no school here has the address it was sent to."""
    outcome = await _inbound_queue(state).read(inbound)
    wake(state)
    if isinstance(outcome, UnknownAddress):
        raise outcome
    return outcome


class InboundQueue:
    """Messages waiting to be read, taken in arrival order by up to `threads` readers at a
    time, each reading whatever has arrived (up to `most`) as one batch. At a quiet moment a
    message is read at once, alone; when many arrive together, they wait only for the batch
    in hand to finish."""

    def __init__(self, engine: Engine, clock: Clock, *, threads: int = INBOUND_THREADS,
                 most: int = INBOUND_BATCH) -> None:
        self.engine, self.clock, self.threads, self.most = engine, clock, threads, most
        self.waiting: deque[tuple[Inbound, asyncio.Future[Outcome]]] = deque()
        self.readers: set[asyncio.Task[None]] = set()

    async def read(self, inbound: Inbound) -> Outcome:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self.waiting.append((inbound, future))
        if len(self.readers) < self.threads:
            self.readers.add(asyncio.create_task(self._reader()))
        return await future

    async def _reader(self) -> None:
        try:
            await self._read_while_waiting()
        finally:
            # In the same step as the last look at `waiting`: a message that arrives after
            # it finds this reader gone and starts another.
            self.readers.discard(asyncio.current_task())  # type: ignore[arg-type]

    async def _read_while_waiting(self) -> None:
        while self.waiting:
            batch = [self.waiting.popleft() for _ in range(min(self.most, len(self.waiting)))]
            try:
                outcomes = await to_thread.run_sync(self._read, [item for item, _ in batch])
            except Exception as error:  # every request in the batch answers with the error
                outcomes = [error] * len(batch)
            except BaseException:  # the process is stopping: so are the requests
                for _, future in batch:
                    future.cancel()
                raise
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():  # the request went away
                    continue
                if isinstance(outcome, Exception) and not isinstance(outcome, UnknownAddress):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    def _read(self, inbounds: list[Inbound]) -> list[Outcome]:
        INBOUND_BATCHES.observe(len(inbounds))
        with INBOUND_READS.time(), Session(self.engine) as session:
            return list(receive_many(session, inbounds, self.clock))


def _inbound_queue(state: Any) -> InboundQueue:
    """The process's queue of inbound messages, made in (and kept for) the running loop."""
    loop = asyncio.get_running_loop()
    made: tuple[asyncio.AbstractEventLoop, InboundQueue] | None = getattr(
        state, "inbound_queue", None)
    if made is None or made[0] is not loop:
        made = state.inbound_queue = (loop, InboundQueue(state.engine, state.clock))
    return made[1]


def read_unread(engine: Engine, clock: Clock) -> int:
    """Pick up what a stopped process left stored but unread (bot.unread.read_left_behind)."""
    with Session(engine) as session:
        read = read_left_behind(session, clock)
    INBOUND_LEFT_UNREAD.inc(read)
    return read


def wake(state: Any) -> None:
    event: asyncio.Event | None = getattr(state, "outbox_wake", None)
    if event is not None:
        event.set()


async def tick_loop(state: Any) -> None:
    """Run the chase tick every minute; it is idempotent, so every process may run it. The
    ladder and the outbreak check ride on it, each at its own pace (core.scheduled_jobs), and
    so does the look for messages a stopped process stored but never read."""
    jobs = ScheduledJobs()
    while True:
        await asyncio.sleep(TICK_SECONDS)  # the first a minute after start-up
        try:
            if await run_in_threadpool(read_unread, state.engine, state.clock):
                wake(state)
        except Exception:
            TICK_FAILURES.inc()
            logger.exception("reading messages left unread failed; the next tick will try")
        try:
            with TICKS.time():
                result = await run_in_threadpool(run_tick, state.engine, state.clock())
            if result.chases or result.tasks:
                logger.info("tick: %d chases queued, %d tasks opened", result.chases,
                            result.tasks)
            wake(state)
        except Exception:
            TICK_FAILURES.inc()
            logger.exception("tick failed; the next one will try again")
        try:  # apart from the chase, so a ladder fault never holds a chase back
            await run_in_threadpool(jobs.run_due, state.engine, state.clock())
        except Exception:
            TICK_FAILURES.inc()
            logger.exception("ladder or outbreak check failed; the next tick will try again")


async def outbox_loop(state: Any, poll: float = RETRY_SECONDS) -> None:
    """Send queued messages whenever woken, and every `poll` seconds regardless, until the
    outbox is stopped."""
    outbox: Outbox = state.outbox
    state.outbox_wake = asyncio.Event()
    while not outbox.stopping:
        with suppress(TimeoutError):
            await asyncio.wait_for(state.outbox_wake.wait(), poll)
        state.outbox_wake.clear()
        if outbox.stopping:
            break
        try:
            await outbox.send_queued()
        except Exception:
            logger.exception("outbox pass failed; trying again shortly")


async def stop_loops(state: Any, *, outbox: asyncio.Task[None] | None,
                     tick: asyncio.Task[None] | None, seconds: float = STOP_SECONDS) -> None:
    """Stop the outbox and the tick within about `seconds`: sends already with a provider may
    finish and be recorded, nothing new is claimed, and whatever still runs after that is
    cancelled (its rows' leases lapse, and another process sends them)."""
    sender: Outbox | None = getattr(state, "outbox", None)
    if sender is not None:
        sender.stop()
        wake(state)
    if tick is not None:
        tick.cancel()  # the tick is idempotent: one cut short is done again by the next
    tasks = [task for task in (outbox, tick) if task is not None]
    if tasks:
        _, running = await asyncio.wait(tasks, timeout=seconds)
        for task in running:
            task.cancel()
        if running:
            _, stuck = await asyncio.wait(running, timeout=1.0)
            if stuck:
                logger.warning("%d background task(s) did not stop in time", len(stuck))
    if sender is not None:
        sender.close()

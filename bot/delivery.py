"""Handing inbound messages to the conversation service and running the outbox, in the app.

Handlers call `accept(state, inbound)`: the database work runs in a worker thread (the
service is synchronous), then the outbox loop is woken so the reply leaves at once. The loop
also wakes every few seconds, so a message left queued by a provider error, or queued by
another process, is tried again. `rollcall worker` runs the same loops without the web app.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any

from anyio import CapacityLimiter, to_thread
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from bot.inbox import Received, receive
from bot.metrics import TICK_FAILURES, TICKS
from bot.outbox import Outbox
from core.chasing_runner import run_tick
from core.conversations import Inbound
from core.scheduled_jobs import ScheduledJobs

logger = logging.getLogger(__name__)
RETRY_SECONDS = 5.0
TICK_SECONDS = 60.0
STOP_SECONDS = 5.0  # what a stopping process gives sends in flight; then they are cancelled
WEB_CONCURRENCY = 32  # sends in flight at once from a web process (a worker sets its own)
# Inbound messages read at once in a process. Each holds a thread and a database connection;
# the work is mostly Python, so on a couple of cores more threads than this only take turns
# at the GIL (anyio's shared pool of 40 let every request in flight start at once, and each
# then took longer). Requests beyond it wait, in order, without holding a thread.
INBOUND_THREADS = 8


async def accept(state: Any, inbound: Inbound) -> Received | None:
    """Store and handle one inbound message; None when it is a provider's retry."""
    def work() -> Received | None:
        with Session(state.engine) as session:
            return receive(session, inbound, state.clock)

    result = await to_thread.run_sync(work, limiter=_inbound_limiter(state))
    wake(state)
    return result


def _inbound_limiter(state: Any) -> CapacityLimiter:
    """The process's limiter for inbound work, made in (and kept for) the running loop."""
    loop = asyncio.get_running_loop()
    made: tuple[asyncio.AbstractEventLoop, CapacityLimiter] | None = getattr(
        state, "inbound_limiter", None)
    if made is None or made[0] is not loop:
        made = state.inbound_limiter = (loop, CapacityLimiter(INBOUND_THREADS))
    return made[1]


def wake(state: Any) -> None:
    event: asyncio.Event | None = getattr(state, "outbox_wake", None)
    if event is not None:
        event.set()


async def tick_loop(state: Any) -> None:
    """Run the chase tick every minute; it is idempotent, so every process may run it. The
    ladder and the outbreak check ride on it, each at its own pace (core.scheduled_jobs)."""
    jobs = ScheduledJobs()
    while True:
        await asyncio.sleep(TICK_SECONDS)  # the first a minute after start-up
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

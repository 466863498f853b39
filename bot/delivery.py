"""Handing inbound messages to the conversation service and running the outbox, in the app.

Handlers call `accept(state, inbound)`: the database work runs in a worker thread (the
service is synchronous), then the outbox loop is woken so the reply leaves at once. The loop
also wakes every few seconds, so a message left queued by a provider error is tried again.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from bot.inbox import Received, receive
from bot.metrics import TICK_FAILURES, TICKS
from bot.outbox import send_queued
from core.chasing_runner import run_tick
from core.conversations import Inbound

logger = logging.getLogger(__name__)
RETRY_SECONDS = 5.0
TICK_SECONDS = 60.0


async def accept(state: Any, inbound: Inbound) -> Received | None:
    """Store and handle one inbound message; None when it is a provider's retry."""
    def work() -> Received | None:
        with Session(state.engine) as session:
            return receive(session, inbound, state.clock)

    result = await run_in_threadpool(work)
    wake(state)
    return result


def wake(state: Any) -> None:
    event: asyncio.Event | None = getattr(state, "outbox_wake", None)
    if event is not None:
        event.set()


async def tick_loop(state: Any) -> None:
    """Run the chase tick every minute; it is idempotent, so every process may run it."""
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


async def outbox_loop(state: Any) -> None:
    """Send queued messages whenever woken, and every few seconds regardless."""
    state.outbox_wake = asyncio.Event()
    while True:
        with suppress(TimeoutError):
            await asyncio.wait_for(state.outbox_wake.wait(), RETRY_SECONDS)
        state.outbox_wake.clear()
        try:
            await send_queued(state.engine, state.senders, state.clock)
        except Exception:
            logger.exception("outbox pass failed; trying again shortly")

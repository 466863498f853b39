"""`rollcall worker`: a process that only sends, so sending scales apart from the web pages.

Run as many as the providers' rates and the database allow, beside web processes started
with ROLLCALL_OUTBOX_IN_WEB=false, all on one PostgreSQL database; set
ROLLCALL_OUTBOX_PROCESSES to the number of sending processes so their rate shares add up.
Each worker claims batches of due messages under a lease (core.outbox_claims), sends them
concurrently, and runs the chase tick every minute (idempotent, so every worker may) unless
told not to. SIGTERM or Ctrl-C stops it: nothing new is claimed, sends already with a provider
finish and are recorded, the rest go back to the outbox, and it exits 0 with a line of counts.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy import Engine

from bot.delivery import outbox_loop, stop_loops, tick_loop
from bot.outbox import Counts, Outbox, process_name
from bot.senders import build_senders, close_senders
from core import db
from core.clock import Clock, system_clock
from core.settings import Settings

logger = logging.getLogger(__name__)
POLL_SECONDS = 1.0  # a worker hears of nothing new: it looks at the outbox this often
# A stopping worker waits for sends in flight longer than Twilio's 15 s time-out: a send cut
# short after the provider took it would go out again when its lease lapses.
STOP_SECONDS = 20.0


@dataclass
class WorkerState:
    """What the shared loops (bot/delivery.py) read, as the web app's state gives them."""

    engine: Engine
    clock: Clock
    outbox: Outbox
    outbox_wake: asyncio.Event | None = None


async def run_worker(settings: Settings, *, concurrency: int = 64, batch: int = 50,
                     lease: timedelta = timedelta(seconds=60), tick: bool = True,
                     clock: Clock = system_clock) -> Counts:
    """Send (and tick) until SIGTERM or SIGINT; what this worker did."""
    engine = db.make_engine(settings.database_url)
    if settings.migrate_on_start:
        db.upgrade(engine)
    senders = build_senders(settings, threads=concurrency)
    outbox = Outbox(engine, senders, clock, concurrency=concurrency, batch=batch, lease=lease,
                    processes=settings.outbox_processes)
    state = WorkerState(engine, clock, outbox)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    logger.info("worker %s: sending %s; concurrency %d, batch %d, lease %.0f s, 1/%d of each "
                "rate; chase tick %s", process_name(), ", ".join(senders) or "nothing",
                concurrency, batch, lease.total_seconds(), settings.outbox_processes,
                "on" if tick else "off")
    sending = asyncio.create_task(outbox_loop(state, poll=POLL_SECONDS))
    ticking = asyncio.create_task(tick_loop(state)) if tick else None
    try:
        await stop.wait()
        logger.info("worker %s: stopping; finishing sends in flight", process_name())
        await stop_loops(state, outbox=sending, tick=ticking, seconds=STOP_SECONDS)
    finally:
        await close_senders(senders)
        engine.dispose()
    return outbox.counts


def worker_command(
    concurrency: Annotated[int, typer.Option(
        min=1, help="Messages with providers at once (and the Twilio sender's threads).")] = 64,
    batch: Annotated[int, typer.Option(min=1, help="Messages claimed at a time.")] = 50,
    lease_seconds: Annotated[float, typer.Option(
        min=1.0, help="How long a claim lasts: a worker that dies holds its messages this "
        "long before another sends them.")] = 60.0,
    tick: Annotated[bool, typer.Option(
        "--tick/--no-tick", help="Also run the chase tick every minute.")] = True,
) -> None:
    """Send queued messages (and run the chase tick) until SIGTERM or Ctrl-C."""
    settings = Settings()
    counts = asyncio.run(run_worker(settings, concurrency=concurrency, batch=batch,
                                    lease=timedelta(seconds=lease_seconds), tick=tick))
    logger.info("worker %s stopped: %d sent, %d to retry, %d failed, %d given back unsent, "
                "%d taken over by another worker", process_name(), counts.sent,
                counts.retried, counts.failed, counts.released, counts.lost)

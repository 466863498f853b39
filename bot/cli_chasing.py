"""`rollcall tick`: one pass of the chase, as at a given local time, sending what it queued."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from bot.app import create_app
from bot.delivery import read_unread
from bot.outbox import send_queued
from core import db
from core.chasing_runner import run_tick
from core.clock import FixedClock, system_clock
from core.scheduled_jobs import ScheduledJobs
from core.settings import Settings


def tick_command(
    now: Annotated[str | None, typer.Option(
        "--now", help="Run as at this local (Europe/London) time, e.g. 2026-11-23T09:30, to "
        "replay a morning; default: now.")] = None,
) -> None:
    """Run the chase once (chase texts, next contacts, staff tasks) and send what it queued;
    then the ladder's weekly proposals (from 07:00) and the outbreak check (09:00-16:59).
    Messages a stopped process stored but never read are read first."""
    settings = Settings()
    instant = _instant(now) if now else system_clock()
    clock = FixedClock(instant)
    app = create_app(settings, clock=clock)
    engine = app.state.engine
    db.upgrade(engine)
    unread = read_unread(engine, clock)
    result = run_tick(engine, instant)
    jobs = ScheduledJobs().run_due(engine, instant)
    sent = asyncio.run(send_queued(engine, app.state.senders, clock))
    typer.echo(f"Tick at {instant.astimezone(_london()):%Y-%m-%d %H:%M} London: "
               f"{result.chases} chase message(s) queued, {result.tasks} task(s) opened, "
               f"{result.cancelled} cancelled; {sent} message(s) sent.")
    if unread:
        typer.echo(f"Picked up {unread} message(s) that a stopped process had stored but not "
                   "read (read now, or left for staff).")
    if jobs.ran:
        typer.echo(f"Ladder: {jobs.ladder_steps} step(s) proposed; outbreaks: {jobs.outbreaks} "
                   "flagged." if "outbreaks" in jobs.ran else
                   f"Ladder: {jobs.ladder_steps} step(s) proposed.")


def _london() -> ZoneInfo:
    return ZoneInfo("Europe/London")


def _instant(text: str) -> datetime:
    try:
        local = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date and time like 2026-11-23T09:30",
                                 param_hint="--now") from None
    if local.tzinfo is None:
        local = local.replace(tzinfo=_london())
    return local

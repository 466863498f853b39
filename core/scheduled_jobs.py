"""The jobs the tick carries besides the chase: the attendance ladder's weekly proposals and
the outbreak check.

The tick runs every minute in every process; these need not, and at a thousand schools they
should not. Each process runs the ladder at most once a London day, from 07:00 (the ladder
itself proposes once a week per school, keyed in the database, so a second process or a
restart proposes nothing new), and the outbreak check at most once an hour while reports come
in, 09:00 to 16:59 (each cluster's task has a natural key, so two processes flag it once).
A job that fails is tried again at the next tick rather than waiting a day or an hour.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from core.ladder_runner import run_ladder
from core.outbreak_tasks import check_outbreaks

logger = logging.getLogger(__name__)
LONDON = ZoneInfo("Europe/London")
LADDER_FROM_HOUR = 7
OUTBREAK_HOURS = range(9, 17)


@dataclass
class JobsDone:
    ladder_steps: int = 0
    outbreaks: int = 0
    ran: list[str] = field(default_factory=list)


@dataclass
class ScheduledJobs:
    """What this process has already run; one instance lives as long as the process."""

    ladder_day: date | None = None
    outbreak_hour: tuple[date, int] | None = None

    def run_due(self, engine: Engine, now: datetime) -> JobsDone:
        local = now.astimezone(LONDON)
        done = JobsDone()
        if local.hour >= LADDER_FROM_HOUR and self.ladder_day != local.date():
            done.ladder_steps = run_ladder(engine, now)
            self.ladder_day = local.date()
            done.ran.append("ladder")
        hour = (local.date(), local.hour)
        if local.hour in OUTBREAK_HOURS and self.outbreak_hour != hour:
            done.outbreaks = sum(f.opened for f in check_outbreaks(engine, now))
            self.outbreak_hour = hour
            done.ran.append("outbreaks")
        if done.ladder_steps or done.outbreaks:
            logger.info("scheduled jobs: %d ladder step(s) proposed, %d outbreak(s) flagged",
                        done.ladder_steps, done.outbreaks)
        return done

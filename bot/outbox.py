"""The outbox: queued outgoing messages are sent by their channel's sender.

Any number of processes may send from one outbox. Each claims a batch of due rows with a lease
(core.outbox_claims), sends them concurrently up to its concurrency limit, and writes each
outcome only while the lease is still its own. A provider error that may pass (a 5xx, a 429, a
time-out) leaves the row queued with an exponential backoff (or the wait the provider asked
for), up to five attempts; one that will not pass (a bad number, a blocked bot) fails it at
once. A message that never got through becomes a staff task, so a parent is telephoned
instead, and the thread needs attention.

Rates: each process keeps to its share of each provider's pace (bot/senders/rates.py): per
sending number on Twilio, per bot and per chat on Telegram. A school's morning chase queues its
texts together, so a claim takes only a few of each school's; rows a process could not send
within RATE_HORIZON at their number's rate are given straight back, and its next claims pass
over that school until it catches up, so one busy number never holds up the rest.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from itertools import count
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.metrics import SENDS
from bot.outbox_rows import Claimed, give_back, load, write_refusal, write_sent
from bot.senders import Sender, SendError, Sent
from bot.senders.rates import PER_NUMBER, RateLimiter, Rates
from core.clock import Clock
from core.outbox_claims import claim

logger = logging.getLogger(__name__)
T = TypeVar("T")
# A row is only handed to the provider while this much of its lease is left: a send (Twilio's
# time-out is 15 s) must finish well before another process may take the row.
LEASE_SPARE = 0.25
RATE_HORIZON = 5.0  # seconds a claimed row may wait for its rate slot before it is given back
RECORD_RETRIES = (0.5, 1.0, 2.0)  # seconds between tries at recording sends the provider took


@dataclass
class Counts:
    """What this process did, for the log line a worker writes when it stops."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0  # given back unsent: stopping, rate-bound, or too little lease left
    lost: int = 0  # sent, but another process had taken the row: a duplicate was possible

    def add(self, outcome: str, n: int = 1) -> None:
        setattr(self, outcome, getattr(self, outcome) + n)


def process_name() -> str:
    """This process, as lease owners name it: host and pid (so staff can tell who held it)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


class Outbox:
    """One process's sender of the shared outbox."""

    def __init__(self, engine: Engine, senders: dict[str, Sender], clock: Clock, *,
                 concurrency: int = 32, batch: int = 50,
                 lease: timedelta = timedelta(seconds=60), processes: int = 1,
                 database_threads: int = 4) -> None:
        self.engine, self.senders, self.clock = engine, senders, clock
        self.concurrency, self.batch, self.lease = concurrency, batch, lease
        self.rates = Rates(processes)
        self.counts = Counts()
        self.stopping = False
        self._stopped = asyncio.Event()
        self._name, self._claims = process_name(), count(1)
        self._slots: asyncio.Semaphore | None = None
        self._waiting = 0  # claimed rows sleeping until their rate slot
        self._unrecorded: list[tuple[Claimed, Sent, asyncio.Future[str]]] = []
        self._recording = False
        self._recorder: asyncio.Task[None] | None = None  # held: the loop keeps only weak refs
        self.most_pending = max(10 * batch, concurrency + batch)
        # How long a claimed row may wait for its rate slot (well inside its lease), and how
        # many of one school's rows a claim takes: what this process may send from the
        # school's number in half that time. A school with that much still waiting here is
        # passed over by the next claims, so another claim's worth always fits.
        self._horizon = min(RATE_HORIZON, lease.total_seconds() / 2)
        self._per_school = max(1, int(self.rates.share("sms") * self._horizon / 2))
        self._room = self._horizon - self._per_school / self.rates.share("sms")
        # (channel, school or None for a channel-wide rate) -> when its backlog clears.
        self._busy: dict[tuple[str, int | None], float] = {}
        # The database work of sending (claims, outcomes) has threads of its own, so neither
        # it nor the providers' calls wait behind the other.
        self._database = ThreadPoolExecutor(database_threads, thread_name_prefix="outbox-db")

    def stop(self) -> None:
        """Claim nothing more; rows not yet handed to a provider are given back."""
        self.stopping = True
        self._stopped.set()

    def close(self) -> None:
        self._database.shutdown(wait=False, cancel_futures=True)

    async def send_queued(self) -> int:
        """Send what is queued and due until nothing more is; the number of messages sent."""
        self._slots = self._slots or asyncio.Semaphore(self.concurrency)
        before = self.counts.sent
        pending: set[asyncio.Task[None]] = set()
        try:
            while not self.stopping:
                # Claim while fewer rows are ready to go than may be with providers at once;
                # rows waiting for their number's rate do not count, up to a bound.
                ready = len(pending) - self._waiting
                if ready <= self.concurrency and len(pending) < self.most_pending:
                    rows = await self._in_thread(self._claim, self.batch, *self._skip())
                    pending.update(self._start(rows))
                    # Fewer than asked may only mean other processes took the rest: the
                    # outbox is drained (bar rate-bound rows) when a claim finds nothing.
                    if not rows:
                        if not self._busy:
                            break
                        wait = max(0.05, min(self._busy.values()) - time.monotonic())
                        if pending:
                            _, pending = await asyncio.wait(pending, timeout=wait)
                        else:
                            with suppress(TimeoutError):
                                await asyncio.wait_for(self._stopped.wait(), wait)
                        continue
                    if len(pending) - self._waiting <= self.concurrency:
                        continue
                _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if pending:
                await asyncio.wait(pending)
        except asyncio.CancelledError:
            for task in pending:  # their rows keep their leases and go out when they lapse
                task.cancel()
            raise
        return self.counts.sent - before

    def _skip(self) -> tuple[list[str], dict[str, set[int]]]:
        """The channels to claim from, and the schools on each this process is already
        sending as fast as it may."""
        now = time.monotonic()
        self._busy = {key: free for key, free in self._busy.items() if free > now}
        skip: dict[str, set[int]] = {}
        for channel, school in self._busy:
            if school is not None:
                skip.setdefault(channel, set()).add(school)
        return [c for c in self.senders if (c, None) not in self._busy], skip

    def _start(self, rows: list[Claimed]) -> list[asyncio.Task[None]]:
        """A task per row that can go within the horizon (its rate slot taken now, in claim
        order); the rest go back to the outbox in one task."""
        tasks, later, now = [], [], time.monotonic()
        touched = {}
        for row in rows:
            out = row.outgoing
            limiter = self.rates.limiter(out.channel, out.from_address)
            key = (out.channel, row.message.school_id if out.channel in PER_NUMBER else None)
            touched[key] = limiter
            if limiter.next_any - now > self._horizon:
                later.append(row)
            else:
                delay = limiter.reserve(out.to)
                self._waiting += delay > 0  # _deliver counts it out when the slot comes
                tasks.append(asyncio.create_task(self._deliver(row, limiter, delay)))
        for key, limiter in touched.items():
            if limiter.next_any - now > self._room:
                self._busy[key] = max(self._busy.get(key, 0.0), limiter.next_any - self._room)
        if later:
            tasks.append(asyncio.create_task(self._give_back(later)))
        return tasks

    async def _in_thread(self, work: Callable[..., T], *args: object) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._database, work, *args)

    def _claim(self, limit: int, channels: list[str],
               skip: dict[str, set[int]]) -> list[Claimed]:
        now = self.clock()
        owner, until = f"{self._name}#{next(self._claims)}", now + self.lease
        with self.engine.begin() as connection:
            ids = claim(connection, owner=owner, channels=channels, now=now,
                        lease_until=until, limit=limit, per_school=self._per_school,
                        skip=skip)
        return load(self.engine, ids, owner=owner, lease_until=until, now=now) if ids else []

    async def _deliver(self, row: Claimed, limiter: RateLimiter, delay: float) -> None:
        try:
            if delay > 0:  # waiting for the rate slot, but not past a request to stop
                try:
                    with suppress(TimeoutError):
                        await asyncio.wait_for(self._stopped.wait(), delay)
                finally:
                    self._waiting -= 1
            if not self.stopping:
                await limiter.keep_spacing()
            assert self._slots is not None
            async with self._slots:
                if self.stopping or self.clock() >= row.lease_until - self.lease * LEASE_SPARE:
                    await self._give_back([row])
                    return
                started = time.perf_counter()
                try:
                    result: Sent | SendError = await self.senders[row.outgoing.channel].send(
                        row.outgoing)
                except SendError as error:
                    result = error
                seconds = time.perf_counter() - started
            outcome = await (self._record_sent(row, result) if isinstance(result, Sent) else
                             self._in_thread(write_refusal, self.engine, row, result,
                                             self.clock()))
            SENDS.labels(row.outgoing.channel, _LABELS[outcome]).observe(seconds)
            self.counts.add(outcome)
        except Exception:
            # A fault of ours, not the provider's: the row keeps its lease and is tried again
            # when the lease lapses, so it is neither lost nor retried in a tight loop.
            logger.exception("message %s: sending failed unexpectedly", row.message.id)

    async def _give_back(self, rows: Iterable[Claimed]) -> None:
        by_owner: dict[str, list[int]] = {}
        for row in rows:
            by_owner.setdefault(row.owner, []).append(row.message.id or 0)
        for owner, ids in by_owner.items():
            await self._in_thread(give_back, self.engine, owner, ids)
            self.counts.add("released", len(ids))

    async def _record_sent(self, row: Claimed, sent: Sent) -> str:
        """Record a send the provider took. Sends finishing together share one transaction:
        while one is being written, the next ones gather for the one after."""
        done = asyncio.get_running_loop().create_future()
        self._unrecorded.append((row, sent, done))
        if not self._recording:
            self._recording = True
            self._recorder = asyncio.create_task(self._record_gathered())
        outcome: str = await done
        return outcome

    async def _record_gathered(self) -> None:
        try:
            while self._unrecorded:
                batch, self._unrecorded = self._unrecorded, []
                try:
                    outcomes = await self._write_sent([(row, sent) for row, sent, _ in batch])
                except Exception as error:
                    for *_, done in batch:
                        if not done.done():  # (a cancelled send no longer waits)
                            done.set_exception(error)
                    continue
                for (*_, done), outcome in zip(batch, outcomes, strict=True):
                    if not done.done():
                        done.set_result(outcome)
        finally:
            self._recording = False

    async def _write_sent(self, batch: list[tuple[Claimed, Sent]]) -> list[str]:
        # The provider has these: a record that fails now means each goes again when its
        # lease lapses. A database that blinks gets a few more tries first.
        for wait in RECORD_RETRIES:
            try:
                return await self._in_thread(write_sent, self.engine, batch, self.clock())
            except SQLAlchemyError:
                logger.warning("recording %d sends failed; trying again in %s s", len(batch),
                               wait, exc_info=True)
                await asyncio.sleep(wait)
        return await self._in_thread(write_sent, self.engine, batch, self.clock())


_LABELS = {"sent": "sent", "retried": "retry", "failed": "failed", "lost": "lost"}


async def send_queued(engine: Engine, senders: dict[str, Sender], clock: Clock) -> int:
    """One pass of the outbox by a process of its own (`rollcall tick`, tests); messages sent."""
    outbox = Outbox(engine, senders, clock)
    try:
        return await outbox.send_queued()
    finally:
        outbox.close()

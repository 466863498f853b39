"""`rollcall bench outbound`: many schools' texts through `rollcall worker` processes.

Queues a morning's texts school by school (as the chase tick writes them: each school's
together), starts the workers as real processes against a stand-in for Twilio that answers
every call after 100 ms, lets the texts go at once, and stops the workers when the outbox is
empty. It prints how fast they went out, how long each waited from queued to recorded sent,
every duplicate the stand-in saw, and the fastest any one sending number was used.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl

import typer
from sqlalchemy import Engine, Table, func, insert, select, update
from sqlmodel import Session

from bot.senders.rates import RATES
from core import db
from core.clock import FixedClock
from core.conversation_models import Conversation, Message
from core.models import School, SchoolChannel
from core.schools import add_school

ACCOUNT_SID = "AC" + "0" * 32
HELD = datetime(2100, 1, 1, tzinfo=UTC)  # queued rows wait here until the workers are up
WORKER = [sys.executable, "-c", "from bot.cli import main; main()", "worker"]


def table(model: type[object]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


def seed_outbox(engine: Engine, *, messages: int, schools: int, now: datetime) -> list[str]:
    """Queue `messages` SMS texts from `schools` schools (each its own number), one parent
    each, school by school, held back until `release_outbox`; their bodies."""
    with Session(engine, expire_on_commit=False) as session:
        first, _ = add_school(session=session, clock=FixedClock(now), name="Bench School 0",
                              slug=f"bench-{uuid.uuid4().hex[:8]}-0")
        session.commit()
        template = {k: v for k, v in first.model_dump().items() if k != "id"}
        school_ids = [first.id]
    with engine.begin() as connection:
        if schools > 1:
            school_ids += connection.execute(insert(table(School)).returning(
                table(School).c.id, sort_by_parameter_order=True), [
                template | {"slug": f"{template['slug'][:-2]}-{n}", "name": f"Bench School {n}"}
                for n in range(1, schools)]).scalars()
        connection.execute(insert(table(SchoolChannel)), [
            {"school_id": s, "channel": "sms", "address": f"+44161{n:07d}"}
            for n, s in enumerate(school_ids)])
    bodies = [f"Bench text {n}" for n in range(messages)]
    per_school = -(-messages // schools)
    with engine.begin() as connection:
        for start in range(0, messages, 5000):
            chunk = range(start, min(messages, start + 5000))
            owners = [school_ids[n // per_school] for n in chunk]
            threads = list(connection.execute(
                insert(table(Conversation)).returning(table(Conversation).c.id,
                                                      sort_by_parameter_order=True),
                [{"school_id": s, "channel": "sms", "address": f"+447{n:09d}", "status": "open",
                  "bot_paused": False, "opted_out": False, "flow_state": "{}",
                  "created_at": now, "updated_at": now} for n, s in zip(chunk, owners, strict=True)]
            ).scalars())
            connection.execute(insert(table(Message)), [
                {"school_id": s, "conversation_id": c, "direction": "outgoing", "author": "bot",
                 "channel": "sms", "body": bodies[n], "media": "[]", "status": "queued",
                 "restricted": False, "attempts": 0, "next_attempt_at": HELD,
                 "created_at": now, "updated_at": now}
                for n, s, c in zip(chunk, owners, threads, strict=True)])
    return bodies


def release_outbox(engine: Engine, now: datetime) -> None:
    """Let every held text go, queued as of `now`."""
    with engine.begin() as connection:
        connection.execute(update(table(Message)).where(table(Message).c.next_attempt_at == HELD)
                           .values(next_attempt_at=None, created_at=now))


class StandIn(ThreadingHTTPServer):
    """Twilio's Messages endpoint, answering each call after `delay`; keeps (when, from, body)."""

    daemon_threads = True
    request_queue_size = 1024  # every worker thread connects at once at the start

    def __init__(self, delay: float) -> None:
        super().__init__(("127.0.0.1", 0), _Answer)
        self.delay = delay
        self.seen: list[tuple[float, str, str]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Answer(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_POST(self) -> None:
        server: StandIn = self.server  # type: ignore[assignment]
        form = dict(parse_qsl(self.rfile.read(int(self.headers["Content-Length"])).decode()))
        with server.lock:  # as it arrives: the rate a number is used at is Twilio's to see
            server.seen.append((time.time(), form.get("From", ""), form.get("Body", "")))
        time.sleep(server.delay)
        payload = json.dumps({"sid": "SM" + uuid.uuid4().hex, "status": "queued",
                              "account_sid": ACCOUNT_SID, "to": form.get("To"),
                              "from": form.get("From"), "body": form.get("Body")}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the figures come from `seen`."""


@contextmanager
def stand_in(delay: float) -> Iterator[StandIn]:
    server = StandIn(delay)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def worker_environment(database_url: str, api_base: str, processes: int,
                       account_sid: str = ACCOUNT_SID,
                       auth_token: str = "bench-token") -> dict[str, str]:
    """The settings of a worker sending SMS through the stand-in at `api_base`."""
    keep = {k: v for k, v in os.environ.items() if not k.startswith("ROLLCALL_")}
    return keep | {
        "ROLLCALL_DATABASE_URL": database_url, "ROLLCALL_CHANNELS": "sms",
        "ROLLCALL_TWILIO_ACCOUNT_SID": account_sid, "ROLLCALL_TWILIO_AUTH_TOKEN": auth_token,
        "ROLLCALL_TWILIO_FROM": "+447700900000", "ROLLCALL_PUBLIC_URL": "https://bench.invalid",
        "ROLLCALL_TWILIO_API_BASE": api_base, "ROLLCALL_OUTBOX_PROCESSES": str(processes),
        "ROLLCALL_MIGRATE_ON_START": "false"}


class Worker:
    """A `rollcall worker` process (run in `folder`, so no .env is read), its log collected."""

    def __init__(self, environment: dict[str, str], folder: Path, *options: str) -> None:
        self.process = subprocess.Popen([*WORKER, *options], env=environment, cwd=folder,
                                        text=True, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        self.lines: list[str] = []
        self.sending = threading.Event()
        # Read all along: a worker blocked on a full pipe would stop sending.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line)
            if ": sending " in line:
                self.sending.set()

    def wait_until_sending(self, seconds: float = 60.0) -> None:
        if not self.sending.wait(seconds):
            raise RuntimeError("worker did not start sending:\n" + self.log())

    def stop(self, signum: int = signal.SIGTERM, seconds: float = 60.0) -> int:
        """Signal the worker and wait for it; its exit code."""
        self.process.send_signal(signum)
        code = self.process.wait(seconds)
        self._reader.join(5)
        return code

    def log(self) -> str:
        return "".join(self.lines)


def queued(engine: Engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table(Message)).where(
            table(Message).c.status == "queued")).scalar_one()


def busiest(seen: list[tuple[float, str, str]], window: float = 1.0) -> int:
    """The most calls any one sending number made within any `window` seconds."""
    times: dict[str, list[float]] = defaultdict(list)
    for when, number, _ in seen:
        times[number].append(when)
    most = 0
    for calls in times.values():
        calls.sort()
        first = 0
        for last, when in enumerate(calls):
            while when - calls[first] >= window:
                first += 1
            most = max(most, last - first + 1)
    return most


def bench_outbound(messages: int = 20_000, processes: int = 4, database_url: str | None = None,
                   schools: int = 100, concurrency: int = 64, delay: float = 0.1,
                   ) -> dict[str, Any]:
    """Send `messages` texts from `schools` schools through `processes` workers; figures."""
    with tempfile.TemporaryDirectory() as folder, stand_in(delay) as twilio:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = db.make_engine(url)
        db.upgrade(engine)
        bodies = seed_outbox(engine, messages=messages, schools=min(schools, messages),
                             now=datetime.now(UTC))
        environment = worker_environment(url, twilio.url, processes)
        workers = [Worker(environment, Path(folder), "--no-tick", "--concurrency",
                          str(concurrency)) for _ in range(processes)]
        try:
            for worker in workers:
                worker.wait_until_sending()
            released = datetime.now(UTC)
            release_outbox(engine, released)
            while queued(engine):
                time.sleep(0.2)
        finally:
            codes = [worker.stop() for worker in workers]
        with engine.connect() as connection:
            waits = sorted((sent - created).total_seconds() for created, sent in connection.execute(
                select(table(Message).c.created_at, table(Message).c.updated_at).where(
                    table(Message).c.status == "sent")))
        engine.dispose()
    calls: dict[str, int] = defaultdict(int)
    for _, _, body in twilio.seen:
        calls[body] += 1
    seconds = max(waits)
    return {
        "messages": messages, "processes": processes, "schools": min(schools, messages),
        "sent": len(waits), "throughput_per_s": len(waits) / seconds,
        "p50_ms": waits[len(waits) // 2] * 1000, "p99_ms": waits[int(len(waits) * 0.99)] * 1000,
        "seconds": seconds, "peak_mb": _peak_child_mb(),
        "duplicates": sum(n - 1 for n in calls.values() if n > 1),
        "missing": sum(1 for body in bodies if body not in calls),
        "max_number_rate_per_s": busiest(twilio.seen),
        "max_number_rate_5s_per_s": busiest(twilio.seen, 5.0) / 5,
        "number_rate_limit_per_s": RATES["sms"][0],
        "exit_codes": codes,
        "worker_logs": [worker.lines[-1].strip() for worker in workers if worker.lines],
        "started": released.isoformat(timespec="seconds"),
    }


def _peak_child_mb() -> float:
    """The largest peak resident memory of any worker (Linux reports kilobytes)."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def bench_outbound_command(
    messages: Annotated[int, typer.Option(help="How many texts to send.")] = 20_000,
    processes: Annotated[int, typer.Option(help="How many `rollcall worker` processes.")] = 4,
    database_url: Annotated[str | None, typer.Option(
        help="An empty database it may write to [default: a temporary SQLite file]")] = None,
    schools: Annotated[int, typer.Option(help="Schools, each with its own number.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Send a morning's texts through worker processes and a 100 ms stand-in Twilio."""
    figures = bench_outbound(messages, processes, database_url, schools)
    if as_json:
        typer.echo(json.dumps(figures))
        return
    typer.echo(
        f"outbound, {figures['sent']} of {messages} texts from {figures['schools']} schools, "
        f"{processes} workers: {figures['throughput_per_s']:.0f} a second over "
        f"{figures['seconds']:.1f} s; queued to sent p50 {figures['p50_ms']:.0f} ms, p99 "
        f"{figures['p99_ms']:.0f} ms; peak memory {figures['peak_mb']:.0f} MB a worker; "
        f"{figures['duplicates']} duplicates, {figures['missing']} never sent; busiest "
        f"number {figures['max_number_rate_per_s']} in a second, "
        f"{figures['max_number_rate_5s_per_s']:.1f} a second over 5 s (limit "
        f"{figures['number_rate_limit_per_s']:.0f})")

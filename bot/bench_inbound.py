"""`rollcall bench inbound`: parents' SMS through the whole webhook path, at concurrency.

Seeds schools with synthetic rosters, starts the real app under uvicorn in separate processes
(the Twilio channel on with made-up credentials, its API pointed at a throwaway local server so
nothing leaves the machine), then has parents text the school: correctly signed Twilio
webhooks, each parent waiting for one answer before sending the next, as a phone does. Each
request is verified, stored, read by the parser, run through the report flow and answered
with a queued reply before it returns. Afterwards the database is checked: every message
stored, every one answered.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

import typer

from bot.bench_processes import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    PUBLIC_URL,
    cpu_seconds,
    fake_twilio,
    peak_mb,
    servers,
)

PATH = "/webhooks/twilio"
FAMILIES_PER_SCHOOL = 500
# Each script is one parent's texts, sent one after another; every text gets an answer.
SCRIPTS = (
    ("{child} is off sick today, back tomorrow",),
    ("{child} has a temperature, won't be in today", "back thursday"),
    ("{child} has a dentist appointment at 10, will be in after",),
    ("{child} has been sick in the night so won't be in", "tummy bug, back Wednesday"),
)


@dataclass
class Parent:
    port: int
    texts: list[bytes]  # the signed requests, ready to write


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    sent: int = 0


def seed(database_url: str, parents_wanted: int) -> list[tuple[str, str, str]]:
    """Schools with rosters and SMS numbers; (school number, parent's number, child) triples."""
    from sqlmodel import Session, col, func, select

    from core import db
    from core.clock import system_clock
    from core.demo import demo_roster
    from core.models import ChannelKind, Contact, Pupil, PupilContact, School, SchoolChannel
    from core.roster import import_roster
    from core.schools import add_school, set_channel_address

    engine = db.make_engine(database_url)
    db.upgrade(engine)
    families = parents_wanted // 2 + 10  # a family has about two adults with mobiles
    per_school = min(families, FAMILIES_PER_SCHOOL)
    with Session(engine) as session:
        if session.exec(select(func.count()).select_from(School)).one():
            raise typer.BadParameter("the database has schools already: give an empty one")
        for n in range(-(-families // per_school)):
            school, _ = add_school(session=session, clock=system_clock,
                                   name=f"Bench School {n + 1}")
            rows = list(demo_roster(seed=n, families=per_school))
            numbers: dict[str, str] = {}
            for _, row in rows:  # every parent a number of their own, across the schools
                row["mobile"] = numbers.setdefault(
                    row["mobile"], f"+447911{n:02d}{len(numbers):04d}")
            import_roster(session=session, school=school, rows=rows, clock=system_clock)
            set_channel_address(session=session, school=school, channel=ChannelKind.sms,
                                address=f"+4477009006{n:02d}")
        session.commit()
        found = session.exec(select(SchoolChannel.address, Contact.mobile,
                                    Pupil.preferred_first_name, Pupil.legal_first_name).join(
            Contact, col(Contact.school_id) == SchoolChannel.school_id).join(
            PupilContact, col(PupilContact.contact_id) == Contact.id).join(
            Pupil, col(Pupil.id) == PupilContact.pupil_id).order_by(
            col(Contact.id), col(Pupil.id))).all()
    engine.dispose()
    first: dict[str, tuple[str, str, str]] = {}
    for school_number, mobile, known_as, legal in found:
        first.setdefault(mobile, (school_number, mobile, known_as or legal))
    return list(first.values())


def plan(contacts: list[tuple[str, str, str]], messages: int, ports: list[int],
         run_id: str) -> tuple[list[Parent], int]:
    """Parents and their signed texts, `messages` texts in all; and the texts planned."""
    from twilio.request_validator import RequestValidator

    validator, rng = RequestValidator(AUTH_TOKEN), random.Random(7)
    parents, total = [], 0
    for n, (school_number, mobile, child) in enumerate(contacts):
        if total >= messages:
            break
        script = rng.choice(SCRIPTS)[:messages - total]
        port = ports[n % len(ports)]
        texts = [_signed(validator, port, school_number, mobile, text.format(child=child),
                         f"SM{run_id}{n:06d}{k}") for k, text in enumerate(script)]
        parents.append(Parent(port, texts))
        total += len(texts)
    return parents, total


def _signed(validator: object, port: int, to: str, sender: str, body: str, sid: str) -> bytes:
    fields = {"ToCountry": "GB", "SmsMessageSid": sid, "NumMedia": "0", "SmsSid": sid,
              "SmsStatus": "received", "Body": body, "To": to, "NumSegments": "1",
              "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender,
              "ApiVersion": "2010-04-01"}
    signature = validator.compute_signature(PUBLIC_URL + PATH, fields)  # type: ignore[attr-defined]
    form = urlencode(fields).encode()
    return (f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(form)}\r\nX-Twilio-Signature: {signature}\r\n\r\n"
            ).encode() + form


async def fire(parents: list[Parent], concurrency: int, run: Run) -> None:
    """Each of `concurrency` phones-at-once takes the next parent and sends their texts in turn,
    over a keep-alive connection to the parent's server process."""
    queue: asyncio.Queue[Parent] = asyncio.Queue()
    for parent in parents:
        queue.put_nowait(parent)

    async def phone() -> None:
        streams: dict[int, tuple[asyncio.StreamReader, asyncio.StreamWriter]] = {}
        while not queue.empty():
            parent = queue.get_nowait()
            for request in parent.texts:
                started = time.perf_counter()
                status = await _send(streams, parent.port, request)
                run.latencies.append(time.perf_counter() - started)
                run.sent += 1
                run.errors += status != 200
        for _, writer in streams.values():
            writer.close()

    await asyncio.gather(*(phone() for _ in range(concurrency)))


async def _send(streams: dict[int, tuple[asyncio.StreamReader, asyncio.StreamWriter]],
                port: int, request: bytes) -> int:
    """One request's HTTP status (0: no answer). A kept-alive connection the server has
    closed meanwhile (uvicorn closes idle ones after 5 s) is replaced and the request sent
    again, as HTTP clients do: the message id makes a repeat harmless."""
    for attempt in (1, 2):
        reused = port in streams
        if reused and streams[port][0].at_eof():
            streams.pop(port)[1].close()
            reused = False
        try:
            if not reused:
                streams[port] = await asyncio.open_connection("127.0.0.1", port)
            return await _exchange(*streams[port], request)
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            streams.pop(port)[1].close()
            print(f"request failed ({type(error).__name__}: {error})", file=sys.stderr)
            if not reused or attempt == 2:
                return 0
    return 0


async def _exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    request: bytes) -> int:
    writer.write(request)
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    length = next((int(line.split(":", 1)[1]) for line in head
                   if line.lower().startswith("content-length:")), 0)
    await reader.readexactly(length)
    return int(head[0].split()[1])


def check(database_url: str, run_id: str) -> tuple[int, int, int]:
    """(stored, answered, read_failed): this run's texts in the database, how many have the
    bot's answer after them in their thread, and how many the bot failed to read."""
    from sqlmodel import Session, col, select

    from core import db
    from core.conversation_models import Message

    engine = db.make_engine(database_url)
    with Session(engine) as session:
        rows = session.exec(select(Message.conversation_id, Message.direction,
                                   Message.provider_id, Message.error).order_by(
            col(Message.conversation_id), col(Message.id))).all()
    engine.dispose()
    stored = answered = failed = 0
    for n, (thread, direction, sid, error) in enumerate(rows):
        if direction != "incoming" or not (sid or "").startswith(f"SM{run_id}"):
            continue
        stored += 1
        failed += error == "the bot could not read this message"
        after = rows[n + 1] if n + 1 < len(rows) else None
        answered += after is not None and after[0] == thread and after[1] == "outgoing"
    return stored, answered, failed


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else 0


def bench_inbound(messages: int, concurrency: int, processes: int,
                  database_url: str | None) -> dict[str, float | int | str]:
    """Fire `messages` signed SMS webhooks and return the figures (see the module)."""
    run_id = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as folder, fake_twilio() as twilio_api:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        warm_up = 5 * processes
        contacts = seed(url, messages + warm_up * 2)
        with servers(processes, url, twilio_api, Path(folder)) as started:
            ports = [port for port, _ in started]
            warm, _ = plan(contacts[-warm_up:], warm_up * 2, ports, run_id + "w")
            parents, planned = plan(contacts[:-warm_up], messages, ports, run_id + "m")
            asyncio.run(fire(warm, processes, Run()))  # first requests load the parser
            run, pids = Run(), [process.pid for _, process in started]
            load, cpu = os.getloadavg()[0], cpu_seconds(pids)
            began = time.perf_counter()
            asyncio.run(fire(parents, concurrency, run))
            seconds = time.perf_counter() - began
            cpu, memory = cpu_seconds(pids) - cpu, peak_mb(pids)
        stored, answered, failed = check(url, run_id + "m")
    return {"messages": planned, "concurrency": concurrency, "processes": processes,
            "database": url.split(":", 1)[0], "throughput_per_s": round(run.sent / seconds, 1),
            "p50_ms": round(_percentile(run.latencies, 0.50), 2),
            "p99_ms": round(_percentile(run.latencies, 0.99), 2),
            "seconds": round(seconds, 2), "peak_mb": round(memory, 1), "errors": run.errors,
            "server_cpu_ms_per_msg": round(cpu / max(run.sent, 1) * 1000, 2),
            "stored": stored, "answered": answered, "read_failed": failed,
            "lost": planned - answered, "load_1m_before": round(load, 2)}


def bench_inbound_command(
    messages: Annotated[int, typer.Option(help="How many texts parents send.")] = 5000,
    concurrency: Annotated[int, typer.Option(help="Requests in flight at once.")] = 50,
    processes: Annotated[int, typer.Option(help="uvicorn server processes.")] = 2,
    database_url: Annotated[str | None, typer.Option(
        help="An empty database it may write to [default: a temporary SQLite file]")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Parents' SMS through the whole webhook path at concurrency; print the figures."""
    figures = bench_inbound(messages, concurrency, processes, database_url)
    if as_json:
        typer.echo(json.dumps(figures))
        return
    f = figures
    typer.echo(f"inbound SMS, {f['messages']} texts at concurrency {f['concurrency']} on "
               f"{f['processes']} processes ({f['database']}): {f['throughput_per_s']} msg/s, "
               f"p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms, {f['seconds']} s, "
               f"peak memory {f['peak_mb']} MB (server processes), errors {f['errors']}")
    typer.echo(f"  stored {f['stored']}, answered {f['answered']}, lost={f['lost']}, "
               f"read failures {f['read_failed']}; server CPU {f['server_cpu_ms_per_msg']} ms a "
               f"text; load average before {f['load_1m_before']}")

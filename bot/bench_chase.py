"""`rollcall bench chase`: the morning chase tick at national scale.

Seeds schools, pupils, contacts and a Monday's register (with the given number of unexplained
N marks) by bulk inserts (core.chasing_sql: an array a column on PostgreSQL, executemany on
SQLite), then times one tick at 09:30 in a fresh process of its own, whose peak resident
memory (interpreter and imports included) is the memory figure.
"""

from __future__ import annotations

import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import Connection, Engine, Table, func, select, text
from sqlmodel import SQLModel

import core.attendance_models
import core.conversation_models  # noqa: F401  (their tables are part of the schema)
from core import db
from core.calendar import CalendarSpec, Closure, SchoolCalendar
from core.chasing_sql import insert_rows
from core.policy import Policy, load_policy
from core.term_dates import typical_calendar

DAY = date(2026, 11, 23)  # a Monday in the autumn term
POLICIES = Path(__file__).resolve().parents[1] / "examples" / "policies"
# Most schools keep the default ladder; the example schools' ladders add calls and letters.
LADDERS = ["default"] * 6 + ["mary-bassett", "bromley-hills", "attendance-on-one-page",
                             "leesons"]
TERM_DATES = 150  # about one set of term dates per local authority
SEEDERS = 2
FLUSH = 10_000  # rows buffered before a bulk insert


class NotEmpty(ValueError):
    """The bench seeds its own schools, so it needs a database with none."""


def table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def bench_chase_command(
    schools: Annotated[int, typer.Option(help="How many schools.")] = 1000,
    pupils: Annotated[int, typer.Option(help="How many pupils, shared among them.")] = 500_000,
    absences: Annotated[int, typer.Option(
        help="Unexplained (N) marks in the morning's register.")] = 30_000,
    database_url: Annotated[str | None, typer.Option(
        help="An empty database it may write to [default: a temporary SQLite file]")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Seed a national morning, then time one chase tick at 09:30 and print the figures."""
    if not 0 < schools <= pupils or not 0 <= absences <= pupils:
        raise typer.BadParameter("need 0 < schools <= pupils and absences <= pupils")
    try:
        figures = bench_chase(schools, pupils, absences, database_url)
    except NotEmpty as error:
        raise typer.BadParameter(str(error), param_hint="--database-url") from None
    if as_json:
        typer.echo(json.dumps(figures))
        return
    f = figures
    typer.echo(f"chase tick, {f['schools']:,} schools, {f['pupils']:,} pupils, "
               f"{f['absences']:,} unexplained absences ({f['database']}): "
               f"{f['chases_queued']:,} chases queued and {f['tasks_opened']:,} tasks opened in "
               f"{f['seconds']:.2f} s ({f['cpu_seconds']:.2f} s of CPU in the tick's process; "
               f"{f['throughput_per_s']:,.0f} chases/s); peak memory "
               f"{f['peak_mb']:.0f} MB (the tick's own process, peak resident set; "
               f"{f['baseline_mb']:.0f} MB before the tick); seeded in {f['seed_seconds']:.1f} s")


def bench_chase(schools: int, pupils: int, absences: int,
                database_url: str | None = None) -> dict[str, Any]:
    """Seed, tick once in a process of its own, and check the tick's counts in the database."""
    with tempfile.TemporaryDirectory() as folder:
        url = database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = db.make_engine(url)
        try:
            db.upgrade(engine)
            started = time.perf_counter()
            counts = seed(engine, schools=schools, pupils=pupils, absences=absences)
            seeded = time.perf_counter() - started
            now = datetime.combine(DAY, clock_time(9, 30), tzinfo=UTC)  # 09:30 in London
            tick = _tick_in_fresh_process(url, now)
            with engine.connect() as connection:
                counts |= _written(connection)
        finally:
            engine.dispose()
    return counts | tick | {
        "database": engine.dialect.name, "seed_seconds": round(seeded, 2),
        "throughput_per_s": round(tick["chases_queued"] / tick["seconds"], 1)}


def seed(engine: Engine, *, schools: int, pupils: int, absences: int,
         seed: int = 7) -> dict[str, Any]:
    """An empty database filled with `schools` schools, their pupils and contacts, and the
    morning's register: `absences` N marks (a tenth of them also N the school day before).
    On PostgreSQL two connections seed half the schools each; the rows are the same."""
    now = datetime.combine(DAY, clock_time(8, 0), tzinfo=UTC)
    absent = frozenset(random.Random(seed).sample(range(1, pupils + 1), absences))
    with engine.begin() as connection:
        if connection.execute(select(func.count()).select_from(table("school"))).scalar():
            raise NotEmpty("bench chase needs an empty database: it seeds its own schools")
        insert_rows(connection, table("school"), _schools(schools, now))
        insert_rows(connection, table("school_channel"), _channels(schools))

    def seed_some(first: int) -> int:
        with engine.begin() as connection:
            families = _Families(_Rows(connection), now)
            for school in range(first, schools + 1, SEEDERS):
                families.fill(school, random.Random(f"{seed}:{school}"),
                              _pupil_range(school, schools, pupils), absent)
            families.rows.flush()
            return families.contacts

    writers = SEEDERS if engine.dialect.name == "postgresql" else 1
    with ThreadPoolExecutor(writers) as pool:
        contacts = sum(pool.map(seed_some, range(1, SEEDERS + 1)))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            for name in ("school", "pupil", "contact"):  # ids were given: move the sequences on
                connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                        f"(SELECT max(id) FROM {name}))"))
        connection.execute(text("ANALYZE"))  # as a database in use would have its statistics
    return {"schools": schools, "pupils": pupils, "absences": absences, "contacts": contacts}


def _pupil_range(school: int, schools: int, pupils: int) -> tuple[int, int]:
    return (school - 1) * pupils // schools + 1, school * pupils // schools + 1


def _schools(count: int, now: datetime) -> list[dict[str, Any]]:
    policies = {name: (load_policy(POLICIES / f"{name}.toml") if POLICIES.is_dir() else Policy())
                for name in set(LADDERS)}
    base = typical_calendar(DAY).spec
    calendars = [_term_dates(base, n) for n in range(min(count, TERM_DATES))]
    rows = []
    for school in range(1, count + 1):
        ladder = LADDERS[school % len(LADDERS)]
        calendar = calendars[school % len(calendars)]
        rows.append({"id": school, "slug": f"bench-{school:05d}", "name": f"Bench School {school}",
                     "timezone": "Europe/London", "created_at": now, "updated_at": now,
                     "policy_json": policies[ladder].model_dump_json(by_alias=True),
                     "policy_source": f"{ladder}.toml", "calendar_json": calendar.to_json(),
                     "calendar_source": calendar.source})
    return rows


def _term_dates(base: CalendarSpec, n: int) -> SchoolCalendar:
    """The typical year with an INSET day of its own, in the summer term (so not today)."""
    extra = Closure(date=date(DAY.year + 1, 6, 8 + n % 20), reason="INSET day")
    spec = base.model_copy(update={"closures": (*base.closures, extra)})
    return SchoolCalendar(spec, source=f"bench term dates {n}")


def _channels(schools: int) -> list[dict[str, Any]]:
    """SMS at every school; WhatsApp at every third and Telegram at every fifth too."""
    return [{"school_id": s, "channel": channel, "address": f"{prefix}{s:08d}"}
            for channel, prefix, every in (("sms", "+4470", 1), ("whatsapp", "+4470", 3),
                                           ("telegram", "9", 5))
            for s in range(1, schools + 1, every)]


class _Rows:
    """Rows buffered per table and written in bulk, parents before children."""

    ORDER = ("pupil", "contact", "pupil_contact", "register_mark", "conversation")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.buffers: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def add(self, name: str, row: dict[str, Any]) -> None:
        self.buffers[name].append(row)
        if len(self.buffers[name]) >= FLUSH:
            self.flush()

    def flush(self) -> None:
        for name in self.ORDER:
            if self.buffers[name]:
                insert_rows(self.connection, table(name), self.buffers[name])
                self.buffers[name] = []


class _Families:
    """Families of one to three children and one or two contacts, as MIS rosters have them."""

    def __init__(self, rows: _Rows, now: datetime) -> None:
        # Imported here: the demo's roster brings the parser, which the tick's process (this
        # module run as a script) must not carry into its memory figure.
        from core.demo import ADULT_NAMES, FIRST_NAMES, SURNAMES, YEARS

        self.names = FIRST_NAMES, ADULT_NAMES, SURNAMES, YEARS
        self.rows, self.now, self.contacts = rows, now, 0
        self.rng = random.Random()
        self.yesterday = typical_calendar(DAY).previous_school_day(DAY)

    def fill(self, school: int, rng: random.Random, pupils: tuple[int, int],
             absent: frozenset[int]) -> None:
        self.rng = rng
        pupil, last = pupils
        while pupil < last:
            size = min(rng.choices((1, 2, 3), (50, 35, 15))[0], last - pupil)
            surname, language = rng.choice(self.names[2])
            # A family's contacts take ids from its first child's, so every seeder agrees.
            contacts = [self._contact(school, 2 * pupil - 1, "Mother", surname, language)]
            if rng.random() < 0.75:
                contacts.append(self._contact(school, 2 * pupil, "Father", surname, language))
            for child in range(pupil, pupil + size):
                self._pupil(school, child, surname, child in absent)
                for priority, (contact, relationship) in enumerate(contacts, start=1):
                    self.rows.add("pupil_contact", {
                        "school_id": school, "pupil_id": child, "contact_id": contact,
                        "relationship": relationship, "priority": priority,
                        "parental_responsibility": True})
            pupil += size

    def _contact(self, school: int, cid: int, relationship: str, surname: str,
                 language: str) -> tuple[int, str]:
        self.contacts += 1
        rng = self.rng
        mobile = f"+447{cid:09d}" if rng.random() < 0.97 else None
        self.rows.add("contact", {
            "id": cid, "school_id": school, "email": None,
            "name": f"{rng.choice(self.names[1][relationship])} {surname}", "mobile": mobile,
            "whatsapp": mobile if rng.random() < 0.15 else None,
            "telegram_chat_id": 10_000_000 + cid if rng.random() < 0.08 else None,
            "preferred_language": language, "created_at": self.now, "updated_at": self.now})
        if mobile and rng.random() < 0.01:  # a parent who sent STOP
            self.rows.add("conversation", {
                "school_id": school, "channel": "sms", "address": mobile, "contact_id": cid,
                "status": "open", "bot_paused": False, "opted_out": True, "flow_state": "{}",
                "created_at": self.now, "updated_at": self.now})
        return cid, relationship

    def _pupil(self, school: int, pupil: int, surname: str, absent: bool) -> None:
        rng, flag = self.rng, self.rng.random()
        first_names, _, _, years = self.names
        self.rows.add("pupil", {
            "id": pupil, "school_id": school, "upn": f"B{pupil:012d}",
            "legal_first_name": rng.choice(first_names[rng.choice(("girl", "boy"))]),
            "legal_last_name": surname, "preferred_first_name": None,
            "year_group": rng.choice(years), "reg_group": None,
            "child_protection_plan": flag < 0.02, "child_in_need": 0.02 <= flag < 0.04,
            "looked_after": 0.04 <= flag < 0.05, "send": False, "eal": False, "fsm": False,
            "medical_evidence": False, "on_roll": True, "created_at": self.now,
            "updated_at": self.now})
        mark = {"school_id": school, "pupil_id": pupil, "session": "AM", "source": "mis",
                "created_at": self.now, "updated_at": self.now}
        self.rows.add("register_mark", mark | {"day": DAY, "mark": "N" if absent else "/"})
        if absent and rng.random() < 0.1:  # the second day of an unexplained absence
            self.rows.add("register_mark", mark | {"day": self.yesterday, "mark": "N"})


def _tick_in_fresh_process(url: str, now: datetime) -> dict[str, Any]:
    """One tick, timed in a process that does nothing else, so its peak memory is the tick's."""
    finished = subprocess.run([sys.executable, "-m", "bot.bench_chase", url, now.isoformat()],
                              capture_output=True, text=True, check=False)
    if finished.returncode != 0:
        raise RuntimeError(f"the tick failed:\n{finished.stderr}")
    return dict(json.loads(finished.stdout.strip().splitlines()[-1]))


def _written(connection: Connection) -> dict[str, int]:
    """What the database holds after the tick: the bench's check on the tick's counts."""
    def count(name: str, *where: Any) -> int:
        return int(connection.execute(select(func.count()).select_from(table(name)).where(
            *where)).scalar_one())

    queued = (table("message").c.status == "queued", table("message").c.direction == "outgoing")
    return {"outbox_queued": count("message", *queued), "keys_written": count("chase_action"),
            "tasks_in_database": count("staff_task")}


def _tick_here(url: str, now: datetime) -> dict[str, Any]:
    from core.chasing_runner import run_tick

    engine = db.make_engine(url)
    with engine.connect() as connection:  # connecting is not the tick's work
        connection.execute(text("SELECT 1"))
    baseline = _peak_mb()
    started, cpu = time.perf_counter(), time.process_time()
    result = run_tick(engine, now)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "cpu_seconds": round(time.process_time() - cpu, 3),
            "chases_queued": result.chases, "tasks_opened": result.tasks,
            "cancelled": result.cancelled, "peak_mb": round(_peak_mb(), 1),
            "baseline_mb": round(baseline, 1)}


def _peak_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM, not ru_maxrss: a process started
    by fork and exec inherits its parent's ru_maxrss, which here is the seeding's."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    print(json.dumps(_tick_here(sys.argv[1], datetime.fromisoformat(sys.argv[2]))))

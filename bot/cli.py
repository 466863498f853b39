"""The `rollcall` command: run the bot, set up schools, import rosters, check policy files."""

from __future__ import annotations

import logging
import time as timer
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from bot.bench_chase import bench_chase_command
from bot.bench_inbound import bench_inbound_command
from bot.bench_outbound import bench_outbound_command
from bot.cli_attendance import attendance_app
from bot.cli_chasing import tick_command
from bot.cli_parsing import bench_parse, eval_app, parse_command
from bot.cli_register import export_app, import_register_command, register_app
from bot.cli_staff import staff_app
from bot.worker import worker_command
from core import db
from core.calendar import NoSchoolDay, load_calendar
from core.clock import system_clock
from core.codes import CODES
from core.configfile import ConfigError
from core.demo import DEMO_PASSWORD, ensure_demo_school, set_demo_passwords
from core.ladder_policy import ladder_summary
from core.models import ChannelKind, StaffUser
from core.policy import load_policy
from core.roster import ImportReport, import_roster
from core.roster_rows import RosterFileError, read_csv
from core.schools import (
    SchoolNotFound,
    add_school,
    find_school,
    list_schools,
    school_calendar,
    set_channel_address,
)
from core.settings import Settings

app = typer.Typer(help="Rollcall: parent absence reporting and first-day chasing for schools.",
                  no_args_is_help=True, rich_markup_mode=None)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
school_app = typer.Typer(help="Schools served by this deployment.", no_args_is_help=True)
import_app = typer.Typer(help="Import data exported from the school's MIS.", no_args_is_help=True)
policy_app = typer.Typer(help="School policy files.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks: print speed and memory figures.", no_args_is_help=True)
calendar_app = typer.Typer(help="School calendars: terms, holidays, INSET days.",
                           no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(school_app, name="school")
app.add_typer(import_app, name="import")
app.add_typer(policy_app, name="policy")
app.add_typer(calendar_app, name="calendar")
app.add_typer(bench_app, name="bench")
app.add_typer(eval_app, name="eval")
telegram_app = typer.Typer(help="The school's Telegram bot.", no_args_is_help=True)
app.add_typer(telegram_app, name="telegram")
app.command("parse")(parse_command)
app.command("tick")(tick_command)
app.command("worker")(worker_command)
bench_app.command("parse")(bench_parse)
bench_app.command("outbound")(bench_outbound_command)
bench_app.command("chase")(bench_chase_command)
bench_app.command("inbound")(bench_inbound_command)
app.add_typer(export_app, name="export")
app.add_typer(register_app, name="register")
app.add_typer(staff_app, name="staff")
app.add_typer(attendance_app, name="attendance")
import_app.command("register")(import_register_command)

SchoolOption = Annotated[str | None, typer.Option(
    "--school", help="The school's slug; may be left out when there is only one school.")]

EXPECTED_ERRORS = (ConfigError, SchoolNotFound, RosterFileError, NoSchoolDay, ValueError)


def _fail(message: str) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code=2)


@contextmanager
def _session() -> Iterator[Session]:
    """A session on an up-to-date database, committed on success and rolled back otherwise."""
    engine = db.make_engine(Settings().database_url)
    db.upgrade(engine)
    try:
        with Session(engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except EXPECTED_ERRORS as error:
                session.rollback()
                raise _fail(str(error)) from None
    finally:
        engine.dispose()


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [default: 127.0.0.1]")]
    = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [default: 8000]")] = None,
    demo: Annotated[bool, typer.Option(
        "--demo", help="Create the demo school (once) so there is something to look at.")]
    = False,
) -> None:
    """Run the bot and its web pages (migrates the database first)."""
    import uvicorn

    from bot.app import create_app

    settings = Settings()
    if demo:
        with _session() as session:
            school, created = ensure_demo_school(session=session, clock=system_clock)
            typer.echo(f"Demo school {'created' if created else 'ready'}: {school.name}")
            _print_demo_staff(set_demo_passwords(session=session, school=school))
    host, port = host or settings.host, port or settings.port
    typer.echo(f"Rollcall on http://{host}:{port}  (database: {_safe_url(settings)})")
    uvicorn.run(create_app(settings), host=host, port=port, log_level=settings.log_level.lower())


def _print_demo_staff(users: list[StaffUser]) -> None:
    # Demo mode only: a made-up school, so its shared password may be shown.
    typer.echo(f"Demo staff sign in at /staff with the password {DEMO_PASSWORD!r}:")
    for user in users:
        typer.echo(f"  {user.email}  ({user.role})")


def _safe_url(settings: Settings) -> str:
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply any pending schema migrations."""
    engine = db.make_engine(Settings().database_url)
    before = db.current_revision(engine)
    db.upgrade(engine)
    after = db.current_revision(engine)
    typer.echo(f"Database at revision {after}" + ("" if before == after else f" (was {before})"))


@school_app.command("add")
def school_add(
    name: Annotated[str, typer.Argument(help="The school's name, as parents know it.")],
    slug: Annotated[str | None, typer.Option(
        help="Short id used in commands and URLs [default: made from the name]")] = None,
    policy: Annotated[Path | None, typer.Option(
        help="Policy file (TOML); the default policy when left out.", exists=True,
        dir_okay=False)] = None,
    calendar: Annotated[Path | None, typer.Option(
        help="Calendar file: Rollcall's TOML format or a corpus_calendar.json-style JSON file.",
        exists=True, dir_okay=False)] = None,
) -> None:
    """Create a school, or update it (name, policy, calendar) when the slug exists."""
    with _session() as session:
        school, created = add_school(session=session, clock=system_clock, name=name, slug=slug,
                                     policy_file=policy, calendar_file=calendar)
        typer.echo(f"{'Added' if created else 'Updated'} school {school.name} ({school.slug})")
        typer.echo(f"  policy:   {school.policy_source}")
        typer.echo(f"  calendar: {school.calendar_source}")


@school_app.command("list")
def school_list() -> None:
    """Schools with their pupil and contact counts and where their settings came from."""
    with _session() as session:
        summaries = list_schools(session)
    if not summaries:
        typer.echo("No schools yet: add one with `rollcall school add NAME`.")
    for s in summaries:
        typer.echo(f"{s.slug}\t{s.name}\t{s.pupils} pupils\t{s.contacts} contacts\t"
                   f"policy: {s.policy_source}\tcalendar: {s.calendar_source}, "
                   f"ends {s.calendar_ends}")


@school_app.command("set-address")
def school_set_address(
    channel: Annotated[ChannelKind, typer.Argument(help="sms, whatsapp, telegram or simulator")],
    address: Annotated[str, typer.Argument(
        help="The school's number (any UK format), Telegram bot id (the digits before the "
             "colon in its token) or simulator name.")],
    school: SchoolOption = None,
) -> None:
    """Say which number or bot parents of a school write to."""
    with _session() as session:
        found = find_school(session, school)
        row = set_channel_address(session=session, school=found, channel=channel,
                                  address=address)
        typer.echo(f"{found.name}: {row.channel} {row.address}")


@telegram_app.command("set-webhook")
def telegram_set_webhook() -> None:
    """Tell Telegram to deliver the bot's messages to ROLLCALL_PUBLIC_URL, with the secret."""
    import asyncio

    from telegram.error import TelegramError

    from bot.senders.telegram import describe, register_webhook

    settings = Settings()
    missing = settings.missing_for("telegram") + (
        [] if settings.public_url else ["ROLLCALL_PUBLIC_URL"])
    if missing:
        raise _fail(f"Set {', '.join(missing)} first.")
    try:
        url = asyncio.run(register_webhook(settings))
    except TelegramError as error:
        raise _fail(f"Telegram refused the webhook: {describe(error)}") from None
    typer.echo(f"Telegram will deliver the bot's messages to {url}")


@import_app.command("roster")
def import_roster_command(
    file: Annotated[Path, typer.Argument(help="The MIS pupil-contact export (CSV).",
                                         exists=True, dir_okay=False)],
    school: SchoolOption = None,
    full: Annotated[bool, typer.Option(
        "--full", help="The file is the whole roster: pupils missing from it have left.")]
    = False,
) -> None:
    """Import pupils and contacts: one row per pupil-contact pair; re-importing updates."""
    started = timer.perf_counter()
    with _session() as session:
        found = find_school(session, school)
        report = import_roster(session=session, school=found, rows=read_csv(file),
                               clock=system_clock, full=full)
    _print_report(file, found.name, report, timer.perf_counter() - started)
    if report.rejected:
        raise typer.Exit(code=1)


def _print_report(file: Path, school: str, report: ImportReport, seconds: float) -> None:
    r = report
    typer.echo(f"Imported {file.name} into {school} in {seconds:.2f} s")
    typer.echo(f"  rows:     {r.rows.added} added, {r.rows.updated} updated, "
               f"{r.rows.unchanged} unchanged, {len(r.rejected)} rejected")
    typer.echo(f"  pupils:   {r.pupils.added} added, {r.pupils.updated} updated, "
               f"{r.pupils.unchanged} unchanged, {r.pupils_left} marked as left")
    typer.echo(f"  contacts: {r.contacts.added} added, {r.contacts.updated} updated; "
               f"{r.links_removed} contact links removed")
    for problem in r.rejected:
        typer.secho(f"  rejected line {problem.line}: {problem.message}", fg=typer.colors.RED)
    for problem in r.warnings:
        typer.secho(f"  warning line {problem.line}: {problem.message}", fg=typer.colors.YELLOW)


@policy_app.command("check")
def policy_check(
    file: Annotated[Path, typer.Argument(help="A school policy file (TOML).")],
) -> None:
    """Check a policy file and summarise it; errors name the key and what is wrong."""
    try:
        policy = load_policy(file)
    except ConfigError as error:
        raise _fail(str(error)) from None
    r, c = policy.register_times, policy.chasing
    typer.echo(f"{file}: OK")
    typer.echo(f"  register {r.opens:%H:%M}-{r.closes:%H:%M}; chase at {c.chase_at:%H:%M}, "
               f"next contact after {c.wait_minutes} min, escalate at {c.escalate_at:%H:%M}")
    for step in policy.escalation:
        who = f" -> {step.role.value}" if step.role else ""
        typer.echo(f"  day {step.day} {step.at:%H:%M} {step.action.value}{who} "
                   f"[{step.when.value}] {step.title}")
    if policy.monitoring is not None:
        for line in ladder_summary(policy.monitoring):
            typer.echo(f"  {line}")


@calendar_app.command("show")
def calendar_show(
    school: SchoolOption = None,
    start: Annotated[str | None, typer.Option(
        "--from", help="First day to show (YYYY-MM-DD) [default: today]")] = None,
    days: Annotated[int, typer.Option(help="How many days to show.")] = 14,
    file: Annotated[Path | None, typer.Option(
        help="Show a calendar file instead of a school's.")] = None,
) -> None:
    """List days with whether pupils are in, and why not."""
    if file is not None:
        try:
            calendar = load_calendar(file)
        except ConfigError as error:
            raise _fail(str(error)) from None
    else:
        with _session() as session:
            calendar = school_calendar(find_school(session, school))
    first = date.fromisoformat(start) if start else system_clock().date()
    typer.echo(f"Calendar: {calendar.source}; terms {calendar.first_day} to {calendar.last_day}")
    for offset in range(days):
        day = first + timedelta(days=offset)
        reason = calendar.closed_because(day)
        typer.echo(f"  {day:%a %d %b %Y}  {'school day' if reason is None else reason}")


@app.command("codes")
def codes() -> None:
    """The national attendance codes (2024) with what each counts as."""
    for code in CODES.values():
        counted = "absence" if code.absence else (
            "present" if code.possible_session else "not a possible session")
        if code.authorised is not None:
            counted += ", authorised" if code.authorised else ", unauthorised"
        typer.echo(f"{code.code:<3} {counted:<28} {code.meaning}")


@bench_app.command("roster")
def bench_roster_command(
    rows: Annotated[int, typer.Option(help="How many pupil-contact rows.")] = 2000,
    database_url: Annotated[str | None, typer.Option(
        help="An empty database it may write to [default: a temporary SQLite file]")] = None,
) -> None:
    """Time a roster import into an empty database, and a re-import of the same file."""
    from bot.bench import bench_roster

    f = bench_roster(rows, database_url)
    typer.echo(f"roster import, {f['rows']:.0f} rows: first {f['first_import_s']:.2f} s "
               f"({f['rows_per_s']:.0f} rows/s), re-import {f['reimport_s']:.2f} s, "
               f"peak memory {f['peak_mb']:.0f} MB")


def main() -> None:
    logging.basicConfig(level=Settings().log_level,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Each command brings the schema up to date first; say so only when something fails.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs every request's URL at INFO, and a Bot API URL carries the bot's token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    app()

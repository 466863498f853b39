"""Register commands: `rollcall import register`, `rollcall export register` and
`rollcall register trail|discrepancies`."""

from __future__ import annotations

import time as timer
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from core.clock import system_clock
from core.models import School
from core.register import MarkImportReport, find_discrepancies, import_marks
from core.register_export import amendment_trail, day_marks, export_csv, standing_n_marks
from core.register_rows import read_marks_csv
from core.schools import find_school, school_calendar, school_policy

export_app = typer.Typer(help="Export data for the school's MIS.", no_args_is_help=True)
register_app = typer.Typer(help="The register: its amendment trail and discrepancies.",
                           no_args_is_help=True)

SchoolOption = Annotated[str | None, typer.Option(
    "--school", help="The school's slug; may be left out when there is only one school.")]


def _day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date like 2026-11-23",
                                 param_hint=option) from None


def _session() -> AbstractContextManager[Session]:
    """The command line's session: committed on success, known errors shown plainly."""
    from bot import cli  # it registers these commands, so it is loaded by now

    return cli._session()


def _today(school: School) -> date:
    return school_calendar(school).local_date(system_clock())


def import_register_command(
    file: Annotated[Path, typer.Argument(help="The MIS marks export (CSV: date, session, upn, "
                                              "mark).", exists=True, dir_okay=False)],
    school: SchoolOption = None,
) -> None:
    """Import register marks: one row per pupil and session; importing again updates."""
    started = timer.perf_counter()
    with _session() as session:
        found = find_school(session, school)
        report = import_marks(session=session, school=found, rows=read_marks_csv(file),
                              clock=system_clock)
    _print_import(file, found.name, report, timer.perf_counter() - started)
    if report.rejected:
        raise typer.Exit(code=1)


def _print_import(file: Path, school: str, r: MarkImportReport, seconds: float) -> None:
    typer.echo(f"Imported {file.name} into {school} in {seconds:.2f} s")
    typer.echo(f"  rows:     {r.added} added, {r.updated} updated, {r.unchanged} unchanged, "
               f"{len(r.rejected)} rejected")
    if r.kept or r.blank:
        typer.echo(f"  skipped:  {r.kept} N not put over a code approved here, "
                   f"{r.blank} blank (register not taken yet)")
    for problem in r.rejected:
        typer.secho(f"  rejected line {problem.line}: {problem.message}", fg=typer.colors.RED)


@export_app.command("register")
def export_register(
    day: Annotated[str | None, typer.Option(
        "--date", help="The register day (YYYY-MM-DD) [default: today]")] = None,
    school: SchoolOption = None,
    out: Annotated[Path | None, typer.Option(
        help="Write the CSV here [default: standard output]", dir_okay=False)] = None,
) -> None:
    """A day's marks as CSV for the MIS; N marks standing too long are listed on stderr."""
    with _session() as session:
        found = find_school(session, school)
        when = _day(day, "--date") or _today(found)
        text = export_csv(day_marks(session=session, school=found, day=when))
        standing = standing_n_marks(session=session, school=found, on=when)
        limit = school_policy(found).chasing.unresolved_n_limit_days
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {text.count(chr(10)) - 1} marks for {when} to {out}", err=True)
    if standing:
        typer.secho(f"N marks unresolved for {limit} school days or more: "
                    "change each to the right code (O if no reason is established)",
                    fg=typer.colors.YELLOW, err=True)
    for n in sorted(standing, key=lambda s: -s.school_days):
        typer.echo(f"  {n.upn}  {n.pupil}  {n.day:%a %d %b %Y} {n.session}  "
                   f"({n.school_days} school days)", err=True)


@register_app.command("trail")
def register_trail(
    pupil: Annotated[str | None, typer.Option(help="Only this pupil (UPN).")] = None,
    start: Annotated[str | None, typer.Option(
        "--from", help="Register days from (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Register days to (YYYY-MM-DD).")]
    = None,
    staff: Annotated[str | None, typer.Option(help="Only changes by this email.")] = None,
    school: SchoolOption = None,
) -> None:
    """Print the amendment trail: every change of a mark, who made it, when and why."""
    with _session() as session:
        found = find_school(session, school)
        entries = amendment_trail(session=session, school=found, upn=pupil,
                                  start=_day(start, "--from"), end=_day(end, "--to"),
                                  staff=staff)
    calendar = school_calendar(found)
    if not entries:
        typer.echo("No amendments.")
    for e in entries:
        changed = calendar.local_time(e.changed_at)
        report = f" (report #{e.report_id})" if e.report_id else ""
        typer.echo(f"{e.day} {e.session}  {e.upn}  {e.old_mark or '-'} -> {e.new_mark}  "
                   f"{changed:%Y-%m-%d %H:%M}  {e.changed_by} ({e.role}): {e.reason}{report}")


@register_app.command("discrepancies")
def register_discrepancies(
    day: Annotated[str | None, typer.Option(
        "--date", help="The register day (YYYY-MM-DD) [default: today]")] = None,
    school: SchoolOption = None,
) -> None:
    """Pupils reported absent but marked present, and Ns no report explains."""
    with _session() as session:
        found = find_school(session, school)
        when = _day(day, "--date") or _today(found)
        found_items = find_discrepancies(session=session, school=found, day=when)
    if not found_items:
        typer.echo(f"No discrepancies on {when:%a %d %b %Y}.")
    headings = {"reported_absent_marked_present": "Reported absent, marked present:",
                "unexplained_absence": "Marked N, no report:"}
    for kind, heading in headings.items():
        items = [d for d in found_items if d.kind == kind]
        if items:
            typer.echo(heading)
        for d in items:
            report = f"  (report #{d.report_id})" if d.report_id else ""
            typer.echo(f"  {d.upn}  {d.pupil}  {', '.join(d.sessions)}{report}")

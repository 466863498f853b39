"""`rollcall attendance report`: the school's attendance figures on a date, as a table for
people or as JSON for other tools."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from bot.cli_monitoring import outbreaks_command, pack_command
from bot.cli_register import SchoolOption, _day, _session, _today
from core.attendance_report import AttendanceReport, attendance_report, pupil_json
from core.clock import system_clock
from core.ladder import monday_of
from core.ladder_runner import NoLadder, propose_steps, record_run
from core.ladder_views import ladder_page
from core.schools import find_school

attendance_app = typer.Typer(help="Attendance figures across the school year.",
                             no_args_is_help=True)
attendance_app.command("pack")(pack_command)
attendance_app.command("outbreaks")(outbreaks_command)


@attendance_app.command("report")
def report_command(
    day: Annotated[str | None, typer.Option(
        "--date", help="Figures to the end of this day (YYYY-MM-DD) [default: today]")] = None,
    school: SchoolOption = None,
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print a JSON list with each pupil's figures")] = False,
) -> None:
    """Each pupil's and each group's attendance since the start of the school year, counted
    as the 2024 codes define; persistent (10%+) and severe (50%+) absence; unauthorised
    sessions in the rolling ten school weeks (10 or more: consider a penalty notice)."""
    with _session() as session:
        found = find_school(session, school)
        report = attendance_report(session=session, school=found,
                                   day=_day(day, "--date") or _today(found))
    if as_json:
        typer.echo(json.dumps([pupil_json(row) for row in report.pupils], indent=1))
        return
    _print(report)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _print(report: AttendanceReport) -> None:
    typer.echo(f"{report.school.name}: attendance {report.start:%-d %b %Y} to "
               f"{report.end:%-d %b %Y}")
    typer.echo(f"{'group':<34} {'pupils':>6} {'possible':>9} {'attendance':>10} "
               f"{'auth':>6} {'unauth':>6} {'PA':>4} {'SA':>4}")
    for g in report.groups:
        f = g.figures
        typer.echo(f"{g.name[:34]:<34} {g.pupils:>6} {f.possible:>9} {_pct(f.percentage):>10} "
                   f"{f.authorised:>6} {f.unauthorised:>6} {g.persistent:>4} {g.severe:>4}")
    absent = sorted((r for r in report.pupils if r.figures.persistent),
                    key=lambda r: r.figures.percentage or 0.0)
    typer.echo(f"\nPersistently absent (10% or more of sessions missed): {len(absent)}")
    for r in absent:
        severe = " severe" if r.figures.severe else ""
        typer.echo(f"  {r.pupil.upn}  {r.pupil.display_name:<28} "
                   f"{_pct(r.figures.percentage):>7}{severe}")
    penalty = [r for r in report.pupils if r.penalty_threshold]
    typer.echo(f"\n10 or more unauthorised sessions in the ten school weeks from "
               f"{report.recent_start:%-d %b}: {len(penalty)}")
    for r in penalty:
        typer.echo(f"  {r.pupil.upn}  {r.pupil.display_name:<28} "
                   f"{r.unauthorised_recent:>3} sessions")


@attendance_app.command("ladder")
def ladder_command(
    day: Annotated[str | None, typer.Option(
        "--date", help="Figures to the end of this day (YYYY-MM-DD) [default: today]")] = None,
    school: SchoolOption = None,
) -> None:
    """The weekly run of the school's attendance ladder (the policy's [monitoring]): propose
    each pupil's next step from their attendance this school year, for staff to approve or
    dismiss on the Attendance > Ladder page. Running it again proposes nothing twice."""
    with _session() as session:
        found = find_school(session, school)
        when = _day(day, "--date") or _today(found)
        try:
            proposed = propose_steps(session=session, school=found, day=when,
                                     now=system_clock())
        except NoLadder as missing:
            typer.secho(str(missing), fg=typer.colors.RED, err=True)
            raise typer.Exit(code=2) from None
        record_run(session, found, monday_of(when), when, len(proposed), system_clock())
        waiting = ladder_page(session=session, school=found, role="admin").proposed
        names = {row.step.id: row.pupil for row in waiting}
        typer.echo(f"{found.name}: attendance ladder on the figures to {when:%a %-d %b %Y}")
        typer.echo(f"{len(proposed)} step(s) proposed" + (":" if proposed else "."))
        for step in proposed:
            pupil = names.get(step.id)
            who = f"{pupil.upn}  {pupil.display_name:<28}" if pupil else f"pupil {step.pupil_id}"
            typer.echo(f"  {who} {step.step}: {step.reason}")
        typer.echo(f"Waiting for a decision: {len(waiting)} (approve or dismiss them on the "
                   "staff page /staff/attendance/ladder)")

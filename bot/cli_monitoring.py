"""`rollcall attendance pack` and `rollcall attendance outbreaks`: the governors' pack as a PDF,
and clusters of the same illness in a class or year group (flagged to the head with --flag).
Registered on the attendance commands in bot/cli_attendance.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli_register import SchoolOption, _day, _session, _today
from core.clock import system_clock
from core.governors_pack import governors_pack
from core.outbreak_tasks import flag_clusters
from core.outbreaks import Cluster, find_clusters
from core.schools import find_school

DateOption = Annotated[str | None, typer.Option(
    "--date", help="To the end of this day (YYYY-MM-DD) [default: today]")]


def pack_command(
    day: DateOption = None,
    school: SchoolOption = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Where to write the PDF [default: governors-pack-SCHOOL-DATE.pdf in the "
                      "current directory]", dir_okay=False)] = None,
) -> None:
    """The governors' pack as a PDF: whole-school attendance against the target, persistent
    and severe absence, year groups and SEND, FSM and EAL, with charts. It names no pupil, and
    a group of fewer than 5 pupils is shown as "fewer than 5"."""
    with _session() as session:
        found = find_school(session, school)
        pack = governors_pack(session=session, school=found,
                              day=_day(day, "--date") or _today(found))
        from core.governors_pdf import pack_pdf  # fpdf2 loads only for a pack
        data = pack_pdf(pack, created=system_clock())
    path = out or Path(f"governors-pack-{found.slug}-{pack.end.isoformat()}.pdf")
    path.write_bytes(data)
    typer.echo(f"{pack.school}: governors' pack to {pack.end:%-d %b %Y} written to {path} "
               f"({len(data):,} bytes)")
    for line in pack.headline():
        typer.echo(f"  {line}")


def outbreaks_command(
    day: DateOption = None,
    school: SchoolOption = None,
    flag: Annotated[bool, typer.Option(
        "--flag", help="Open a task for the head for each outbreak (once: an open task is "
                       "brought up to date instead)")] = False,
) -> None:
    """The same illness in 3 or more pupils of a class (4 or more across 2 classes of a year
    group) in the five school days to the date, at twice the usual rate or more: the pupils,
    the first day each was off and the parent's words."""
    with _session() as session:
        found = find_school(session, school)
        when = _day(day, "--date") or _today(found)
        clusters = find_clusters(session=session, school=found, day=when)
        typer.echo(f"{found.name}: possible outbreaks in the five school days to "
                   f"{when:%a %-d %b %Y}: {len(clusters)}")
        for cluster in clusters:
            _print(cluster)
        if flag:
            flagged = flag_clusters(session=session, school=found, clusters=clusters,
                                    now=system_clock())
            opened = sum(1 for f in flagged if f.opened)
            typer.echo(f"Tasks for the head: {opened} opened, {len(flagged) - opened} brought "
                       f"up to date, {len(clusters) - len(flagged)} unchanged")


def _print(cluster: Cluster) -> None:
    typer.echo(f"  {cluster.title}: {len(cluster.cases)} pupils since "
               f"{cluster.onset:%a %-d %b} (usually about {cluster.usual:.1f} in five school "
               f"days)")
    for case in cluster.cases:
        pupil = case.pupil
        typer.echo(f"    {case.first_day:%a %-d %b}  {pupil.upn}  {pupil.display_name:<28} "
                   f"{pupil.reg_group or '':<6} \"{case.words}\"")

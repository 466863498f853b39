"""`rollcall staff add`: staff accounts for the web pages."""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from typing import Annotated

import typer
from sqlmodel import Session

from core.clock import system_clock
from core.models import StaffRole
from core.schools import find_school
from core.staff import MIN_PASSWORD, add_staff

staff_app = typer.Typer(help="Staff accounts for the web pages.", no_args_is_help=True)


def _session() -> AbstractContextManager[Session]:
    from bot import cli  # it registers these commands, so it is loaded by now

    return cli._session()


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt(f"Password (at least {MIN_PASSWORD} characters)", hide_input=True,
                            confirmation_prompt=True))


@staff_app.command("add")
def staff_add(
    email: Annotated[str, typer.Argument(help="Their email: what they sign in with.")],
    role: Annotated[StaffRole, typer.Option(help="What they do; it decides what they see.")],
    school: Annotated[str | None, typer.Option(
        "--school", help="The school's slug; may be left out when there is only one school.")]
    = None,
    name: Annotated[str | None, typer.Option(help="Their name as colleagues know it.")] = None,
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input "
        "instead of prompting.")] = False,
) -> None:
    """Add a member of staff, or change the role, name and password of one who exists."""
    password = _password(password_stdin)
    with _session() as session:
        added = add_staff(session=session, school=find_school(session, school), email=email,
                          role=role.value, name=name, password=password, clock=system_clock)
        user = added.user
        typer.echo(f"{'Added' if added.created else 'Updated'} {user.name} <{user.email}> "
                   f"as {user.role}")

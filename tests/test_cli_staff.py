"""`rollcall staff add`: a member of staff who can then sign in."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from core import db
from core.clock import system_clock
from core.models import StaffUser
from core.staff import sign_in


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite:///{tmp_path / 'rollcall.db'}"
    result = CliRunner().invoke(app, ["school", "add", "Oakfield Primary"],
                                env={"ROLLCALL_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return url


def staff_add(url: str, *args: str, password: str) -> str:
    result = CliRunner().invoke(app, ["staff", "add", *args], input=password,
                                env={"ROLLCALL_DATABASE_URL": url})
    return f"{result.exit_code}: {result.output}"


def test_a_member_of_staff_added_with_a_password_can_sign_in(database: str) -> None:
    out = staff_add(database, "Jo.Office@Oakfield.example.org", "--role", "office",
                    "--name", "Jo Bloggs", "--password-stdin", password="correct horse 1\n")
    assert out == "0: Added Jo Bloggs <jo.office@oakfield.example.org> as office\n"
    engine = db.make_engine(database)
    with Session(engine) as session:
        user = sign_in(session=session, email="jo.office@oakfield.example.org",
                       password="correct horse 1", clock=system_clock)
        assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
    engine.dispose()


def test_adding_again_updates_the_role_and_the_password(database: str) -> None:
    staff_add(database, "dsl@oakfield.example.org", "--role", "office", "--password-stdin",
              password="first-password\n")
    out = staff_add(database, "dsl@oakfield.example.org", "--role", "dsl",
                    "--password-stdin", password="second-password\n")
    assert out.startswith("0: Updated dsl <dsl@oakfield.example.org> as dsl")
    engine = db.make_engine(database)
    with Session(engine) as session:
        assert len(session.exec(select(StaffUser)).all()) == 1
    engine.dispose()


def test_the_password_is_asked_for_twice_when_not_on_stdin(database: str) -> None:
    out = staff_add(database, "head@oakfield.example.org", "--role", "headteacher",
                    password="a-long-password\na-long-password\n")
    assert "Added head" in out


def test_a_short_password_or_an_unknown_role_is_refused(database: str) -> None:
    assert "at least 10 characters" in staff_add(
        database, "a@b.org", "--role", "office", "--password-stdin", password="short\n")
    assert staff_add(database, "a@b.org", "--role", "janitor", "--password-stdin",
                     password="long-enough-1\n").startswith("2:")

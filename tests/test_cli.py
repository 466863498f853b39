"""The `rollcall` command as an IT person uses it: set up schools, import rosters, check files."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from bot.cli import app
from core import db
from core.models import Pupil
from tests.conftest import CORPUS_CALENDAR
from tests.core.roster_files import csv_text, row, smith_family
from tests.test_docs import command_paths


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rollcall.db'}"


@pytest.fixture
def rollcall(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), env={"ROLLCALL_DATABASE_URL": database})

    return run


@pytest.mark.parametrize("path", command_paths())
def test_every_command_explains_itself(rollcall, path: str) -> None:  # type: ignore[no-untyped-def]
    result = rollcall(*path.split()[1:], "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output and len(result.output.splitlines()) > 4


def test_add_a_school_import_its_roster_and_list_it(rollcall, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    added = rollcall("school", "add", "Example Primary", "--calendar", str(CORPUS_CALENDAR))
    assert added.exit_code == 0, added.output
    assert "Added school Example Primary (example-primary)" in added.output
    roster = tmp_path / "roster.csv"
    roster.write_text(csv_text(smith_family()))
    imported = rollcall("import", "roster", str(roster))
    assert imported.exit_code == 0, imported.output
    assert "rows:     5 added, 0 updated, 0 unchanged, 0 rejected" in imported.output
    again = rollcall("import", "roster", str(roster), "--school", "example-primary")
    assert "rows:     0 added, 0 updated, 5 unchanged, 0 rejected" in again.output
    listed = rollcall("school", "list")
    assert "example-primary\tExample Primary\t3 pupils\t3 contacts" in listed.output


def test_rejected_rows_are_listed_and_the_command_fails(rollcall, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rollcall("school", "add", "Example Primary")
    roster = tmp_path / "roster.csv"
    roster.write_text(csv_text([*smith_family(), row(9, "Isla", "Bell", "Kerry Bell", "123")]))
    result = rollcall("import", "roster", str(roster))
    assert result.exit_code == 1
    assert "rows:     5 added, 0 updated, 0 unchanged, 1 rejected" in result.output
    assert "rejected line 7: mobile: '123' is not a valid phone number" in result.output


def test_a_failure_during_import_writes_nothing(rollcall, database: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    rollcall("school", "add", "Example Primary")
    engine = db.make_engine(database)
    with engine.begin() as connection:
        connection.execute(text("""CREATE TRIGGER fail_late BEFORE INSERT ON pupil_contact
            WHEN (SELECT count(*) FROM pupil_contact) >= 4
            BEGIN SELECT RAISE(ABORT, 'disk full'); END"""))
    roster = tmp_path / "roster.csv"
    roster.write_text(csv_text(smith_family()))
    result = rollcall("import", "roster", str(roster))
    assert result.exit_code != 0
    with Session(engine) as session:
        assert session.exec(select(Pupil)).all() == []


def test_errors_are_plain_sentences_not_tracebacks(rollcall, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    roster = tmp_path / "roster.csv"
    roster.write_text(csv_text(smith_family()))
    no_school = rollcall("import", "roster", str(roster))
    assert no_school.exit_code == 2
    assert "there are no schools yet" in no_school.output
    bad_policy = tmp_path / "policy.toml"
    bad_policy.write_text("[chasing]\nchase_at = \"half nine\"\n")
    added = rollcall("school", "add", "Hillside", "--policy", str(bad_policy))
    assert added.exit_code == 2
    assert "policy.toml: chasing.chase_at: Input should be in a valid time format" in \
        added.output


def test_policy_check_summarises_a_good_file(rollcall) -> None:  # type: ignore[no-untyped-def]
    example = Path(__file__).resolve().parents[1] / "examples" / "policies" / "default.toml"
    result = rollcall("policy", "check", str(example))
    assert result.exit_code == 0
    assert "register 08:45-09:15; chase at 09:30, next contact after 30 min, escalate at " \
           "12:00" in result.output
    assert "day 2 09:30 task -> attendance_officer [no_contact] Home visit" in result.output


def test_calendar_show_says_why_there_is_no_school(rollcall) -> None:  # type: ignore[no-untyped-def]
    rollcall("school", "add", "Example Primary", "--calendar", str(CORPUS_CALENDAR))
    result = rollcall("calendar", "show", "--from", "2026-11-26", "--days", "3")
    assert result.exit_code == 0
    assert "Thu 26 Nov 2026  school day" in result.output
    assert "Fri 27 Nov 2026  INSET day" in result.output
    assert "Sat 28 Nov 2026  weekend" in result.output


def test_codes_lists_the_2024_codes(rollcall) -> None:  # type: ignore[no-untyped-def]
    result = rollcall("codes")
    lines = result.output.splitlines()
    assert len(lines) == 34
    assert any(line.startswith("N   absence, unauthorised") for line in lines)
    assert not any(line.startswith("H ") for line in lines)


def test_db_upgrade_reports_the_revision(rollcall) -> None:  # type: ignore[no-untyped-def]
    head = db.head_revision()
    first = rollcall("db", "upgrade")
    assert first.exit_code == 0 and f"Database at revision {head} (was None)" in first.output
    assert rollcall("db", "upgrade").output.strip() == f"Database at revision {head}"

"""The register commands as the IT person and the attendance officer use them: import the
MIS's marks, export a day's marks, read the trail and the discrepancies."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session
from typer.testing import CliRunner, Result

from bot.cli import app
from core import db
from core.clock import FixedClock
from core.models import School
from core.register_approval import approve_report
from core.schools import find_school
from tests.conftest import CORPUS_CALENDAR
from tests.core.register_files import AMELIA, JACK, enrol_smiths, make_report, marks_csv
from tests.handlers.channel_app import monday_morning

Run = Callable[..., Result]
MON = date(2026, 11, 23)


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rollcall.db'}"


@pytest.fixture
def rollcall(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), env={"ROLLCALL_DATABASE_URL": database})

    assert run("school", "add", "Example Primary", "--slug", "example", "--calendar",
               str(CORPUS_CALENDAR)).exit_code == 0
    engine = db.make_engine(database)
    with Session(engine) as session:
        enrol_smiths(session, find_school(session, None), monday_morning())
    engine.dispose()
    return run


def in_database(database: str, act: Callable[[Session, School, FixedClock], object]) -> None:
    engine = db.make_engine(database)
    with Session(engine) as session:
        act(session, find_school(session, None), monday_morning())
        session.commit()
    engine.dispose()


def test_import_marks_reports_counts_and_rejected_lines(rollcall: Run, tmp_path: Path) -> None:
    marks = tmp_path / "marks.csv"
    marks.write_text(marks_csv(("2026-11-23", "AM", JACK, "N"), ("23/11/2026", "AM", AMELIA, "/"),
                               ("2026-11-23", "PM", AMELIA, "Y")))
    result = rollcall("import", "register", str(marks))
    assert result.exit_code == 1
    assert "rows:     2 added, 0 updated, 0 unchanged, 1 rejected" in result.output
    assert "rejected line 4: mark 'Y': Y is now split into Y1 to Y7" in result.output
    again = rollcall("import", "register", str(marks), "--school", "example")
    assert "rows:     0 added, 0 updated, 2 unchanged, 1 rejected" in again.output


def test_export_writes_the_days_csv_and_lists_ns_left_standing(rollcall: Run, tmp_path: Path,
                                                               database: str) -> None:
    marks = tmp_path / "marks.csv"
    marks.write_text(marks_csv(("2026-11-16", "AM", JACK, "N"), ("2026-11-23", "AM", JACK, "N"),
                               ("2026-11-23", "AM", AMELIA, "/")))
    rollcall("import", "register", str(marks))

    def approve(session: Session, school: School, clock: FixedClock) -> None:
        report = make_report(session, school, clock, JACK, first_day=MON, part="am")
        assert report.id is not None
        approve_report(session=session, school=school, report_id=report.id, clock=clock,
                       staff="office@example.sch.uk", role="office")

    in_database(database, approve)
    result = rollcall("export", "register", "--date", "2026-11-23")
    assert result.exit_code == 0, result.output
    assert result.stdout == ("upn,date,session,mark,source,amended\n"
                             f"{JACK},2026-11-23,AM,I,rollcall,yes\n"
                             f"{AMELIA},2026-11-23,AM,/,mis,no\n")
    assert result.stderr == (
        "N marks unresolved for 5 school days or more: change each to the right code (O if "
        "no reason is established)\n"
        f"  {JACK}  Jack Smith  Mon 16 Nov 2026 AM  (5 school days)\n")
    out = tmp_path / "out.csv"
    rollcall("export", "register", "--date", "2026-11-23", "--out", str(out))
    assert out.read_text() == result.stdout


def test_the_trail_and_the_discrepancies_are_printed_for_staff(rollcall: Run, tmp_path: Path,
                                                               database: str) -> None:
    marks = tmp_path / "marks.csv"
    marks.write_text(marks_csv(("2026-11-23", "AM", JACK, "N"), ("2026-11-23", "AM", AMELIA, "/")))
    rollcall("import", "register", str(marks))
    marks.write_text(marks_csv(("2026-11-23", "AM", JACK, "O")))
    rollcall("import", "register", str(marks))
    in_database(database, lambda session, school, clock: make_report(
        session, school, clock, AMELIA, first_day=MON, part="am"))
    trail = rollcall("register", "trail", "--pupil", JACK.lower(), "--from", "2026-11-23")
    # The import ran at the real time, shown between the marks and who changed them.
    assert re.fullmatch(rf"2026-11-23 AM  {JACK}  N -> O  \d{{4}}-\d\d-\d\d \d\d:\d\d  "
                        r"MIS import \(system\): changed in the MIS\n", trail.output)
    assert rollcall("register", "trail", "--staff", "nobody@x.org").output == "No amendments.\n"
    found = rollcall("register", "discrepancies", "--date", "2026-11-23")
    assert found.output == ("Reported absent, marked present:\n"
                            f"  {AMELIA}  Millie Smith  AM  (report #1)\n")
    bad = rollcall("register", "trail", "--from", "23/11")
    assert bad.exit_code == 2 and "'23/11' is not a date like 2026-11-23" in bad.output


def test_the_attendance_report_as_json_and_as_a_table(rollcall: Run, tmp_path: Path) -> None:
    marks = tmp_path / "marks.csv"
    marks.write_text(marks_csv(("2026-11-23", "AM", AMELIA, "/"), ("2026-11-23", "PM", AMELIA, "O"),
                               ("2026-11-23", "AM", JACK, "/"), ("2026-11-23", "PM", JACK, "\\")))
    assert rollcall("import", "register", str(marks)).exit_code == 0
    result = rollcall("attendance", "report", "--date", "2026-11-23", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["upn"]: row for row in json.loads(result.output)}
    assert (rows[AMELIA]["attendance_pct"], rows[AMELIA]["unauthorised_absences"]) == (50.0, 1)
    assert rows[AMELIA]["severe_absence"] and not rows[JACK]["persistent_absence"]
    table = rollcall("attendance", "report", "--date", "2026-11-23").output
    assert re.search(r"Whole school\s+3\s+4\s+75\.0%", table)
    assert "Persistently absent (10% or more of sessions missed): 1" in table
    refused = rollcall("attendance", "report", "--date", "2027-08-01")
    assert refused.exit_code != 0 and "outside" in refused.output

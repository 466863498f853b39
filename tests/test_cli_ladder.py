"""`rollcall attendance ladder` as the attendance officer runs it: the week's proposals from
the register, nothing twice, and a plain refusal for a school without a ladder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from bot.cli import app
from core import db
from core.attendance_models import Intervention, LadderRun
from core.calendar import load_calendar
from core.schools import find_school
from tests.conftest import CORPUS_CALENDAR
from tests.core.register_files import AMELIA, JACK, enrol_smiths, marks_csv
from tests.handlers.channel_app import monday_morning

Run = Callable[..., Result]
BROMLEY = Path(__file__).resolve().parents[1] / "examples" / "policies" / "bromley-hills.toml"


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rollcall.db'}"


def school_with(database: str, tmp_path: Path, *policy: str) -> Run:
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), env={"ROLLCALL_DATABASE_URL": database})

    added = run("school", "add", "Example Primary", "--slug", "example", "--calendar",
                str(CORPUS_CALENDAR), *policy)
    assert added.exit_code == 0, added.output
    engine = db.make_engine(database)
    with Session(engine) as session:
        enrol_smiths(session, find_school(session, None), monday_morning())
    engine.dispose()
    # September's register to Fri 25 Sep: Amelia away on Wed 16th (unauthorised), Jack in
    # every day.
    calendar = load_calendar(CORPUS_CALENDAR)
    rows = []
    for day in calendar.school_days(date(2026, 9, 3), date(2026, 9, 26)):
        for part, present in (("AM", "/"), ("PM", "\\")):
            rows += [(day.isoformat(), part, AMELIA, "O" if day == date(2026, 9, 16)
                      else present), (day.isoformat(), part, JACK, present)]
    marks = tmp_path / "marks.csv"
    marks.write_text(marks_csv(*rows))
    assert run("import", "register", str(marks)).exit_code == 0
    return run


def test_the_weekly_run_proposes_each_pupils_next_step_once(database: str,
                                                           tmp_path: Path) -> None:
    run = school_with(database, tmp_path, "--policy", str(BROMLEY))
    first = run("attendance", "ladder", "--date", "2026-09-25")
    assert first.exit_code == 0, first.output
    lines = first.output.splitlines()
    assert lines[:2] == ["Example Primary: attendance ladder on the figures to Fri 25 Sep 2026",
                         "1 step(s) proposed:"]
    assert lines[2].split() == [AMELIA, "Millie", "Smith", "first-letter:", "attendance",
                                "94.1%;", "below", "95%"]
    assert lines[3].startswith("Waiting for a decision: 1")
    again = run("attendance", "ladder", "--date", "2026-09-25")
    assert again.output.splitlines()[1:3] == ["0 step(s) proposed.",
                                              "Waiting for a decision: 1 (approve or dismiss "
                                              "them on the staff page "
                                              "/staff/attendance/ladder)"]
    engine = db.make_engine(database)
    with Session(engine) as session:
        steps = session.exec(select(Intervention)).all()
        runs = session.exec(select(LadderRun)).all()
    engine.dispose()
    assert [(s.step, s.status, s.as_of) for s in steps] == [
        ("first-letter", "proposed", date(2026, 9, 25))]
    # The run is noted for its week, so the tick does not run the school again that week.
    assert [(r.week, r.proposed) for r in runs] == [
        (date(2026, 9, 25) - timedelta(days=4), 1)]


def test_a_school_without_a_ladder_is_told_how_to_add_one(database: str,
                                                          tmp_path: Path) -> None:
    run = school_with(database, tmp_path)
    result = run("attendance", "ladder", "--date", "2026-09-25")
    assert result.exit_code == 2
    assert "policy has no [monitoring] section" in result.output


def test_a_date_outside_the_school_year_is_refused_plainly(database: str,
                                                           tmp_path: Path) -> None:
    run = school_with(database, tmp_path, "--policy", str(BROMLEY))
    result = run("attendance", "ladder", "--date", "2030-01-01")
    assert result.exit_code == 2 and "outside Example Primary's calendar" in result.output
    assert run("attendance", "ladder", "--date", "25/09/2026").exit_code != 0

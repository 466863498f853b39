"""`rollcall attendance pack` and `rollcall attendance outbreaks` as the head and the IT person
use them: a PDF for the governors, and outbreaks listed, then flagged once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner, Result

from bot.cli import app
from core import db
from core.attendance_models import StaffTask
from core.schools import find_school
from tests.conftest import CORPUS_CALENDAR
from tests.core.monitoring_files import (
    FIRST,
    LAST,
    enrol,
    mark,
    pdf_text,
    report_illness,
    school_week,
    whole_days,
)

Run = Callable[..., Result]


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'rollcall.db'}"


@pytest.fixture
def rollcall(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Example Primary: 3B and 4C, twenty pupils each, a week of marks from 16 Nov, and three
    pupils of 3B off with chickenpox that week."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str) -> Result:
        return runner.invoke(app, list(args), env={"ROLLCALL_DATABASE_URL": database})

    assert run("school", "add", "Example Primary", "--slug", "example", "--calendar",
               str(CORPUS_CALENDAR)).exit_code == 0
    engine = db.make_engine(database)
    with Session(engine) as session:
        school = find_school(session, None)
        pupils = enrol(session, school, {"3B": 20, "4C": 20})
        mark(session, school, whole_days(pupils, school_week(date(2026, 11, 16))))
        for n, words in enumerate(["chickenpox", "chicken pox", "has chickenpox, spots"]):
            report_illness(session, school, pupils[n], date(2026, 11, 16 + n), words)
    engine.dispose()
    return run


def tasks(database: str) -> list[StaffTask]:
    engine = db.make_engine(database)
    with Session(engine) as session:
        found = list(session.exec(select(StaffTask)).all())
    engine.dispose()
    return found


def test_the_pack_is_written_as_a_pdf_naming_no_pupil(rollcall: Run, tmp_path: Path) -> None:
    result = rollcall("attendance", "pack", "--date", "2026-11-20", "--out", "governors.pdf")
    assert result.exit_code == 0, result.output
    assert "Example Primary: governors' pack to 20 Nov 2026 written to governors.pdf" in (
        result.output)
    assert "Attendance 100.0%, meeting the target of 96%." in result.output
    data = (tmp_path / "governors.pdf").read_bytes()
    text = pdf_text(data)
    assert data.startswith(b"%PDF-") and "Year 3" in text and "Year 4" in text
    assert FIRST not in text and LAST not in text


def test_the_pack_has_a_name_of_its_own_by_default(rollcall: Run, tmp_path: Path) -> None:
    assert rollcall("attendance", "pack", "--date", "2026-11-20").exit_code == 0
    assert (tmp_path / "governors-pack-example-2026-11-20.pdf").read_bytes()[:5] == b"%PDF-"


def test_a_pack_outside_the_school_year_is_refused(rollcall: Run, tmp_path: Path) -> None:
    result = rollcall("attendance", "pack", "--date", "2027-08-01")
    assert result.exit_code == 2 and "outside" in result.output
    assert list(tmp_path.glob("*.pdf")) == []


def test_outbreaks_are_listed_then_flagged_once(rollcall: Run, database: str) -> None:
    listed = rollcall("attendance", "outbreaks", "--date", "2026-11-19")
    assert listed.exit_code == 0, listed.output
    assert "possible outbreaks in the five school days to Thu 19 Nov 2026: 1" in listed.output
    assert ("Possible chickenpox outbreak in class 3B: 3 pupils since Mon 16 Nov (usually "
            "about 0.0 in five school days)") in listed.output
    assert f"Tue 17 Nov  A000000000002  {FIRST}2 {LAST}" in listed.output
    assert tasks(database) == []  # listing flags nothing

    flagged = rollcall("attendance", "outbreaks", "--date", "2026-11-19", "--flag")
    assert "Tasks for the head: 1 opened, 0 brought up to date, 0 unchanged" in flagged.output
    again = rollcall("attendance", "outbreaks", "--date", "2026-11-19", "--flag")
    assert "Tasks for the head: 0 opened, 0 brought up to date, 1 unchanged" in again.output
    assert [t.title for t in tasks(database)] == ["Possible chickenpox outbreak in class 3B"]


def test_a_quiet_week_has_no_outbreaks(rollcall: Run) -> None:
    result = rollcall("attendance", "outbreaks", "--date", "2026-11-10", "--flag")
    assert result.exit_code == 0
    assert "possible outbreaks in the five school days to Tue 10 Nov 2026: 0" in result.output

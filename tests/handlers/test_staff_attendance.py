"""The Attendance page: the year's figures by group, the persistently absent and those at the
penalty-notice threshold, with the safeguarding groups for the DSL and the head only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from core.clock import FixedClock
from core.models import Pupil, School
from core.register import import_marks
from core.register_rows import read_marks_text
from tests.core.register_files import marks_csv
from tests.handlers.channel_app import copy_of, engine_of
from tests.handlers.staff_client import NOW, demo_database, sign_in, staff_app


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(demo_database(tmp_path_factory.mktemp("attendance")).removeprefix("sqlite:///"))


@pytest.fixture
def client(template_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    yield from staff_app(copy_of(template_db, tmp_path))


def a_week_of_marks(client: TestClient) -> tuple[Pupil, Pupil]:
    """The week of 16 Nov: one pupil away unexplained all week, another on a CP plan in
    every session; everyone else has no marks (so does not count)."""
    with Session(engine_of(client), expire_on_commit=False) as session:
        away = session.exec(select(Pupil).where(~col(Pupil.child_protection_plan))
                            .order_by(Pupil.id)).first()
        cp = session.exec(select(Pupil).where(col(Pupil.child_protection_plan))).first()
        school = session.get(School, away.school_id)  # type: ignore[union-attr]
        assert away and cp and school
        rows = []
        for n in range(10):
            day = (date(2026, 11, 16) + timedelta(days=n // 2)).isoformat()
            part = "AM" if n % 2 == 0 else "PM"
            rows += [(day, part, away.upn, "O"), (day, part, cp.upn, "/")]
        import_marks(session=session, school=school, clock=FixedClock(NOW),
                     rows=read_marks_text(marks_csv(*rows)))
        session.commit()
        return away, cp


def test_the_page_shows_the_groups_and_the_pupils_behind_them(client: TestClient) -> None:
    away, _ = a_week_of_marks(client)
    sign_in(client, "attendance_officer")
    page = client.get("/staff/attendance").text
    assert "<th scope=\"row\">Whole school</th>" in page
    assert "50.0%" in page  # 10 attended of 20 possible sessions
    assert "Persistently absent (1)" in page and f"/staff/pupils/{away.id}" in page
    assert "10 or more unauthorised sessions in ten school weeks (1)" in page
    assert "Child protection plan" not in page


def test_the_safeguarding_groups_are_for_the_dsl(client: TestClient) -> None:
    a_week_of_marks(client)
    sign_in(client, "dsl")
    assert "<th scope=\"row\">Child protection plan</th>" in client.get("/staff/attendance").text


def test_a_date_outside_the_year_says_so_and_shows_today(client: TestClient) -> None:
    sign_in(client, "office")
    page = client.get("/staff/attendance?day=2030-01-01")
    assert page.status_code == 200
    refreshed = client.get("/staff/attendance").text
    assert "outside" in page.text + refreshed

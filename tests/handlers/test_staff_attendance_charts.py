"""Attendance in pictures and the governors' pack, as staff get them: the charts page with a
table beside each chart, and the PDF for the head and the attendance officer only."""

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
from tests.core.monitoring_files import pdf_text
from tests.core.register_files import marks_csv
from tests.handlers.channel_app import copy_of, engine_of
from tests.handlers.page_tables import table
from tests.handlers.staff_client import NOW, demo_database, sign_in, staff_app


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(demo_database(tmp_path_factory.mktemp("charts")).removeprefix("sqlite:///"))


@pytest.fixture
def client(template_db: Path, tmp_path: Path) -> Iterator[TestClient]:
    yield from staff_app(copy_of(template_db, tmp_path))


def a_week_of_marks(client: TestClient) -> list[Pupil]:
    """The week of 16 Nov for every demo pupil: all in, but the first ten are off ill on
    Monday and the next five on a holiday the school did not agree on Friday."""
    with Session(engine_of(client), expire_on_commit=False) as session:
        pupils = list(session.exec(select(Pupil).order_by(col(Pupil.id))).all())
        school = session.get(School, pupils[0].school_id)
        assert school is not None
        rows = []
        for n in range(10):
            day = date(2026, 11, 16) + timedelta(days=n // 2)
            part = "AM" if n % 2 == 0 else "PM"
            for i, pupil in enumerate(pupils):
                code = ("I" if i < 10 and n < 2 else "G" if 10 <= i < 15 and n >= 8
                        else "/" if part == "AM" else "\\")
                rows.append((day.isoformat(), part, pupil.upn, code))
        import_marks(session=session, school=school, clock=FixedClock(NOW),
                     rows=read_marks_text(marks_csv(*rows)))
        session.commit()
        return pupils


def test_the_charts_page_draws_each_chart_with_its_table(client: TestClient) -> None:
    pupils = a_week_of_marks(client)
    sign_in(client, "office")
    page = client.get("/staff/attendance/charts").text
    for title in ("Whole-school attendance week by week", "Attendance by weekday",
                  "Attendance by year group", "Absence by reason"):
        assert f"-title\">{title}</title>" in page
    assert page.count('role="img"') == 4 and "<script" not in page.split("<main")[1]
    possible = 2 * len(pupils)  # a day's sessions
    assert table(page, "weekdays-data")[0] == [_pct(possible - 20, possible), str(possible)]
    assert table(page, "weekdays-data")[4] == [_pct(possible - 10, possible), str(possible)]
    assert table(page, "reasons-data")[:2] == [
        ["20", _pct(20, 30), "10"], ["10", _pct(10, 30), "5"]]
    assert "Governors&#39; pack" not in page and "pack.pdf" not in page  # not the office's


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%"


def test_an_empty_register_says_there_is_nothing_to_draw(client: TestClient) -> None:
    sign_in(client, "attendance_officer")
    page = client.get("/staff/attendance/charts").text
    assert page.count("No figures to draw yet.") == 4 and "<svg" not in page
    assert "pack.pdf?day=2026-11-23" in page


@pytest.mark.parametrize("role", ["headteacher", "attendance_officer"])
def test_the_head_and_the_attendance_officer_download_the_pack(client: TestClient,
                                                               role: str) -> None:
    pupils = a_week_of_marks(client)
    sign_in(client, role)
    assert "pack.pdf?day=2026-11-23" in client.get("/staff/attendance").text
    response = client.get("/staff/attendance/pack.pdf?day=2026-11-20")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == (
        'attachment; filename="governors-pack-demo-2026-11-20.pdf"')
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response.content)
    assert "Attendance: governors' pack" in text and "the school year from" in text
    assert "Year 3" in text and "Free school meals" in text
    named = [p.upn for p in pupils if p.upn in text] + [
        p.display_name for p in pupils if p.display_name in text] + [
        f"{p.legal_first_name} {p.legal_last_name}" for p in pupils
        if f"{p.legal_first_name} {p.legal_last_name}" in text]
    assert named == []
    assert "Child protection" not in text and "Looked after" not in text


@pytest.mark.parametrize("role", ["office", "dsl", "admin"])
def test_other_roles_get_no_pack(client: TestClient, role: str) -> None:
    sign_in(client, role)
    assert client.get("/staff/attendance/pack.pdf").status_code == 403
    assert "pack.pdf" not in client.get("/staff/attendance").text


def test_a_pack_for_a_day_outside_the_year_is_refused_plainly(client: TestClient) -> None:
    sign_in(client, "headteacher")
    response = client.get("/staff/attendance/pack.pdf?day=2030-01-01")
    assert response.status_code == 200  # back on the Attendance page, which says why
    assert response.headers["content-type"].startswith("text/html")
    assert "No governors&#39; pack: 2030-01-01 is outside" in response.text

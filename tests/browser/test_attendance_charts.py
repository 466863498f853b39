"""The attendance charts in Chromium: pictures a screen reader can name, their tables reachable
from the keyboard, the WCAG audit passed with real figures drawn, and the governors' pack
downloaded from the page."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlmodel import Session, col, select

from core import db
from core.attendance_models import RegisterMark
from core.models import Pupil, School
from core.schools import school_calendar
from tests.browser.conftest import URLS, shot, sign_in
from tests.browser.test_staff_accessibility import audit
from tests.handlers.staff_client import NOW

CHARTS = ("Whole-school attendance week by week", "Attendance by weekday",
          "Attendance by year group", "Absence by reason")


@pytest.fixture
def autumn_term(server: str) -> None:
    """Every demo pupil's register from September to 20 November: mostly in, some off ill,
    at appointments or unexplained, a little more on Mondays and Fridays."""
    rng = random.Random(2026)
    engine = db.make_engine(URLS[server])
    with Session(engine) as session:
        if session.exec(select(RegisterMark)).first() is not None:
            return  # the same server, already filled
        pupils = session.exec(select(Pupil).order_by(col(Pupil.id))).all()
        school = session.get(School, pupils[0].school_id)
        assert school is not None
        calendar = school_calendar(school)
        day, rows = calendar.first_day, []
        while day <= date(2026, 11, 20):
            if calendar.is_school_day(day):
                for pupil in pupils:
                    away = rng.random() < (0.07 if day.weekday() in (0, 4) else 0.04)
                    code = rng.choice("IIIIMGNO") if away else None
                    rows += [RegisterMark(school_id=pupil.school_id, pupil_id=pupil.id, day=day,
                                          session=part, mark=code or mark, source="mis",
                                          created_at=NOW, updated_at=NOW)
                             for part, mark in (("AM", "/"), ("PM", "\\"))]
            day += timedelta(days=1)
        session.add_all(rows)
        session.commit()
    engine.dispose()


def test_the_charts_are_named_pictures_with_their_figures(page, autumn_term: None  # type: ignore[no-untyped-def]
                                                          ) -> None:
    sign_in(page, "attendance_officer")
    page.get_by_role("link", name="Attendance", exact=True).click()
    page.get_by_role("link", name="Charts", exact=True).click()
    page.get_by_role("heading", name="The year in pictures").wait_for()
    for title in CHARTS:
        picture = page.get_by_role("img", name=title)
        assert picture.is_visible()
        box = picture.bounding_box()
        assert box is not None and box["width"] > 300  # drawn at a readable size
        assert page.get_by_role("table", name=f"{title}: the figures").is_visible()
    weekdays = page.get_by_role("table", name="Attendance by weekday: the figures")
    assert weekdays.get_by_role("rowheader").all_inner_texts() == [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    shot(page, "attendance-charts")
    audit(page, "a11y-attendance-charts")
    page.set_viewport_size({"width": 768, "height": 1024})
    audit(page, "a11y-tablet-attendance-charts")


def test_the_tables_scroll_from_the_keyboard(page, autumn_term: None) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "office")
    page.goto("/staff/attendance/charts")
    region = page.get_by_role("region", name="Whole-school attendance week by week: the figures")
    region.focus()
    assert page.evaluate("document.activeElement.getAttribute('role')") == "region"
    before = region.evaluate("el => el.scrollTop")
    page.keyboard.press("PageDown")
    # The browser may scroll smoothly: wait (up to 5 s) for the table to have moved.
    page.wait_for_function("([el, before]) => el.scrollTop > before",
                           arg=[region.element_handle(), before], timeout=5000)


def test_the_head_downloads_the_governors_pack(page, autumn_term: None) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "headteacher")
    page.goto("/staff/attendance/charts?day=2026-11-20")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the governors' pack (PDF)").click()
    assert download.value.suggested_filename == "governors-pack-demo-2026-11-20.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

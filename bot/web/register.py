"""The Register page: a day's marks for the MIS (previewed, then the same CSV as
`rollcall export register`), N marks left too long, and the amendment trail filtered by
pupil, register days or who changed them, with a CSV of it for inspectors.

Every role sees it: it is the legal record, and it shows no safeguarding data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from bot.web.auth import StaffDep, staff_school
from bot.web.render import staff_page
from core.codes import CODES
from core.models import School
from core.register_export import (
    TrailFilter,
    count_trail,
    day_marks,
    export_csv,
    read_trail,
    standing_n_marks,
)
from core.schools import school_calendar, school_policy, slugify
from core.staff_register import day_summary, trail_csv, trail_people

TRAIL_CAP = 200  # rows on the page; the CSV holds every change the filters match

From = Annotated[str, Query(alias="from")]


@dataclass(frozen=True)
class TrailForm:
    """The trail's filters as typed, to put back in the form and the CSV link."""

    pupil: str = ""
    start: str = ""
    end: str = ""
    by: str = ""

    def query(self) -> str:
        return urlencode({k: v for k, v in (("pupil", self.pupil), ("from", self.start),
                                            ("to", self.end), ("by", self.by)) if v})


def _day(value: str, label: str, problems: list[str]) -> date | None:
    """A date from the form; a bad one is said on the page and left out."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        problems.append(f"{label} {value[:20]!r} is not a date like 2026-11-23, so it was "
                        "left out.")
        return None


def _filters(form: TrailForm, problems: list[str]) -> TrailFilter:
    return TrailFilter(search=form.pupil, start=_day(form.start, "Mark date from", problems),
                       end=_day(form.end, "Mark date to", problems), staff=form.by or None)


def _today(request: Request, school: School) -> date:
    return school_calendar(school).local_date(request.app.state.clock())


def _csv(text: str, filename: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def router() -> APIRouter:
    routes = APIRouter(tags=["staff pages"])

    @routes.get("/staff/register", response_class=HTMLResponse)
    def register_page(request: Request, staff: StaffDep, day: str = "", pupil: str = "",
                      start: From = "", to: str = "", by: str = "") -> HTMLResponse:
        """The export with a preview of its day, Ns left too long, and the trail."""
        problems: list[str] = []
        form = TrailForm(pupil[:100], start[:20], to[:20], by[:254])
        filters = _filters(form, problems)
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            today = _today(request, school)
            shown = _day(day, "Register day", problems) or today
            rows = day_marks(session=session, school=school, day=shown)
            entries = read_trail(session=session, school=school, filters=filters,
                                 newest_first=True, limit=TRAIL_CAP)
            total = count_trail(session=session, school=school, filters=filters) \
                if len(entries) == TRAIL_CAP else len(entries)
            people = trail_people(session=session, school=school)
            return staff_page(
                request, staff, "register.html", section="register", problems=problems,
                summary=day_summary(school=school, day=shown, rows=rows), today=today,
                standing=standing_n_marks(session=session, school=school, on=today),
                limit=school_policy(school).chasing.unresolved_n_limit_days,
                entries=entries, total=total, cap=TRAIL_CAP, form=form, people=people,
                names={p.value.lower(): p.label for p in people}, codes=CODES,
                zone=school_calendar(school).spec.timezone)

    @routes.get("/staff/register/export")
    def export(request: Request, staff: StaffDep, day: str = "") -> Response:
        """The day's marks for the MIS: the file `rollcall export register` writes."""
        problems: list[str] = []
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            when = _day(day, "Register day", problems) or _today(request, school)
            if problems:
                raise HTTPException(400, problems[0])
            text = export_csv(day_marks(session=session, school=school, day=when))
        return _csv(text, f"{slugify(school.name)}-register-{when.isoformat()}.csv")

    @routes.get("/staff/register/trail.csv")
    def trail_file(request: Request, staff: StaffDep, pupil: str = "", start: From = "",
                   to: str = "", by: str = "") -> Response:
        """Every change the page's filters match, oldest first, for inspectors."""
        problems: list[str] = []
        filters = _filters(TrailForm(pupil[:100], start[:20], to[:20], by[:254]), problems)
        if problems:
            raise HTTPException(400, problems[0])
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            calendar = school_calendar(school)
            entries = read_trail(session=session, school=school, filters=filters)
            today = calendar.local_date(request.app.state.clock())
        return _csv(trail_csv(entries, calendar.zone),
                    f"{slugify(school.name)}-amendment-trail-{today.isoformat()}.csv")

    return routes

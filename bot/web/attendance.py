"""Attendance: the school's figures for the year to date, by group, with the pupils who are
persistently absent and those at the penalty-notice threshold; the same year in pictures
(week by week against the target, by weekday, by year group, absence by reason); and the
governors' pack as a PDF, for the head and the attendance officer. Safeguarding groups (CP,
CIN, LAC) are for the DSL and the head only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlmodel import Session

from bot.web.auth import StaffDep, staff_school
from bot.web.render import flash, staff_page
from core.attendance_charts import attendance_charts, chart_specs
from core.attendance_report import OutsideTheYear, attendance_report
from core.governors_pack import governors_pack
from core.models import School, StaffRole, StaffUser
from core.schools import school_calendar
from core.staff_actions import sees_safeguarding
from core.svg_charts import figure

PACK_ROLES = frozenset({StaffRole.headteacher.value, StaffRole.attendance_officer.value})
T = TypeVar("T")


def may_have_pack(staff: StaffUser) -> bool:
    """The governors' pack goes to governors through the head or the attendance officer."""
    return staff.role in PACK_ROLES


def _figures_to(request: Request, school: School, day: str,
                build: Callable[[date], T]) -> T:
    """`build` for the end of `day` (default today); a bad or out-of-year day says so and
    shows today."""
    today = school_calendar(school).local_date(request.app.state.clock())
    try:
        when = date.fromisoformat(day) if day else today
    except ValueError:
        flash(request, f"{day!r} is not a date: showing today.", error=True)
        when = today
    try:
        return build(when)
    except OutsideTheYear as outside:
        flash(request, f"{outside}: showing today.", error=True)
        return build(today)


def router() -> APIRouter:
    routes = APIRouter(tags=["staff pages"])

    @routes.get("/staff/attendance", response_class=HTMLResponse)
    def attendance_page(request: Request, staff: StaffDep, day: str = "") -> HTMLResponse:
        """Figures to the end of `day` (default today, on the school's calendar)."""
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            report = _figures_to(request, school, day, lambda when: attendance_report(
                session=session, school=school, day=when))
            safeguarding = sees_safeguarding(staff)
            persistent = sorted((r for r in report.pupils if r.figures.persistent),
                                key=lambda r: r.figures.percentage or 0.0)
            penalty = sorted((r for r in report.pupils if r.penalty_threshold),
                             key=lambda r: -r.unauthorised_recent)
            return staff_page(request, staff, "attendance.html", section="attendance",
                              report=report, groups=report.for_role(safeguarding),
                              persistent=persistent, penalty=penalty,
                              may_pack=may_have_pack(staff))

    @routes.get("/staff/attendance/charts", response_class=HTMLResponse)
    def charts_page(request: Request, staff: StaffDep, day: str = "") -> HTMLResponse:
        """The year to `day` in pictures, each with its figures in a table beside it."""
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            data = _figures_to(request, school, day, lambda when: attendance_charts(
                session=session, school=school, day=when))
            specs = chart_specs(data)
            # svg_charts escapes every value it places: the markup is safe to include.
            figures = [Markup(figure(specs["weekly"], "line"))] + [
                Markup(figure(specs[name])) for name in ("weekdays", "years", "reasons")]
            return staff_page(request, staff, "attendance_charts.html", section="attendance",
                              data=data, figures=figures, may_pack=may_have_pack(staff))

    @routes.get("/staff/attendance/pack.pdf")
    def pack_download(request: Request, staff: StaffDep, day: str = "") -> Response:
        """The governors' pack to the end of `day`, as a PDF naming no pupil."""
        if not may_have_pack(staff):
            raise HTTPException(403, "The governors' pack is for the head and the attendance "
                                     "officer.")
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            try:
                when = date.fromisoformat(day) if day else school_calendar(school).local_date(
                    request.app.state.clock())
                pack = governors_pack(session=session, school=school, day=when)
            except ValueError as refused:  # not a date, or outside the school's calendar
                reason = (refused if isinstance(refused, OutsideTheYear)
                          else f"{day!r} is not a date")
                flash(request, f"No governors' pack: {reason}.", error=True)
                return RedirectResponse("/staff/attendance", status_code=303)
            from core.governors_pdf import pack_pdf  # fpdf2 loads only for a pack
            pdf = pack_pdf(pack, created=request.app.state.clock())
        name = f"governors-pack-{school.slug}-{pack.end.isoformat()}.pdf"
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store"})

    return routes

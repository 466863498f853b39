"""Attendance: the school's figures for the year to date, by group, with the pupils who are
persistently absent and those at the penalty-notice threshold. Safeguarding groups (CP, CIN,
LAC) are for the DSL and the head only."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from bot.web.auth import StaffDep, staff_school
from bot.web.render import flash, staff_page
from core.attendance_report import OutsideTheYear, attendance_report
from core.schools import school_calendar
from core.staff_actions import sees_safeguarding


def router() -> APIRouter:
    routes = APIRouter(tags=["staff pages"])

    @routes.get("/staff/attendance", response_class=HTMLResponse)
    def attendance_page(request: Request, staff: StaffDep, day: str = "") -> HTMLResponse:
        """Figures to the end of `day` (default today, on the school's calendar)."""
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            today = school_calendar(school).local_date(request.app.state.clock())
            try:
                when = date.fromisoformat(day) if day else today
            except ValueError:
                flash(request, f"{day!r} is not a date: showing today.", error=True)
                when = today
            try:
                report = attendance_report(session=session, school=school, day=when)
            except OutsideTheYear as outside:
                flash(request, f"{outside}: showing today.", error=True)
                report = attendance_report(session=session, school=school, day=today)
            safeguarding = sees_safeguarding(staff)
            persistent = sorted((r for r in report.pupils if r.figures.persistent),
                                key=lambda r: r.figures.percentage or 0.0)
            penalty = sorted((r for r in report.pupils if r.penalty_threshold),
                             key=lambda r: -r.unauthorised_recent)
            return staff_page(request, staff, "attendance.html", section="attendance",
                              report=report, groups=report.for_role(safeguarding),
                              persistent=persistent, penalty=penalty)

    return routes

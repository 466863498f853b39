"""The Today page: the morning at a glance, updated without a reload."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from bot.web.auth import StaffDep, staff_school
from bot.web.render import staff_page
from core.today import today_counts


def router() -> APIRouter:
    routes = APIRouter(tags=["staff pages"])

    @routes.get("/staff", response_class=HTMLResponse)
    def today_page(request: Request, staff: StaffDep) -> HTMLResponse:
        """Absent, reported, unexplained, chased, escalated, approvals and tasks for today."""
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            counts = today_counts(session=session, school=school, now=request.app.state.clock())
            return staff_page(request, staff, "today.html", section="today", school=school,
                              counts=counts)

    @routes.get("/staff/api/today")
    def today_json(request: Request, staff: StaffDep) -> dict[str, int | str]:
        """The same counts as JSON, for the page's polling."""
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            counts = today_counts(session=session, school=school, now=request.app.state.clock())
        return {**{k: v for k, v in vars(counts).items() if k != "day"},
                "day": counts.day.isoformat()}

    return routes

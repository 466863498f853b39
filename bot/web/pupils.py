"""Pupils: find a pupil, and one pupil's record (contacts, this term's register and
attendance, reports, conversations, chases and tasks). Every role may look; safeguarding flags
and the steps for vulnerable pupils are for the DSL and the head only."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from bot.web.auth import StaffDep, staff_school
from bot.web.render import staff_page
from core.codes import CODES
from core.pupil_record import load_pupil_record, search_pupils
from core.staff_actions import sees_safeguarding


def router() -> APIRouter:
    routes = APIRouter(tags=["staff pages"])

    @routes.get("/staff/pupils", response_class=HTMLResponse)
    def pupils_page(request: Request, staff: StaffDep, q: str = "") -> HTMLResponse:
        """Search by name, UPN or class; with no search, the pupils on roll by year group."""
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            found = search_pupils(session=session, school=school, search=q[:100])
            return staff_page(request, staff, "pupils.html", section="pupils", found=found,
                              q=q[:100].strip())

    @routes.get("/staff/pupils/{pupil_id}", response_class=HTMLResponse)
    def pupil_page(request: Request, staff: StaffDep, pupil_id: int) -> HTMLResponse:
        """One pupil's record for this term."""
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            record = load_pupil_record(session=session, school=school, pupil_id=pupil_id,
                                       now=request.app.state.clock(),
                                       safeguarding=sees_safeguarding(staff))
            if record is None:
                raise HTTPException(404, "No such pupil")
            return staff_page(request, staff, "pupil.html", section="pupils", record=record,
                              pupil=record.pupil, codes=CODES, zone=school.timezone)

    return routes

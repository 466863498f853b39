"""Attendance > Ladder: the steps the school's attendance ladder proposes, for staff to
approve (the letter is written with the pupil's figures) or dismiss; the steps approved and
still to do; the latest decisions; each letter to print or download as a PDF. Every role may
look; the role a step names, the head and the admin decide."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.web.auth import Csrf, StaffDep, staff_school
from bot.web.render import flash, staff_page
from core.attendance_models import Intervention, InterventionStatus
from core.attendance_report import OutsideTheYear
from core.calendar import NoSchoolDay
from core.ladder import monday_of
from core.ladder_decisions import (
    AlreadyDecided,
    Decider,
    InterventionNotFound,
    NotYours,
    approve_all,
    approve_intervention,
    complete_intervention,
    dismiss_intervention,
)
from core.ladder_letters import letter_context, letter_pdf, write_letter
from core.ladder_runner import NoLadder, monitoring_of, propose_steps, record_run
from core.ladder_views import find_step, ladder_page
from core.models import Pupil, School, StaffRole, StaffUser
from core.schools import school_calendar, school_policy

PAGE = "/staff/attendance/ladder"
REFUSED = (AlreadyDecided, InterventionNotFound, NotYours, NoLadder, ValueError)


def _decider(staff: StaffUser) -> Decider:
    return Decider(staff.email, staff.role)


def router() -> APIRouter:
    routes = APIRouter(tags=["staff pages"])

    @routes.get(PAGE, response_class=HTMLResponse)
    def ladder(request: Request, staff: StaffDep) -> HTMLResponse:
        """Proposals first (lowest attendance first), then approved steps, then decisions."""
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            monitoring = school_policy(school).monitoring
            rows = ladder_page(session=session, school=school, role=staff.role)
            return staff_page(request, staff, "ladder.html", section="attendance",
                              monitoring=monitoring, page=rows, zone=school.timezone,
                              may_run=staff.role != StaffRole.office.value)

    @routes.post(f"{PAGE}/run", dependencies=[Csrf])
    def run(request: Request, staff: StaffDep) -> RedirectResponse:
        """Run the ladder now on the figures to today (the weekly run does it anyway)."""
        if staff.role == StaffRole.office.value:
            raise HTTPException(403, "The attendance officer, the DSL or the head runs it")
        with Session(request.app.state.engine, expire_on_commit=False) as session:
            school = staff_school(session, staff)
            now = request.app.state.clock()
            today = school_calendar(school).local_date(now)
            try:
                made = propose_steps(session=session, school=school, day=today, now=now)
            except (NoLadder, OutsideTheYear, NoSchoolDay) as refused:
                flash(request, f"Not run: {refused}", error=True)
            else:
                record_run(session, school, monday_of(today), today, len(made), now)
                flash(request, f"{len(made)} new step(s) proposed." if made
                      else "Nothing new to propose.")
        return RedirectResponse(PAGE, status_code=303)

    @routes.post(PAGE + "/{step_id}/approve", dependencies=[Csrf])
    def approve(request: Request, staff: StaffDep, step_id: int,
                target: Annotated[str, Form(max_length=8)] = "",
                review_due: Annotated[str, Form(max_length=10)] = "",
                note: Annotated[str, Form(max_length=500)] = "") -> RedirectResponse:
        """Approve a proposal: its letter is written and the role responsible gets a task.
        An action plan's target and any review date may be changed (blank keeps the
        policy's)."""
        try:
            chosen = _target(target)
            due = date.fromisoformat(review_due) if review_due.strip() else None
        except ValueError as wrong:
            flash(request, f"Not approved: {wrong}", error=True)
            return RedirectResponse(PAGE, status_code=303)
        return _decide(request, staff, "Approved: the letter and the task are ready.",
                       lambda session, school: approve_intervention(
                           session=session, school=school, intervention_id=step_id,
                           staff=_decider(staff), clock=request.app.state.clock,
                           target=chosen, review_due=due, note=note.strip() or None))

    @routes.post(PAGE + "/approve-all", dependencies=[Csrf])
    def approve_every(request: Request, staff: StaffDep,
                      step: Annotated[str, Form(min_length=1, max_length=64)]
                      ) -> RedirectResponse:
        """Approve every proposal of one step (a half term's praise), all or none."""
        return _decide(request, staff, "Approved: the letters and the tasks are ready.",
                       lambda session, school: approve_all(
                           session=session, school=school, step=step, staff=_decider(staff),
                           clock=request.app.state.clock))

    @routes.post(PAGE + "/{step_id}/dismiss", dependencies=[Csrf])
    def dismiss(request: Request, staff: StaffDep, step_id: int,
                note: Annotated[str, Form(max_length=500)] = "") -> RedirectResponse:
        """Decide against a proposal, saying why."""
        return _decide(request, staff, "Dismissed.",
                       lambda session, school: dismiss_intervention(
                           session=session, school=school, intervention_id=step_id,
                           staff=_decider(staff), clock=request.app.state.clock, note=note))

    @routes.post(PAGE + "/{step_id}/done", dependencies=[Csrf])
    def done(request: Request, staff: StaffDep, step_id: int) -> RedirectResponse:
        """The letter went, the meeting was held, the referral was made."""
        return _decide(request, staff, "Marked as done.",
                       lambda session, school: complete_intervention(
                           session=session, school=school, intervention_id=step_id,
                           staff=_decider(staff), clock=request.app.state.clock))

    @routes.get(PAGE + "/{step_id}/letter", response_class=HTMLResponse)
    def letter(request: Request, staff: StaffDep, step_id: int) -> HTMLResponse:
        """The letter, to read and print (a preview while the step is only proposed)."""
        with Session(request.app.state.engine) as session:
            step, pupil, text = _letter(request, session, staff, step_id)
            return staff_page(request, staff, "ladder_letter.html", section="attendance",
                              step=step, pupil=pupil, text=text)

    @routes.get(PAGE + "/{step_id}/letter.pdf")
    def letter_download(request: Request, staff: StaffDep, step_id: int) -> Response:
        """The approved letter as a PDF, ready to print and post."""
        with Session(request.app.state.engine) as session:
            step, pupil, text = _letter(request, session, staff, step_id)
            if step.letter is None:
                raise HTTPException(409, "The letter is written when the step is approved")
            name = f"{pupil.legal_last_name}-{pupil.legal_first_name}-{step.step}"
            safe = "".join(c if c.isalnum() or c == "-" else "_" for c in name)
            return Response(letter_pdf(text, f"{step.title}: {pupil.display_name}"),
                            media_type="application/pdf", headers={
                                "Content-Disposition": f'attachment; filename="{safe}.pdf"'})

    return routes


def _target(text: str) -> float | None:
    if not text.strip():
        return None
    value = float(text.strip().rstrip("%"))
    if not 50 <= value <= 100:
        raise ValueError(f"a target of {value:g}% is not between 50% and 100%")
    return value


def _decide(request: Request, staff: StaffUser, done: str,
            action: Callable[[Session, School], object]) -> RedirectResponse:
    with Session(request.app.state.engine) as session:
        try:
            action(session, staff_school(session, staff))
            session.commit()
        except REFUSED as refused:
            session.rollback()
            flash(request, f"Not done: {refused}", error=True)
        except IntegrityError:
            session.rollback()  # a colleague decided the same step at the same moment
            flash(request, "Not done: a colleague has just decided this step.", error=True)
        else:
            flash(request, done)
    return RedirectResponse(PAGE, status_code=303)


def _letter(request: Request, session: Session, staff: StaffUser,
            step_id: int) -> tuple[Intervention, Pupil, str]:
    school = staff_school(session, staff)
    found = find_step(session=session, school=school, intervention_id=step_id)
    if found is None:
        raise HTTPException(404, "No such ladder step")
    step, pupil = found
    if step.letter is not None:
        return step, pupil, step.letter
    template = _template(school, step.step)
    if template is None or step.status != InterventionStatus.proposed.value:
        raise HTTPException(404, "This step has no letter")
    calendar = school_calendar(school)
    today = calendar.local_date(request.app.state.clock())
    return step, pupil, write_letter(template, letter_context(
        session, school, pupil, step, monitoring_of(school), calendar, today))


def _template(school: School, name: str) -> str | None:
    monitoring = school_policy(school).monitoring
    step = monitoring.step(name) if monitoring else None
    return step.template if step else None

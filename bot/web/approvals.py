"""Approvals: the codes parents' reports suggest, approved one at a time or many at once
(after a confirm step); a changed code needs a reason and goes to the amendment trail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from bot.web.auth import Csrf, StaffDep, staff_school
from bot.web.render import flash, staff_page, staff_path
from core.codes import UnknownCode
from core.register_approval import ApprovalRefused, CannotApprove, ReportNotFound, approve_report
from core.staff_inbox import pending_reports

REFUSALS = (ApprovalRefused, CannotApprove, ReportNotFound, UnknownCode)


def router() -> APIRouter:
    routes = APIRouter(tags=["staff pages"])

    @routes.get("/staff/approvals", response_class=HTMLResponse)
    def approvals_page(request: Request, staff: StaffDep) -> HTMLResponse:
        """Every report waiting for its code to be approved, oldest first."""
        with Session(request.app.state.engine) as session:
            reports = pending_reports(session=session, school=staff_school(session, staff))
            return staff_page(request, staff, "approvals.html", section="approvals",
                              reports=reports, back="/staff/approvals")

    @routes.post("/staff/approvals/confirm", response_class=HTMLResponse, dependencies=[Csrf])
    def confirm_page(request: Request, staff: StaffDep,
                     report: Annotated[list[int] | None, Form()] = None) -> HTMLResponse:
        """The confirm step before approving many: what will go into the register."""
        with Session(request.app.state.engine) as session:
            reports = pending_reports(session=session, school=staff_school(session, staff),
                                      ids=(report or [])[:200])
            return staff_page(request, staff, "approvals_confirm.html", section="approvals",
                              reports=reports)

    @routes.post("/staff/approvals/approve", dependencies=[Csrf])
    def approve_many(request: Request, staff: StaffDep,
                     report: Annotated[list[int] | None, Form()] = None) -> RedirectResponse:
        """Approve each chosen report's suggested code, all or none."""
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            chosen = (report or [])[:200]
            try:
                for report_id in chosen:
                    approve_report(session=session, school=school, report_id=report_id,
                                   staff=staff.email, role=staff.role,
                                   clock=request.app.state.clock)
            except REFUSALS as refused:
                session.rollback()
                flash(request, f"Nothing approved: {refused}", error=True)
            else:
                session.commit()
                flash(request, f"Approved {len(chosen)} report(s) into the register.")
        return RedirectResponse("/staff/approvals", status_code=303)

    @routes.post("/staff/reports/{report_id}/approve", dependencies=[Csrf])
    def approve_one(request: Request, staff: StaffDep, report_id: int,
                    code: Annotated[str, Form(max_length=4)],
                    reason: Annotated[str, Form(max_length=500)] = "",
                    back: Annotated[str, Form(max_length=200)] = "/staff/approvals"
                    ) -> RedirectResponse:
        """Approve the suggested code, or another with the reason for the change."""
        with Session(request.app.state.engine) as session:
            try:
                approval = approve_report(
                    session=session, school=staff_school(session, staff), report_id=report_id,
                    staff=staff.email, role=staff.role, clock=request.app.state.clock,
                    code=code, reason=reason or None)
            except REFUSALS as refused:
                session.rollback()
                flash(request, f"Not approved: {refused}", error=True)
            else:
                session.commit()
                flash(request, f"Approved with code {approval.code}: "
                               f"{len(approval.marks)} session(s) in the register.")
        return RedirectResponse(staff_path(back, "/staff/approvals"), status_code=303)

    return routes

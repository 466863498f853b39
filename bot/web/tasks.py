"""Tasks: what the chase gave staff to do, soonest due first, overdue ones marked; completing
one records the outcome and whether a parent was reached."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session

from bot.web.auth import Csrf, StaffDep, staff_school
from bot.web.render import flash, staff_page
from core.register_tasks import TaskClosed, TaskNotFound, complete_task, open_tasks
from core.staff_actions import sees_safeguarding


def router() -> APIRouter:
    routes = APIRouter(tags=["staff pages"])

    @routes.get("/staff/tasks", response_class=HTMLResponse)
    def tasks_page(request: Request, staff: StaffDep) -> HTMLResponse:
        """Open tasks, soonest due first."""
        with Session(request.app.state.engine) as session:
            tasks = open_tasks(session=session, school=staff_school(session, staff),
                               safeguarding=sees_safeguarding(staff))
            return staff_page(request, staff, "tasks.html", section="tasks", tasks=tasks,
                              now=request.app.state.clock())

    @routes.post("/staff/tasks/{task_id}/complete", dependencies=[Csrf])
    def complete(request: Request, staff: StaffDep, task_id: int,
                 outcome: Annotated[str, Form(min_length=1, max_length=1000)],
                 contact_made: Annotated[bool, Form()] = False) -> RedirectResponse:
        """Done, with what happened; "contact made" stops today's no-contact steps."""
        with Session(request.app.state.engine) as session:
            try:
                complete_task(session=session, school=staff_school(session, staff),
                              task_id=task_id, outcome=outcome, staff=staff.email,
                              clock=request.app.state.clock, contact_made=contact_made,
                              safeguarding=sees_safeguarding(staff))
            except (TaskNotFound, TaskClosed) as refused:
                session.rollback()
                flash(request, f"Not completed: {refused}", error=True)
            else:
                session.commit()
                flash(request, "Task completed.")
        return RedirectResponse("/staff/tasks", status_code=303)

    return routes

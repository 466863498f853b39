"""Staff tasks as the staff side sees them: what is open, and marking one done with its
outcome (the call made, the visit done), who did it and when."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from core.attendance_models import StaffTask, TaskStatus
from core.clock import Clock
from core.models import Pupil, School, StaffRole


class TaskNotFound(LookupError):
    """No task with that id at this school."""


class TaskClosed(ValueError):
    """The task is already done (with another outcome) or was cancelled."""


@dataclass(frozen=True)
class OpenTask:
    task: StaffTask
    upn: str | None
    pupil: Pupil | None = None


DSL_ONLY = frozenset({StaffRole.dsl.value})


def open_tasks(*, session: Session, school: School, safeguarding: bool = True) -> list[OpenTask]:
    """Open tasks, soonest due first. Without `safeguarding` (any role but the DSL and the
    head) the DSL's own tasks are left out: that a pupil is on the DSL's list is itself
    safeguarding information."""
    query = select(StaffTask, Pupil).outerjoin(Pupil, col(Pupil.id) == StaffTask.pupil_id).where(
        StaffTask.school_id == school.id, StaffTask.status == TaskStatus.open.value)
    if not safeguarding:
        query = query.where(col(StaffTask.role).not_in(DSL_ONLY))
    rows = session.exec(query.order_by(col(StaffTask.due_at), col(StaffTask.id))).all()
    return [OpenTask(task=task, upn=pupil.upn if pupil else None, pupil=pupil)
            for task, pupil in rows]


def complete_task(*, session: Session, school: School, task_id: int, outcome: str,
                  staff: str, clock: Clock, contact_made: bool | None = None,
                  safeguarding: bool = True) -> StaffTask:
    """Mark a task done. Sending the same completion again changes nothing (a retry); any
    other completion of a closed task is refused. The caller commits."""
    task = session.get(StaffTask, task_id)
    if task is None or task.school_id != school.id or (
            not safeguarding and task.role in DSL_ONLY):
        raise TaskNotFound(f"no task #{task_id} at {school.name}")
    outcome, staff = outcome.strip(), staff.strip()
    if task.status == TaskStatus.done and (task.outcome, task.completed_by) == (outcome, staff):
        return task
    if task.status != TaskStatus.open:
        raise TaskClosed(f"task #{task_id} is already {task.status}")
    task.status, task.outcome, task.completed_by = TaskStatus.done.value, outcome, staff
    task.contact_made = contact_made
    task.completed_at = clock()
    session.add(task)
    session.flush()
    return task

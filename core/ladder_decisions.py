"""Staff decide on the ladder's proposals: approve one (its letter is written from the
template with the pupil's figures, a task opens for the role responsible, a review date and
target are set where the step has them), dismiss one with the reason, or mark one done.

Who decides: the role the step names, the headteacher and the admin. Every decision records
who and when; a decided step cannot be decided again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from core.attendance_models import Intervention, InterventionStatus, StaffTask, TaskStatus
from core.clock import Clock
from core.ladder import add_school_weeks
from core.ladder_letters import letter_context, write_letter
from core.ladder_policy import InterventionAction, MonitoringStep
from core.ladder_runner import monitoring_of
from core.models import Pupil, School, StaffRole
from core.schools import school_calendar

DECIDE_ALWAYS = frozenset({StaffRole.headteacher.value, StaffRole.admin.value})


class InterventionNotFound(LookupError):
    """No such step for this school."""


class NotYours(PermissionError):
    """The member of staff's role may not decide this step."""


class AlreadyDecided(ValueError):
    """The step was approved, dismissed or done already."""


@dataclass(frozen=True)
class Decider:
    email: str
    role: str


def may_decide(role: str, step_role: str) -> bool:
    return role == step_role or role in DECIDE_ALWAYS


def _load(session: Session, school: School, intervention_id: int, staff: Decider,
          status: InterventionStatus) -> Intervention:
    found = session.get(Intervention, intervention_id)
    if found is None or found.school_id != school.id:
        raise InterventionNotFound(f"no ladder step {intervention_id}")
    if not may_decide(staff.role, found.role):
        raise NotYours(f"this step is for the {found.role.replace('_', ' ')} or the head")
    if found.status != status.value:
        raise AlreadyDecided(f"this step is already {found.status}")
    return found


def approve_intervention(*, session: Session, school: School, intervention_id: int,
                         staff: Decider, clock: Clock, target: float | None = None,
                         review_due: date | None = None, note: str | None = None
                         ) -> Intervention:
    """Approve a proposal: letter, review date, target and a task for the role responsible."""
    step_row = _load(session, school, intervention_id, staff, InterventionStatus.proposed)
    monitoring = monitoring_of(school)
    calendar = school_calendar(school)
    now = clock()
    today = calendar.local_date(now)
    step = monitoring.step(step_row.step)
    if step_row.action == InterventionAction.action_plan.value:
        step_row.target = target if target is not None else (
            step.target if step and step.target is not None else monitoring.target)
    weeks = _review_weeks(step, monitoring.review_weeks)
    step_row.review_due = review_due or (add_school_weeks(calendar, today, weeks)
                                         if weeks else None)
    step_row.status, step_row.note = InterventionStatus.approved.value, note or None
    step_row.decided_by, step_row.decided_at = staff.email, now
    pupil = session.get(Pupil, step_row.pupil_id)
    assert pupil is not None
    if step and step.template:
        step_row.letter = write_letter(step.template, letter_context(
            session, school, pupil, step_row, monitoring, calendar, today))
    step_row.task_id = _open_task(session, step_row, pupil, now)
    session.add(step_row)
    session.flush()
    return step_row


def _review_weeks(step: MonitoringStep | None, default: int) -> int | None:
    if step is None:
        return None
    if step.review_weeks is not None:
        return step.review_weeks
    return default if step.action is InterventionAction.action_plan else None


def _open_task(session: Session, step: Intervention, pupil: Pupil, now: datetime) -> int | None:
    """A task for the role responsible, once (its key is the step's id)."""
    key = f"ladder:{step.id}"
    found = session.exec(select(StaffTask.id).where(StaffTask.school_id == step.school_id,
                                                    StaffTask.dedupe_key == key)).first()
    if found is not None:
        return found
    letter = " (the letter is on the ladder page to print)" if step.letter else ""
    task = StaffTask(
        school_id=step.school_id, pupil_id=step.pupil_id, kind="ladder", role=step.role,
        title=f"{step.title}: {pupil.display_name}"[:200],
        reason=f"Attendance ladder, approved by {step.decided_by}{letter}: {step.reason}"[:500],
        details=step.letter, due_at=now, dedupe_key=key, created_at=now)
    # Two approvals racing both reach here; the key refuses the second task at commit.
    session.add(task)
    session.flush()
    return task.id


def dismiss_intervention(*, session: Session, school: School, intervention_id: int,
                         staff: Decider, clock: Clock, note: str) -> Intervention:
    """Decide against a proposal, saying why (mitigating circumstances, a long illness)."""
    if not note.strip():
        raise ValueError("say why the step is dismissed")
    step = _load(session, school, intervention_id, staff, InterventionStatus.proposed)
    step.status, step.note = InterventionStatus.dismissed.value, note.strip()[:500]
    step.decided_by, step.decided_at = staff.email, clock()
    session.add(step)
    session.flush()
    return step


def complete_intervention(*, session: Session, school: School, intervention_id: int,
                          staff: Decider, clock: Clock) -> Intervention:
    """The letter went, the meeting was held, the referral made: the step (and its task) done."""
    step = _load(session, school, intervention_id, staff, InterventionStatus.approved)
    now = clock()
    step.status, step.done_by, step.done_at = InterventionStatus.done.value, staff.email, now
    task = session.get(StaffTask, step.task_id) if step.task_id else None
    if task is not None and task.status == TaskStatus.open.value:
        task.status, task.completed_at, task.completed_by = TaskStatus.done.value, now, \
            staff.email
        task.outcome = "Done, recorded on the attendance ladder page"
        session.add(task)
    session.add(step)
    session.flush()
    return step


def approve_all(*, session: Session, school: School, step: str, staff: Decider,
                clock: Clock) -> int:
    """Approve every proposal of one step at once (a half term's praise letters, a term's
    report to the LA), each as if approved alone; how many."""
    ids = session.exec(select(Intervention.id).where(
        Intervention.school_id == school.id, Intervention.step == step,
        Intervention.status == InterventionStatus.proposed.value).order_by(
        col(Intervention.id))).all()
    for intervention_id in ids:
        approve_intervention(session=session, school=school, intervention_id=intervention_id or 0,
                             staff=staff, clock=clock)
    return len(ids)

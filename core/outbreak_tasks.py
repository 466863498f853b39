"""Telling the head of an outbreak (core/outbreaks.py finds them): one staff task a cluster.

The task's title names the illness and the class or year group, never a child; its details
list the pupils, their classes and the first day each was off, for staff who may see pupils'
names. Its dedupe key, `outbreak:{illness}:{class or year}:{place}:{first day}`, is unique per
school, so two processes checking at once open it once. While the task is open, later cases
of the same outbreak are added to it rather than opening another each day; once it is done, a
new task comes only when every case in the window began after the last one was opened.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.attendance_models import StaffTask, TaskStatus
from core.models import School, StaffRole
from core.outbreaks import Case, Cluster, find_clusters
from core.schools import school_calendar

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Flagged:
    cluster: Cluster
    task: StaffTask
    opened: bool  # False: the open task for the same outbreak was brought up to date


def task_details(cluster: Cluster, cases: tuple[Case, ...]) -> str:
    """The pupils behind the task: first day off, name, class, UPN and the parent's words."""
    lines = [f"{cluster.illness.name.capitalize()} in {cluster.place}, first day off:"]
    lines += [f"{c.first_day:%a %-d %b}  {c.pupil.display_name} ({c.pupil.reg_group or 'no class'}"
              f", UPN {c.pupil.upn}): \"{c.words}\"" for c in cases]
    return "\n".join(lines)


def flag_clusters(*, session: Session, school: School, clusters: list[Cluster],
                  now: datetime) -> list[Flagged]:
    """Open a task for each new cluster, or bring its open task up to date; commits each."""
    flagged = []
    for cluster in clusters:
        done = _flag(session, school, cluster, now)
        if done is not None:
            flagged.append(done)
    return flagged


def _flag(session: Session, school: School, cluster: Cluster, now: datetime) -> Flagged | None:
    assert school.id is not None
    episode = [t for t in session.exec(select(StaffTask).where(
        StaffTask.school_id == school.id,
        col(StaffTask.dedupe_key).startswith(cluster.key + ":"))).all()
        if _onset(t) >= cluster.since]
    current = next((t for t in episode if t.status == TaskStatus.open.value), None)
    if current is not None:
        return _bring_up_to_date(session, current, cluster)
    calendar = school_calendar(school)
    if any(calendar.local_date(t.created_at) >= cluster.onset for t in episode):
        return None  # the head has had this outbreak's task and closed it
    task = StaffTask(school_id=school.id, kind="outbreak", role=StaffRole.headteacher.value,
                     title=cluster.title, reason=cluster.reason(cluster.cases)[:500],
                     details=task_details(cluster, cluster.cases), due_at=now,
                     dedupe_key=f"{cluster.key}:{cluster.onset.isoformat()}", created_at=now)
    session.add(task)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # another process opened it a moment ago
        return None
    logger.info("outbreak task %s opened at school %s", task.id, school.id)
    return Flagged(cluster, task, True)


def _bring_up_to_date(session: Session, task: StaffTask, cluster: Cluster) -> Flagged | None:
    cases = tuple(c for c in cluster.history if c.first_day >= _onset(task))
    details = task_details(cluster, cases)
    if task.details == details:
        return None
    task.details, task.reason = details, cluster.reason(cases)[:500]
    session.add(task)
    session.commit()
    return Flagged(cluster, task, False)


def _onset(task: StaffTask) -> date:
    return date.fromisoformat((task.dedupe_key or "").rsplit(":", 1)[-1])


def check_outbreaks(engine: Engine, now: datetime) -> list[Flagged]:
    """The daily check over every school whose day `now` is a school day."""
    flagged: list[Flagged] = []
    with Session(engine, expire_on_commit=False) as session:
        for school in session.exec(select(School).order_by(col(School.id))).all():
            calendar = school_calendar(school)
            today = calendar.local_date(now)
            if not calendar.is_school_day(today):
                continue
            clusters = find_clusters(session=session, school=school, day=today)
            flagged += flag_clusters(session=session, school=school, clusters=clusters,
                                     now=now)
    return flagged

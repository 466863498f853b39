"""Tables for the register and for chasing: marks, their amendment trail, what the tick did,
and the tasks it gave staff.

Every action the tick takes has a natural key (school, pupil, date, step) under a unique
constraint: running the tick twice, in two processes at once, or again after a crash, does
nothing twice. The amendment trail is append-only (a database trigger refuses updates and
deletes) and is kept six years.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKeyConstraint, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.dbtypes import UTCDateTime
from core.models import StaffRole


def _in(values: type[StrEnum]) -> str:
    return "(" + ", ".join(f"'{v.value}'" for v in values) + ")"


def _timestamp(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class RegisterSession(StrEnum):
    am = "AM"
    pm = "PM"


class TaskStatus(StrEnum):
    open = "open"
    done = "done"
    cancelled = "cancelled"  # the case closed before anyone needed to act


class RegisterMark(SQLModel, table=True):
    """One pupil's mark for one session, as the MIS sent it or as staff approved it."""

    __tablename__ = "register_mark"
    __table_args__ = (
        UniqueConstraint("pupil_id", "day", "session", name="uq_register_mark_session"),
        CheckConstraint(f"session IN {_in(RegisterSession)}", name="ck_register_mark_session"),
        ForeignKeyConstraint(["school_id", "pupil_id"], ["pupil.school_id", "pupil.id"],
                             ondelete="CASCADE"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(index=True)
    day: date = Field(index=True)
    session: str = Field(max_length=2)
    mark: str = Field(max_length=4)
    source: str = Field(max_length=16, description="mis (imported) or rollcall (approved here)")
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())


class MarkAmendment(SQLModel, table=True):
    """A change of a register mark: the trail the regulations require. Append-only."""

    __tablename__ = "mark_amendment"

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    day: date = Field(index=True)
    session: str = Field(max_length=2)
    old_mark: str | None = Field(default=None, max_length=4)
    new_mark: str = Field(max_length=4)
    reason: str = Field(max_length=500)
    changed_at: datetime = Field(sa_column=_timestamp())
    changed_by: str = Field(max_length=254, description="The staff member, or the MIS import")
    role: str = Field(max_length=32)
    report_id: int | None = Field(default=None, foreign_key="absence_report.id")


class ChaseAction(SQLModel, table=True):
    """Something the tick did about one pupil's unexplained absence, once and only once."""

    __tablename__ = "chase_action"
    __table_args__ = (
        UniqueConstraint("school_id", "pupil_id", "day", "step", name="uq_chase_action_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(foreign_key="pupil.id", index=True)
    day: date = Field(index=True, description="The school day it was done for (local).")
    step: str = Field(max_length=96, description="The ladder step, with the contact for chases")
    kind: str = Field(max_length=16, description="message, task or letter")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    message_id: int | None = Field(default=None, foreign_key="message.id")
    task_id: int | None = Field(default=None, foreign_key="staff_task.id")
    created_at: datetime = Field(sa_column=_timestamp())


class StaffTask(SQLModel, table=True):
    """Work for a member of staff: a call to make, a home visit, a letter to send, a referral."""

    __tablename__ = "staff_task"
    __table_args__ = (
        CheckConstraint(f"status IN {_in(TaskStatus)}", name="ck_staff_task_status"),
        CheckConstraint(f"role IN {_in(StaffRole)}", name="ck_staff_task_role"),
        UniqueConstraint("school_id", "dedupe_key", name="uq_staff_task_dedupe_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int | None = Field(default=None, foreign_key="pupil.id", index=True)
    conversation_id: int | None = Field(
        default=None, foreign_key="conversation.id",
        description="The conversation it is about (a message staff must read, one undelivered)")
    kind: str = Field(max_length=32, description="task, call, letter, undelivered...")
    role: str = Field(max_length=32)
    title: str = Field(max_length=200)
    reason: str = Field(max_length=500, description="Why the task exists, for the person doing it")
    details: str | None = Field(default=None, sa_column=Column(Text, nullable=True),
                                description="Numbers to ring, or the letter's text")
    due_at: datetime = Field(sa_column=_timestamp())
    status: str = Field(default=TaskStatus.open, max_length=16, index=True)
    outcome: str | None = Field(default=None, max_length=1000)
    contact_made: bool | None = Field(
        default=None, description="A call reached a parent or carer: no-contact steps stop.")
    completed_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    completed_by: str | None = Field(default=None, max_length=254)
    dedupe_key: str | None = Field(default=None, max_length=128, description=(
        "Set by a scheduled job (outbreaks, the ladder): the same key twice is one task, so "
        "two processes running the job at once open it once."))
    created_at: datetime = Field(sa_column=_timestamp())


class InterventionStatus(StrEnum):
    proposed = "proposed"  # the weekly run suggests it; staff approve or dismiss
    approved = "approved"  # staff agreed: the letter is written, the task is open
    dismissed = "dismissed"  # staff decided against it (with their reason)
    done = "done"  # the letter went, the meeting was held, the referral made


class Intervention(SQLModel, table=True):
    """A step of the school's attendance ladder for one pupil: proposed by the weekly run,
    approved or dismissed by staff, then done. Natural key: (school, pupil, step, week)."""

    __tablename__ = "intervention"
    __table_args__ = (
        UniqueConstraint("school_id", "pupil_id", "step", "week", name="uq_intervention_key"),
        CheckConstraint(f"status IN {_in(InterventionStatus)}", name="ck_intervention_status"),
        ForeignKeyConstraint(["school_id", "pupil_id"], ["pupil.school_id", "pupil.id"],
                             ondelete="CASCADE"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(index=True)
    step: str = Field(max_length=64, description="The step's name in the policy")
    action: str = Field(max_length=16)
    title: str = Field(max_length=150)
    role: str = Field(max_length=32, description="Who does it")
    week: date = Field(description="Monday of the week it was proposed in (the natural key)")
    as_of: date = Field(description="The figures are to the end of this day")
    status: str = Field(default=InterventionStatus.proposed, max_length=16, index=True)
    reason: str = Field(max_length=500, description="Why the ladder proposed it")
    figures: str = Field(sa_column=Column(Text, nullable=False),
                         description="JSON: the pupil's figures and band at the time")
    anchor_id: int | None = Field(default=None, foreign_key="intervention.id",
                                  description="The step this one follows")
    medical_evidence: bool | None = Field(
        default=None, description="From this step on, evidence is (or no longer is) asked for")
    target: float | None = Field(default=None, description="An action plan's target, %")
    review_due: date | None = None
    letter: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    note: str | None = Field(default=None, max_length=500,
                             description="Why it was dismissed, or a note on approval")
    decided_by: str | None = Field(default=None, max_length=254)
    decided_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    done_by: str | None = Field(default=None, max_length=254)
    done_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    task_id: int | None = Field(default=None, foreign_key="staff_task.id")
    created_at: datetime = Field(sa_column=_timestamp())


class LadderRun(SQLModel, table=True):
    """The weekly ladder run for one school: the tick proposes steps once a week."""

    __tablename__ = "ladder_run"
    __table_args__ = (UniqueConstraint("school_id", "week", name="uq_ladder_run_week"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    week: date = Field(description="Monday of the week")
    as_of: date
    proposed: int = 0
    ran_at: datetime = Field(sa_column=_timestamp())

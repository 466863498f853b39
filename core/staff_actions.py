"""What staff do to a conversation besides replying: private notes, looking after it, and
correcting a report's dates before its code is approved; and the DSL's task when a parent's
message holds words a safeguarding lead must see.

Each change leaves a line in the thread, so whoever opens it next sees who did what and when.
A note never leaves the school: it is stored as a message whose direction is `note`, which the
outbox never sends. A safeguarding note (`restricted`) is for the DSL and the head only.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from core.attendance_models import StaffTask
from core.conversation_models import (
    AbsenceReport,
    Conversation,
    Direction,
    Message,
    MessageStatus,
    ReportStatus,
)
from core.models import Contact, Pupil, StaffRole, StaffUser
from core.parsing.reasons import find_flags
from core.parsing.text import normalise

MAX_NOTE = 2000
SAFEGUARDING_ROLES = frozenset({StaffRole.dsl.value, StaffRole.headteacher.value})
EDITABLE = frozenset({ReportStatus.confirmed.value, ReportStatus.for_head.value})


class NotAllowed(PermissionError):
    """The member of staff may not do this (another school's thread, or not their role)."""


def sees_safeguarding(staff: StaffUser) -> bool:
    """Safeguarding flags and notes are for the DSL and the head only."""
    return staff.role in SAFEGUARDING_ROLES


def _check(conversation: Conversation, staff: StaffUser) -> None:
    if conversation.school_id != staff.school_id:
        raise NotAllowed("staff can only act on their own school's conversations")


def add_note(session: Session, conversation: Conversation, staff: StaffUser, text: str,
             now: datetime, *, restricted: bool = False) -> Message:
    """A private note in the thread; `restricted` makes it a safeguarding note."""
    _check(conversation, staff)
    text = text.strip()
    if not text:
        raise ValueError("a note needs some text")
    if restricted and not sees_safeguarding(staff):
        raise NotAllowed("only the DSL and the head write safeguarding notes")
    note = Message(school_id=conversation.school_id, conversation_id=conversation.id or 0,
                   direction=Direction.note.value, author="staff", channel=conversation.channel,
                   body=f"{staff.name}: {text[:MAX_NOTE]}", status=MessageStatus.handled.value,
                   restricted=restricted, created_at=now, updated_at=now)
    session.add(note)
    return note


def _log(session: Session, conversation: Conversation, text: str, now: datetime) -> None:
    session.add(Message(school_id=conversation.school_id, conversation_id=conversation.id or 0,
                        direction=Direction.note.value, author="system",
                        channel=conversation.channel, body=text,
                        status=MessageStatus.handled.value, created_at=now, updated_at=now))


def assign(session: Session, conversation: Conversation, staff: StaffUser,
           to: StaffUser | None, now: datetime) -> None:
    """`staff` gives the conversation to `to` (themselves, a colleague) or to nobody."""
    _check(conversation, staff)
    if to is not None and to.school_id != conversation.school_id:
        raise NotAllowed("a conversation can only go to staff of its own school")
    if conversation.assigned_to == (to.id if to else None):
        return
    conversation.assigned_to = to.id if to else None
    conversation.updated_at = now
    session.add(conversation)
    if to is None:
        _log(session, conversation, f"{staff.name} left this for anyone to pick up.", now)
    elif to.id == staff.id:
        _log(session, conversation, f"{staff.name} is looking after this.", now)
    else:
        _log(session, conversation, f"{staff.name} gave this to {to.name}.", now)


def edit_dates(session: Session, conversation: Conversation, report: AbsenceReport,
               staff: StaffUser, first_day: date, return_day: date | None,
               now: datetime) -> bool:
    """Correct a report's first day and day back before its code is approved (after that,
    the register's amendment trail is the place). False when nothing changed."""
    _check(conversation, staff)
    if report.conversation_id != conversation.id:
        raise NotAllowed("that report belongs to another conversation")
    if report.status not in EDITABLE:
        raise ValueError("only a report waiting for approval can have its dates changed; "
                         "change an approved one in the register")
    if return_day is not None and return_day <= first_day:
        raise ValueError("the day back must be after the first day off")
    if (report.first_day, report.return_day) == (first_day, return_day):
        return False
    before = _days(report.first_day, report.return_day)
    report.first_day, report.return_day, report.updated_at = first_day, return_day, now
    session.add(report)
    _log(session, conversation,
         f"{staff.name} changed the dates of report {report.id}: {before} → "
         f"{_days(first_day, return_day)}.", now)
    return True


def _days(first: date | None, back: date | None) -> str:
    text = f"from {first:%a %-d %b}" if first else "no first day"
    return text + (f", back {back:%a %-d %b}" if back else ", day back not known")


def has_safeguarding_words(text: str) -> bool:
    return any(hit.label == "safeguarding" for hit in find_flags(normalise(text).text))


def alert_dsl(session: Session, conversation: Conversation, contact: Contact | None,
              pupils: list[Pupil], now: datetime) -> StaffTask:
    """A task for the DSL, due at once. Its words say nothing of the message: the Tasks page
    is open to every role, and the message itself is in the conversation it links to."""
    who = contact.name if contact else f"an unknown sender ({conversation.address})"
    task = StaffTask(school_id=conversation.school_id, conversation_id=conversation.id,
                     pupil_id=pupils[0].id if len(pupils) == 1 else None, kind="safeguarding",
                     role=StaffRole.dsl.value, title="Read a parent's message now",
                     reason=f"A message from {who} has words a safeguarding lead must see.",
                     due_at=now, created_at=now)
    session.add(task)
    return task

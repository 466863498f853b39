"""Carrying a chase plan out: each action in a transaction of its own that first writes its
key (unique per school, pupil, day and step), so an action another tick took is skipped."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.attendance_models import ChaseAction, StaffTask, TaskStatus
from core.calendar import SchoolCalendar
from core.chasing import OpenTask, SendChase
from core.conversation_models import Message, MessageStatus
from core.conversations import conversation_for, queue_reply
from core.letters import render_letter
from core.messages import names_list, render
from core.models import ChannelKind, Contact, Pupil, PupilContact, School
from core.policy import Policy

logger = logging.getLogger(__name__)


def address_on(contact: Contact, channel: str) -> str:
    if channel == "telegram":
        return str(contact.telegram_chat_id)
    if channel == "whatsapp":
        return contact.whatsapp or contact.mobile or ""
    return contact.mobile or ""


def send_chase(session: Session, school: School, action: SendChase, today: date,
               policy: Policy, now: datetime) -> int:
    """Queue one chase text to a contact about their absent children; 0 if done before."""
    assert school.id is not None
    contact = session.get(Contact, action.contact_id)
    pupils = session.exec(select(Pupil).where(col(Pupil.id).in_(action.pupil_ids))).all()
    assert contact is not None
    try:
        keys = [ChaseAction(school_id=school.id, pupil_id=p, day=today, step=action.step,
                            kind="message", contact_id=contact.id, created_at=now)
                for p in action.pupil_ids]
        session.add_all(keys)
        session.flush()  # the unique key: another tick may have done this already
        channel = ChannelKind(action.channel)
        conversation = conversation_for(session, school.id, channel,
                                        address_on(contact, action.channel), now)
        names = [p.display_name for p in pupils]
        body = render(action.template, contact.preferred_language, school=school.name,
                      names=names_list(names), plural=len(names) > 1,
                      office_phone=policy.messages.office_phone)
        message = queue_reply(session, conversation, body, now=now, template=action.template)
        session.flush()
        for key in keys:
            key.message_id = message.id
        session.commit()
    except IntegrityError:
        session.rollback()
        return 0
    logger.info("chase queued for %d pupil(s) at school %s", len(pupils), school.slug)
    return 1


def open_task(session: Session, school: School, action: OpenTask, today: date,
               calendar: SchoolCalendar, policy: Policy, now: datetime) -> int:
    """Open a staff task (a call, a home visit, a letter) once."""
    assert school.id is not None
    pupil = session.get(Pupil, action.pupil_id)
    assert pupil is not None
    try:
        key = ChaseAction(school_id=school.id, pupil_id=action.pupil_id, day=today,
                          step=action.step, kind=action.kind, created_at=now)
        session.add(key)
        session.flush()
        task = StaffTask(
            school_id=school.id, pupil_id=action.pupil_id, kind=action.kind, role=action.role,
            title=action.title or action.step, reason=_reason(pupil, today),
            details=_details(session, school, pupil, action, today, calendar, policy),
            due_at=calendar.at_local(today, action.due), created_at=now)
        session.add(task)
        session.flush()
        key.task_id = task.id
        session.commit()
    except IntegrityError:
        session.rollback()
        return 0
    return 1


def _reason(pupil: Pupil, today: date) -> str:
    """Why the task exists. No safeguarding flag in it: the pages show flags by role."""
    return f"{pupil.display_name}, {pupil.year_group}: absent with no reason on {today:%a %d %b}"


def _details(session: Session, school: School, pupil: Pupil, action: OpenTask,
             today: date, calendar: SchoolCalendar, policy: Policy) -> str | None:
    """For a call, the numbers to ring in order; for a letter, the letter itself."""
    contacts = session.exec(select(Contact, PupilContact).join(
        PupilContact, col(PupilContact.contact_id) == Contact.id).where(
        PupilContact.pupil_id == pupil.id).order_by(col(PupilContact.priority))).all()
    if action.kind == "letter" and action.template:
        first = contacts[0][0].name if contacts else "Parent or carer"
        since = calendar.add_school_days(today, 1 - action.day_number)
        return render_letter(action.template, school=school.name, pupil=pupil.display_name,
                             contact=first, first_day=since.isoformat(),
                             days=action.day_number,
                             office_phone=policy.messages.office_phone)
    if action.kind != "call":
        return None
    return "\n".join(f"{link.priority}. {c.name} ({link.relationship or 'contact'}): "
                     f"{c.mobile or 'no mobile on record'}" for c, link in contacts)


def stand_down(session: Session, school: School, today: date, open_cases: set[int],
               policy: Policy, now: datetime) -> int:
    """A report closed the case: cancel its queued chase texts and its no-contact tasks."""
    actions = session.exec(select(ChaseAction).where(
        ChaseAction.school_id == school.id, ChaseAction.day == today)).all()
    closed = [a for a in actions if a.pupil_id not in open_cases]
    # A DSL's task about a vulnerable pupil stands even when the parent has reported.
    for_dsl = {s.name for s in policy.escalation if s.when.value == "vulnerable"}
    cancelled = 0
    for action in closed:
        message = session.get(Message, action.message_id) if action.message_id else None
        if message is not None and message.status == MessageStatus.queued:
            message.status = MessageStatus.cancelled.value
            message.updated_at = now
            session.add(message)
            cancelled += 1
        task = session.get(StaffTask, action.task_id) if action.task_id else None
        if task is not None and task.status == TaskStatus.open and task.kind != "letter" \
                and action.step not in for_dsl:
            task.status = TaskStatus.cancelled.value
            task.outcome = "The parent reported the absence."
            task.completed_at = now
            session.add(task)
    session.commit()
    return cancelled

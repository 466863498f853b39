"""Running the chase: read the morning from the database, plan, and carry the plan out
(core.chasing_actions).

Each action is applied in a transaction of its own that first writes its ChaseAction key
(unique per school, pupil, day and step); if another tick got there first, the insert fails
and the action is skipped. The chase message and the staff task are written in that same
transaction, so a crash leaves either both or neither. When a case closes (a report arrived),
chase texts still queued for it are cancelled and its no-contact tasks are stood down.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core.attendance_models import ChaseAction, RegisterMark, StaffTask
from core.calendar import SchoolCalendar
from core.chasing import Case, ChaseState, ContactRef, SendChase, plan
from core.chasing_actions import address_on, open_task, send_chase, stand_down
from core.conversation_models import (
    AbsenceReport,
    Conversation,
    Direction,
    Message,
    MessageStatus,
    ReportStatus,
)
from core.models import Contact, Pupil, PupilContact, School, SchoolChannel
from core.schools import school_calendar, school_policy

logger = logging.getLogger(__name__)
UNEXPLAINED = "N"
LIVE_REPORTS = (ReportStatus.collecting, ReportStatus.confirmed, ReportStatus.for_head,
                ReportStatus.approved)
CHANNEL_PREFERENCE = ("telegram", "whatsapp", "sms", "simulator")
LOOKBACK_DAYS = 30  # school days of unexplained absence counted back, at most


@dataclass
class TickResult:
    chases: int = 0
    tasks: int = 0
    cancelled: int = 0


def run_tick(engine: Engine, now: datetime) -> TickResult:
    """One pass over every school as at the aware instant `now`."""
    result = TickResult()
    with Session(engine) as session:
        schools = session.exec(select(School)).all()
    for school in schools:
        with Session(engine) as session:
            _tick_school(session, school, now, result)
    return result


def _tick_school(session: Session, school: School, now: datetime, result: TickResult) -> None:
    calendar, policy = school_calendar(school), school_policy(school)
    today = calendar.local_date(now)
    if not calendar.is_school_day(today):
        return
    state = load_state(session, school, calendar, now)
    result.cancelled += stand_down(session, school, today, {c.pupil_id for c in state.cases},
                                   policy, now)
    for action in plan(state, policy):
        if isinstance(action, SendChase):
            result.chases += send_chase(session, school, action, today, policy, now)
        else:
            result.tasks += open_task(session, school, action, today, calendar, policy, now)


# --- The state of the morning -------------------------------------------------------------

def load_state(session: Session, school: School, calendar: SchoolCalendar,
               now: datetime) -> ChaseState:
    """Today's unexplained absences and what has been done about them."""
    assert school.id is not None
    today = calendar.local_date(now)
    local_now = calendar.local_time(now).replace(tzinfo=None)
    unexplained = _unexplained_by_day(session, school.id, calendar, today)
    channels = set(session.exec(select(SchoolChannel.channel).where(
        SchoolChannel.school_id == school.id)).all())
    cases = []
    for pupil in session.exec(select(Pupil).where(
            col(Pupil.id).in_(unexplained.get(today, set())), col(Pupil.on_roll))).all():
        assert pupil.id is not None
        days = _day_number(pupil.id, unexplained, calendar, today)
        cases.append(Case(pupil.id, days, pupil.is_vulnerable,
                          _contacts(session, school.id, pupil.id, channels)))
    done = {(a.pupil_id, a.step): calendar.local_time(a.created_at).replace(tzinfo=None)
            for a in session.exec(select(ChaseAction).where(
                ChaseAction.school_id == school.id, ChaseAction.day == today)).all()}
    replied, failed = _responses(session, school.id, today, calendar)
    reached = frozenset(p for p in session.exec(select(StaffTask.pupil_id).where(
        StaffTask.school_id == school.id, col(StaffTask.contact_made),
        col(StaffTask.completed_at) >= calendar.at_local(today, time(0, 0)))).all()
        if p is not None)
    return ChaseState(today, local_now, tuple(cases), done, replied, failed, reached)


def _unexplained_by_day(session: Session, school_id: int, calendar: SchoolCalendar,
                        today: date) -> dict[date, set[int]]:
    """Pupils marked N with no live report covering the day, for recent school days."""
    start = today - timedelta(days=LOOKBACK_DAYS * 7 // 5 + 7)
    marks = session.exec(select(RegisterMark.day, RegisterMark.pupil_id).where(
        RegisterMark.school_id == school_id, RegisterMark.mark == UNEXPLAINED,
        col(RegisterMark.day) >= start, col(RegisterMark.day) <= today)).all()
    reports = session.exec(select(AbsenceReport).where(
        AbsenceReport.school_id == school_id, col(AbsenceReport.status).in_(LIVE_REPORTS),
        col(AbsenceReport.first_day) <= today)).all()
    by_day: dict[date, set[int]] = {}
    for day, pupil_id in marks:
        if not any(r.pupil_id == pupil_id and covers(r, day, calendar) for r in reports):
            by_day.setdefault(day, set()).add(pupil_id)
    return by_day


def covers(report: AbsenceReport, day: date, calendar: SchoolCalendar) -> bool:
    """Does a parent's report explain this day? With no day back, it explains the days from
    its first up to two school days on (after that, staff want to hear again)."""
    if report.first_day is None or day < report.first_day:
        return False
    if report.return_day is not None:
        return day < report.return_day
    return day <= calendar.add_school_days(report.first_day, 2)


def _day_number(pupil_id: int, unexplained: dict[date, set[int]], calendar: SchoolCalendar,
                today: date) -> int:
    count, day = 1, today
    while count < LOOKBACK_DAYS:
        day = calendar.previous_school_day(day)
        if pupil_id not in unexplained.get(day, set()):
            return count
        count += 1
    return count


def _contacts(session: Session, school_id: int, pupil_id: int,
              channels: set[str]) -> tuple[ContactRef, ...]:
    rows = session.exec(select(Contact).join(
        PupilContact, col(PupilContact.contact_id) == Contact.id).where(
        PupilContact.pupil_id == pupil_id).order_by(col(PupilContact.priority))).all()
    result = []
    for contact in rows:
        assert contact.id is not None
        channel = preferred_channel(contact, channels)
        opted_out = channel is not None and _opted_out(session, school_id, contact, channel)
        result.append(ContactRef(contact.id, channel, opted_out))
    return tuple(result)


def preferred_channel(contact: Contact, channels: set[str]) -> str | None:
    """The channel to chase a contact on: Telegram if they linked it, WhatsApp, then SMS,
    among the channels the school has; the simulator only for the demo school."""
    have = {"telegram": contact.telegram_chat_id is not None,
            "whatsapp": contact.whatsapp is not None, "sms": contact.mobile is not None,
            "simulator": contact.mobile is not None}
    return next((c for c in CHANNEL_PREFERENCE if c in channels and have[c]), None)


def _opted_out(session: Session, school_id: int, contact: Contact, channel: str) -> bool:
    return bool(session.exec(select(Conversation.opted_out).where(
        Conversation.school_id == school_id, Conversation.channel == channel,
        Conversation.address == address_on(contact, channel))).first())


def _responses(session: Session, school_id: int, today: date,
               calendar: SchoolCalendar) -> tuple[frozenset[int], frozenset[int]]:
    """Contacts who wrote back after today's chase, and those whose chase failed."""
    chased = session.exec(select(ChaseAction.contact_id, Message).join(
        Message, col(Message.id) == ChaseAction.message_id).where(
        ChaseAction.school_id == school_id, ChaseAction.day == today,
        col(ChaseAction.contact_id).is_not(None))).all()
    replied, failed = set(), set()
    for contact_id, sent in chased:
        if sent.status in (MessageStatus.failed, MessageStatus.undelivered):
            failed.add(contact_id)
        answer = session.exec(select(Message.id).where(
            Message.conversation_id == sent.conversation_id,
            Message.direction == Direction.incoming,
            col(Message.created_at) > sent.created_at)).first()
        if answer is not None:
            replied.add(contact_id)
    return frozenset(replied), frozenset(failed)

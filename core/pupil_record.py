"""Pupils as staff look them up: a search over the school's pupils, and one pupil's record
(contacts, this term's register and figures, reports, conversations, chases, tasks and the
steps of the attendance ladder).

A record is a handful of queries whatever its length (one per section, never one per row), so
the page stays quick for a pupil with a long history. Everything is scoped to the school: a
pupil of another school is not found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import phonenumbers
from phonenumbers import PhoneNumberFormat
from sqlalchemy import case, func, or_
from sqlmodel import Session, col, select

from core.attendance_figures import AttendanceFigures, attendance_figures
from core.attendance_models import ChaseAction, Intervention, RegisterMark, StaffTask
from core.calendar import SchoolCalendar, Term
from core.chasing import UNREACHABLE
from core.conversation_models import AbsenceReport, Conversation, Message
from core.models import Contact, Pupil, PupilContact, School
from core.policy import StepCondition
from core.roster_rows import LANGUAGES
from core.schools import school_calendar, school_policy

SEARCH_LIMIT = 50
HISTORY_LIMIT = 100  # reports, chases and tasks shown on a record, newest first
YEAR_ORDER = ("N1", "N2", "R", *(str(year) for year in range(1, 14)))
_LANGUAGE_NAMES = {code: name.title() for name, code in reversed(LANGUAGES.items())}


@dataclass(frozen=True)
class PupilSearch:
    pupils: list[Pupil]
    total: int  # how many matched before the cap
    limit: int

    @property
    def capped(self) -> bool:
        return self.total > len(self.pupils)


def search_pupils(*, session: Session, school: School, search: str = "",
                  limit: int = SEARCH_LIMIT) -> PupilSearch:
    """Pupils whose name (preferred or legal), UPN or registration group contains `search`,
    by last name; with no search, the pupils on roll by year group and name."""
    text = search.strip()
    where = [Pupil.school_id == school.id]
    if text:
        where.append(_matches(text))
        order = [col(Pupil.legal_last_name), col(Pupil.legal_first_name), col(Pupil.id)]
    else:
        where.append(col(Pupil.on_roll))
        year = case({value: rank for rank, value in enumerate(YEAR_ORDER)},
                    value=Pupil.year_group, else_=len(YEAR_ORDER))
        order = [year, col(Pupil.legal_last_name), col(Pupil.legal_first_name), col(Pupil.id)]
    total = session.exec(select(func.count()).select_from(Pupil).where(*where)).one()
    pupils = session.exec(select(Pupil).where(*where).order_by(*order).limit(limit)).all()
    return PupilSearch(list(pupils), int(total), limit)


def _matches(text: str):  # type: ignore[no-untyped-def]
    """Case-insensitive and partial; % and _ typed by staff are letters, not wildcards."""
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    known_as = func.coalesce(Pupil.preferred_first_name, Pupil.legal_first_name) + " " + \
        Pupil.legal_last_name
    legal = Pupil.legal_first_name + " " + Pupil.legal_last_name
    upn = text.replace(" ", "").upper()
    return or_(known_as.ilike(like, escape="\\"), legal.ilike(like, escape="\\"),
               col(Pupil.reg_group).ilike(like, escape="\\"),
               col(Pupil.upn).contains(upn, autoescape=True))


@dataclass(frozen=True)
class ContactRow:
    contact: Contact
    link: PupilContact

    @property
    def language(self) -> str:
        code = self.contact.preferred_language
        return _LANGUAGE_NAMES.get(code, code)

    @property
    def mobile(self) -> str | None:
        """The mobile as staff dial it: 07700 900123 for a UK number, +40 712 345 678 for
        another country's; stored numbers are E.164."""
        if not self.contact.mobile:
            return None
        number = phonenumbers.parse(self.contact.mobile)
        style = PhoneNumberFormat.NATIONAL if number.country_code == 44 else \
            PhoneNumberFormat.INTERNATIONAL
        return phonenumbers.format_number(number, style)


@dataclass(frozen=True)
class RegisterDay:
    day: date
    am: str | None
    pm: str | None
    closed: str | None  # why the school was not open (half term, INSET...), or None


@dataclass(frozen=True)
class RegisterWeek:
    monday: date
    days: tuple[RegisterDay, ...]  # Monday to Friday

    @property
    def closed(self) -> str | None:
        """The reason when the whole week was closed for one reason (a half term)."""
        reasons = {d.closed for d in self.days}
        only = reasons.pop() if len(reasons) == 1 else None
        return only if only and not any(d.am or d.pm for d in self.days) else None


@dataclass(frozen=True)
class ConversationRow:
    conversation: Conversation
    contact_name: str | None
    last_activity: datetime


@dataclass(frozen=True)
class ChaseRow:
    action: ChaseAction
    title: str  # the ladder step's title, as the policy names it
    contact_name: str | None


@dataclass(frozen=True)
class PupilRecord:
    pupil: Pupil
    contacts: list[ContactRow]
    term: Term | None  # the term this is, or the last one to have started (in a holiday)
    to_date: date  # the register and figures run from the term's start to here
    weeks: list[RegisterWeek]  # latest first
    figures: AttendanceFigures
    reports: list[AbsenceReport]
    conversations: list[ConversationRow]
    chases: list[ChaseRow]
    tasks: list[StaffTask]
    ladder: list[Intervention] = field(default_factory=list)  # attendance ladder steps

    @property
    def marks_used(self) -> list[str]:
        """The codes in this term's register, for the key below it."""
        return sorted({m for w in self.weeks for d in w.days for m in (d.am, d.pm) if m})


def load_pupil_record(*, session: Session, school: School, pupil_id: int, now: datetime,
                      safeguarding: bool) -> PupilRecord | None:
    """One pupil's record at `now` (this term to the school's local today); None if the
    pupil is not this school's.
    Without `safeguarding`, chases and tasks of the ladder's steps for vulnerable pupils are
    left out: that they exist would tell the reader the pupil is flagged."""
    pupil = session.get(Pupil, pupil_id)
    if pupil is None or pupil.school_id != school.id:
        return None
    calendar = school_calendar(school)
    today = calendar.local_date(now)
    term = term_so_far(calendar, today)
    to_date = min(today, term.end) if term else today
    marks = _marks(session, pupil_id, term.start, to_date) if term else {}
    contacts = _contacts(session, pupil_id)
    reports = list(session.exec(select(AbsenceReport).where(
        AbsenceReport.school_id == school.id, AbsenceReport.pupil_id == pupil_id).order_by(
        col(AbsenceReport.created_at).desc(), col(AbsenceReport.id).desc()).limit(
        HISTORY_LIMIT)).all())
    chases, hidden_tasks = _chases(session, school, pupil_id, safeguarding)
    tasks = [t for t in session.exec(select(StaffTask).where(
        StaffTask.school_id == school.id, StaffTask.pupil_id == pupil_id).order_by(
        col(StaffTask.created_at).desc(), col(StaffTask.id).desc()).limit(HISTORY_LIMIT)).all()
        if t.id not in hidden_tasks]
    return PupilRecord(
        pupil=pupil, contacts=contacts, term=term, to_date=to_date,
        weeks=register_weeks(calendar, term.start, to_date, marks) if term else [],
        figures=attendance_figures(marks.values()), reports=reports,
        conversations=_conversations(session, school, contacts, reports),
        chases=chases, tasks=tasks, ladder=list(session.exec(select(Intervention).where(
            Intervention.school_id == school.id, Intervention.pupil_id == pupil_id).order_by(
            col(Intervention.created_at).desc(), col(Intervention.id).desc()).limit(
            HISTORY_LIMIT)).all()))


def term_so_far(calendar: SchoolCalendar, today: date) -> Term | None:
    """The term `today` is in; in a holiday, the last term to have started."""
    started = [t for t in calendar.spec.terms if t.start <= today]
    return calendar.term_for(today) or max(started, key=lambda t: t.start, default=None)


def register_weeks(calendar: SchoolCalendar, start: date, end: date,
                   marks: dict[tuple[date, str], str]) -> list[RegisterWeek]:
    """Monday-to-Friday rows from `start` to `end`, latest first; days after `end` are blank."""
    weeks = []
    monday = end - timedelta(days=end.weekday())
    while monday + timedelta(days=4) >= start:
        days = tuple(RegisterDay(
            day, marks.get((day, "AM")), marks.get((day, "PM")),
            calendar.closed_because(day) if start <= day <= end else None)
            for day in (monday + timedelta(days=n) for n in range(5)))
        weeks.append(RegisterWeek(monday, days))
        monday -= timedelta(days=7)
    return weeks


def _marks(session: Session, pupil_id: int, start: date, end: date
           ) -> dict[tuple[date, str], str]:
    return {(m.day, m.session): m.mark for m in session.exec(select(RegisterMark).where(
        RegisterMark.pupil_id == pupil_id, col(RegisterMark.day) >= start,
        col(RegisterMark.day) <= end))}


def _contacts(session: Session, pupil_id: int) -> list[ContactRow]:
    """The pupil's contacts in the order they are called."""
    rows = session.exec(select(Contact, PupilContact).join(
        PupilContact, col(PupilContact.contact_id) == Contact.id).where(
        PupilContact.pupil_id == pupil_id).order_by(
        col(PupilContact.priority), col(PupilContact.id))).all()
    return [ContactRow(contact, link) for contact, link in rows]


def _conversations(session: Session, school: School, contacts: list[ContactRow],
                   reports: list[AbsenceReport]) -> list[ConversationRow]:
    """Threads with the pupil's contacts, and any a report about the pupil came from; most
    recently active first."""
    contact_ids = [row.contact.id for row in contacts]
    report_threads = {report.conversation_id for report in reports}
    if not contact_ids and not report_threads:
        return []
    last = select(Message.conversation_id, func.max(Message.created_at).label("at")).group_by(
        col(Message.conversation_id)).subquery()
    rows = session.exec(select(Conversation, Contact.name, last.c.at).outerjoin(
        Contact, col(Contact.id) == Conversation.contact_id).outerjoin(
        last, last.c.conversation_id == Conversation.id).where(
        Conversation.school_id == school.id,
        or_(col(Conversation.contact_id).in_(contact_ids),
            col(Conversation.id).in_(report_threads)))).all()
    found = [ConversationRow(c, name, at or c.updated_at) for c, name, at in rows]
    return sorted(found, key=lambda row: row.last_activity, reverse=True)


def _chases(session: Session, school: School, pupil_id: int,
            safeguarding: bool) -> tuple[list[ChaseRow], set[int]]:
    """Chase actions newest first, named by the policy's titles; and the ids of tasks the
    reader may not see (those of the steps for vulnerable pupils)."""
    ladder = school_policy(school).escalation
    titles = {UNREACHABLE: "No contact we can text: office to phone"} | {
        step.name: step.title or step.name for step in ladder}
    private = set() if safeguarding else {
        step.name for step in ladder if step.when is StepCondition.vulnerable}
    rows = session.exec(select(ChaseAction, Contact.name).outerjoin(
        Contact, col(Contact.id) == ChaseAction.contact_id).where(
        ChaseAction.school_id == school.id, ChaseAction.pupil_id == pupil_id).order_by(
        col(ChaseAction.day).desc(), col(ChaseAction.created_at).desc(),
        col(ChaseAction.id).desc()).limit(HISTORY_LIMIT)).all()
    shown, hidden_tasks = [], set()
    for action, name in rows:
        step = action.step.split(":", 1)[0]  # a chase's key is "<step>:c<contact id>"
        if step in private:
            hidden_tasks |= {action.task_id} if action.task_id else set()
            continue
        shown.append(ChaseRow(action, titles.get(step, step), name))
    return shown, hidden_tasks

"""The staff inbox: conversations by what they need, and one conversation in full."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from core.conversation_models import (
    AbsenceReport,
    Conversation,
    ConversationStatus,
    Message,
    ReportStatus,
)
from core.models import Contact, Pupil, PupilContact, School, StaffUser

PAGE_SIZE = 100


class InboxFilter(StrEnum):
    all = "all"
    needs_action = "needs_action"
    unknown = "unknown"
    waiting = "waiting"
    resolved = "resolved"
    mine = "mine"


@dataclass(frozen=True)
class ThreadRow:
    conversation: Conversation
    contact: Contact | None
    pupils: list[Pupil]
    last: Message | None


@dataclass(frozen=True)
class Thread:
    conversation: Conversation
    contact: Contact | None
    pupils: list[Pupil]
    messages: list[Message]  # safeguarding notes only for those who may read them
    reports: list[tuple[AbsenceReport, Pupil]]
    sources: dict[int, Message]  # each report's source message, by report id
    staff: list[StaffUser]  # the school's active staff, to give the thread to


def list_threads(*, session: Session, school: School, show: InboxFilter = InboxFilter.all,
                 search: str = "", staff: StaffUser | None = None) -> list[ThreadRow]:
    """The school's conversations, most recently active first, filtered and searched;
    `mine` is those given to `staff`."""
    query = select(Conversation, Contact).outerjoin(
        Contact, col(Contact.id) == Conversation.contact_id).where(
        Conversation.school_id == school.id)
    query = _filtered(query, show)
    if show is InboxFilter.mine:
        query = query.where(Conversation.assigned_to == (staff.id if staff else -1))
    if search.strip():
        query = query.where(or_(col(Contact.name).ilike(f"%{search.strip()}%"),
                                col(Conversation.id).in_(_pupil_search(school, search))))
    rows = session.exec(query.order_by(col(Conversation.updated_at).desc(),
                                       col(Conversation.id).desc()).limit(PAGE_SIZE)).all()
    contact_ids = [c.id for _, c in rows if c is not None]
    pupils = pupils_of(session, contact_ids)
    last = _last_messages(session, [conversation.id for conversation, _ in rows])
    return [ThreadRow(conversation, contact, pupils.get(contact.id, []) if contact else [],
                      last.get(conversation.id)) for conversation, contact in rows]


def _filtered(query, show: InboxFilter):  # type: ignore[no-untyped-def]
    if show is InboxFilter.needs_action:
        return query.where(Conversation.status == ConversationStatus.needs_attention.value)
    if show is InboxFilter.unknown:
        return query.where(col(Conversation.contact_id).is_(None))
    if show is InboxFilter.waiting:
        return query.where(Conversation.status == ConversationStatus.waiting_parent.value)
    if show is InboxFilter.resolved:
        return query.where(Conversation.status == ConversationStatus.resolved.value)
    return query


def _pupil_search(school: School, search: str):  # type: ignore[no-untyped-def]
    """Conversations with a contact of a pupil whose name matches."""
    like = f"%{search.strip()}%"
    name = func.coalesce(Pupil.preferred_first_name, Pupil.legal_first_name) + " " + \
        Pupil.legal_last_name
    return select(Conversation.id).join(
        PupilContact, col(PupilContact.contact_id) == Conversation.contact_id).join(
        Pupil, col(Pupil.id) == PupilContact.pupil_id).where(
        Conversation.school_id == school.id,
        or_(name.ilike(like), (Pupil.legal_first_name + " " + Pupil.legal_last_name).ilike(like)))


def pupils_of(session: Session, contact_ids: list[int | None]) -> dict[int, list[Pupil]]:
    """Each contact's pupils, by contact id."""
    found: dict[int, list[Pupil]] = {}
    if not contact_ids:
        return found
    for contact_id, pupil in session.exec(select(PupilContact.contact_id, Pupil).join(
            Pupil, col(Pupil.id) == PupilContact.pupil_id).where(
            col(PupilContact.contact_id).in_(contact_ids)).order_by(
            col(Pupil.legal_first_name))).all():
        found.setdefault(contact_id, []).append(pupil)
    return found


def _last_messages(session: Session, ids: list[int | None]) -> dict[int, Message]:
    if not ids:
        return {}
    newest = select(func.max(Message.id)).where(col(Message.conversation_id).in_(ids)).group_by(
        col(Message.conversation_id))
    return {m.conversation_id: m for m in session.exec(
        select(Message).where(col(Message.id).in_(newest))).all()}


def load_thread(*, session: Session, school: School, conversation_id: int,
                safeguarding: bool = False) -> Thread | None:
    """One conversation with every message and its reports; None if not this school's.
    Safeguarding notes are left out unless `safeguarding` (the DSL and the head)."""
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.school_id != school.id:
        return None
    contact = session.get(Contact, conversation.contact_id) if conversation.contact_id else None
    query = select(Message).where(Message.conversation_id == conversation_id)
    if not safeguarding:
        query = query.where(col(Message.restricted).is_(False))
    messages = list(session.exec(query.order_by(col(Message.id))).all())
    reports = list(session.exec(select(AbsenceReport, Pupil).join(
        Pupil, col(Pupil.id) == AbsenceReport.pupil_id).where(
        AbsenceReport.conversation_id == conversation_id,
        AbsenceReport.status != ReportStatus.collecting.value).order_by(
        col(AbsenceReport.id))).all())
    pupils = pupils_of(session, [contact.id]).get(contact.id or 0, []) if contact else []
    by_id = {m.id: m for m in messages}
    sources = {r.id or 0: by_id[r.message_id] for r, _ in reports if r.message_id in by_id}
    staff = list(session.exec(select(StaffUser).where(
        StaffUser.school_id == school.id, col(StaffUser.active)).order_by(
        col(StaffUser.name))).all())
    return Thread(conversation, contact, pupils, messages, [(r, p) for r, p in reports],
                  sources, staff)


def evidence_segments(body: str, evidence: str) -> list[tuple[str, str | None]]:
    """The message cut into (text, field) pieces: field names what the bot read from that
    piece (pupils, reason, first_day, return, kind, part), None for the text between."""
    try:
        found = json.loads(evidence or "{}")
    except ValueError:
        found = {}
    spans = sorted((int(a), int(b), field) for field, pairs in found.items()
                   for a, b in pairs if 0 <= int(a) < int(b) <= len(body))
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for start, end, field in spans:
        if start < at:
            continue  # overlaps the piece before: the first reading wins
        if start > at:
            pieces.append((body[at:start], None))
        pieces.append((body[start:end], field))
        at = end
    if at < len(body):
        pieces.append((body[at:], None))
    return pieces


def staff_names(session: Session, school: School) -> dict[int, str]:
    """The school's staff by id, for saying who looks after each conversation."""
    return {i: name for i, name in session.exec(select(StaffUser.id, StaffUser.name).where(
        StaffUser.school_id == school.id)).all() if i is not None}


def find_contacts(*, session: Session, school: School, search: str) -> list[Contact]:
    """Contacts by name or number, for linking an unknown sender."""
    like = f"%{search.strip()}%"
    return list(session.exec(select(Contact).where(
        Contact.school_id == school.id,
        or_(col(Contact.name).ilike(like), col(Contact.mobile).like(like))).order_by(
        col(Contact.name)).limit(20)).all())


def pending_reports(*, session: Session, school: School,
                    ids: list[int] | None = None) -> list[tuple[AbsenceReport, Pupil]]:
    """Reports parents confirmed whose code staff have still to approve, oldest first."""
    query = select(AbsenceReport, Pupil).join(Pupil, col(Pupil.id) == AbsenceReport.pupil_id).where(
        AbsenceReport.school_id == school.id,
        AbsenceReport.status == ReportStatus.confirmed.value)
    if ids is not None:
        query = query.where(col(AbsenceReport.id).in_(ids))
    rows = session.exec(query.order_by(col(AbsenceReport.created_at), col(AbsenceReport.id)))
    return [(report, pupil) for report, pupil in rows.all()]

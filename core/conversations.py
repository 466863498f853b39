"""Conversations with parents: storing what arrives, finding who sent it, queueing replies and
recording the reports a conversation produces.

Storing comes first and commits on its own: whatever happens to a message afterwards, it is
in the database, and a provider's retry of the same message is recognised by its id.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.clock import Clock
from core.codes import REASON_CODES
from core.conversation_models import (
    AbsenceReport,
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageStatus,
    ReportStatus,
)
from core.models import (
    ChannelKind,
    Contact,
    Pupil,
    PupilContact,
    School,
    SchoolChannel,
    StaffUser,
)

logger = logging.getLogger(__name__)
MAX_BODY = 5000  # characters of a message kept; longer bodies are cut and marked


class UnknownAddress(LookupError):
    """A message to a number or bot that belongs to no school here."""


@dataclass(frozen=True)
class Inbound:
    """One message from a parent, the same shape whichever channel brought it."""

    channel: ChannelKind
    sender: str  # E.164 number, or a Telegram chat id
    to: str  # the school's number or bot id, or (simulator) the school's address there
    text: str
    provider_id: str
    media: tuple[str, ...] = ()
    raw: str | None = None  # the provider's payload as received
    shared_phone: str | None = None  # Telegram: the sender shared their own number


def school_for(session: Session, channel: ChannelKind, to: str) -> School:
    """The school whose number or bot received the message (the simulator's address is a
    school slug; only schools that registered one, like the demo school, can be reached)."""
    school = session.exec(select(School).join(
        SchoolChannel, col(SchoolChannel.school_id) == School.id).where(
        SchoolChannel.channel == channel.value, SchoolChannel.address == to)).first()
    if school is None:
        raise UnknownAddress(f"no school receives {channel.value} at {to}")
    return school


def find_contact(session: Session, school_id: int, channel: ChannelKind,
                 address: str) -> Contact | None:
    """The school's contact with this number or Telegram account, if any."""
    query = select(Contact).where(Contact.school_id == school_id)
    if channel is ChannelKind.telegram:
        query = query.where(Contact.telegram_chat_id == int(address))
    elif channel is ChannelKind.whatsapp:
        query = query.where((Contact.whatsapp == address) | (Contact.mobile == address))
    else:
        query = query.where(Contact.mobile == address)
    return session.exec(query.order_by(col(Contact.id))).first()


def store_incoming(session: Session, inbound: Inbound, clock: Clock
                   ) -> tuple[Conversation, Message] | None:
    """Store the message (and its thread) and commit; None if it was stored before."""
    school = school_for(session, inbound.channel, inbound.to)
    assert school.id is not None
    now = clock()
    conversation = conversation_for(session, school.id, inbound.channel, inbound.sender, now)
    conversation.last_incoming_at = now
    message = Message(
        school_id=school.id, conversation_id=conversation.id, direction=Direction.incoming,
        author="parent", channel=inbound.channel.value, provider_id=inbound.provider_id,
        body=inbound.text[:MAX_BODY], media=json.dumps(list(inbound.media)), raw=inbound.raw,
        status=MessageStatus.received, created_at=now, updated_at=now)
    session.add(message)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # the provider retried a message we already have
        logger.info("duplicate %s message %s ignored", inbound.channel.value, inbound.provider_id)
        return None
    return conversation, message


def conversation_for(session: Session, school_id: int, channel: ChannelKind, address: str,
                     now: datetime) -> Conversation:
    """The thread with this address at this school, begun if new."""
    found = session.exec(select(Conversation).where(
        Conversation.school_id == school_id, Conversation.channel == channel.value,
        Conversation.address == address)).first()
    if found is not None:
        if found.contact_id is None:
            found.contact_id = _contact_id(session, school_id, channel, address)
        return found
    conversation = Conversation(
        school_id=school_id, channel=channel.value, address=address,
        contact_id=_contact_id(session, school_id, channel, address),
        created_at=now, updated_at=now)
    session.add(conversation)
    session.flush()
    return conversation


def _contact_id(session: Session, school_id: int, channel: ChannelKind,
                address: str) -> int | None:
    contact = find_contact(session, school_id, channel, address)
    return contact.id if contact else None


def linked_pupils(session: Session, contact_id: int) -> list[Pupil]:
    """The pupils on roll this contact is linked to, in the contact's priority order."""
    return list(session.exec(select(Pupil).join(
        PupilContact, col(PupilContact.pupil_id) == Pupil.id).where(
        PupilContact.contact_id == contact_id, col(Pupil.on_roll)).order_by(
        col(Pupil.legal_first_name))).all())


def queue_reply(session: Session, conversation: Conversation, body: str, *, now: datetime,
                template: str | None = None, author: str = "bot") -> Message:
    """An outgoing message, queued for the sender (the row is the outbox)."""
    assert conversation.id is not None
    message = Message(
        school_id=conversation.school_id, conversation_id=conversation.id,
        direction=Direction.outgoing, author=author, channel=conversation.channel,
        body=body, template=template, status=MessageStatus.queued, created_at=now,
        updated_at=now)
    session.add(message)
    return message


def set_status(conversation: Conversation, status: ConversationStatus, now: datetime) -> None:
    conversation.status = status.value
    conversation.updated_at = now


def save_reports(session: Session, conversation: Conversation, message: Message,
                 drafts: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Write each draft's reports (one per child) and return the drafts with their row ids."""
    saved = []
    for draft in drafts:
        ids: dict[str, int] = dict(draft.get("ids", {}))
        for pupil_id in draft["pupils"]:
            row = session.get(AbsenceReport, ids[str(pupil_id)]) if str(pupil_id) in ids \
                else None
            if row is None:
                row = AbsenceReport(school_id=conversation.school_id, pupil_id=pupil_id,
                                    conversation_id=conversation.id,
                                    message_id=draft.get("message_id", message.id),
                                    kind=draft["kind"], part=draft["part"], created_at=now,
                                    updated_at=now)
            _fill(row, draft, now)
            session.add(row)
            session.flush()
            assert row.id is not None
            ids[str(pupil_id)] = row.id
        for pupil_id, report_id in list(ids.items()):
            if int(pupil_id) not in draft["pupils"]:  # the parent changed the child
                withdraw(session, report_id, now)
                del ids[pupil_id]
        saved.append({**draft, "ids": ids, "message_id": draft.get("message_id", message.id)})
    return saved


def _fill(row: AbsenceReport, draft: dict[str, Any], now: datetime) -> None:
    row.kind = draft["kind"]
    row.reason = "late" if draft["kind"] == "late" else draft["reason"]
    row.suggested_code = REASON_CODES[row.reason]
    row.first_day = date.fromisoformat(draft["first_day"]) if draft["first_day"] else None
    row.return_day = date.fromisoformat(draft["return_day"]) if draft["return_day"] else None
    row.part = draft["part"]
    row.details = draft.get("details")
    row.evidence = json.dumps(draft.get("evidence", {}))
    row.status = ReportStatus(draft["status"]).value
    row.updated_at = now


def withdraw(session: Session, report_id: int, now: datetime) -> None:
    row = session.get(AbsenceReport, report_id)
    if row is not None:
        row.status = ReportStatus.withdrawn.value
        row.updated_at = now
        session.add(row)


def staff_reply(session: Session, conversation: Conversation, staff: StaffUser, text: str,
                now: datetime) -> Message:
    """A member of staff writes to the parent: the bot stops replying in this thread until
    staff hand it back."""
    if conversation.school_id != staff.school_id:
        raise PermissionError("staff can only write in their own school's conversations")
    message = queue_reply(session, conversation, text[:MAX_BODY], now=now, author="staff")
    conversation.bot_paused = True
    conversation.flow, conversation.flow_state = None, "{}"
    set_status(conversation, ConversationStatus.waiting_parent, now)
    session.add(conversation)
    return message


def hand_back(session: Session, conversation: Conversation, now: datetime) -> None:
    """Staff are done: the bot answers this thread again."""
    conversation.bot_paused = False
    set_status(conversation, ConversationStatus.resolved, now)
    session.add(conversation)


def link_sender(session: Session, conversation: Conversation, contact: Contact,
                now: datetime) -> None:
    """Staff say who an unknown sender is; a Telegram account is remembered on the contact."""
    if contact.school_id != conversation.school_id:
        raise PermissionError("a conversation can only be linked to its own school's contact")
    conversation.contact_id = contact.id
    if conversation.channel == ChannelKind.telegram.value:
        contact.telegram_chat_id = int(conversation.address)
        session.add(contact)
    set_status(conversation, ConversationStatus.open, now)
    session.add(conversation)


# A message's delivery moves one way; callbacks can arrive out of order, so a status only ever
# replaces one of a lower rank.
DELIVERY_RANK = {MessageStatus.queued: 0, MessageStatus.sent: 1, MessageStatus.delivered: 2,
                 MessageStatus.undelivered: 3, MessageStatus.failed: 3}


def record_delivery(session: Session, channels: list[str], provider_id: str,
                    status: MessageStatus, error: str | None, now: datetime) -> bool:
    """Move our outgoing message with this provider id forward to `status`; False if nothing
    changed. A failure also puts the thread in front of staff (and lets the chase move on to
    the next contact): the parent did not get our message."""
    rank = DELIVERY_RANK[status]
    message = session.exec(select(Message).where(
        col(Message.channel).in_(channels), Message.provider_id == provider_id,
        Message.direction == Direction.outgoing)).first()
    if message is None:
        return False
    lower = [stored.value for stored, r in DELIVERY_RANK.items() if r < rank]
    values: dict[str, object] = {"status": status.value, "updated_at": now}
    if rank == 3:
        values["error"] = (error or f"the provider reports the message {status.value}")[:500]
    # One conditional UPDATE, so two callbacks racing cannot move the message backwards.
    changed = session.execute(update(Message).where(
        col(Message.id) == message.id, col(Message.status).in_(lower)).values(**values))
    if changed.rowcount and rank == 3:  # type: ignore[attr-defined]
        conversation = session.get(Conversation, message.conversation_id)
        assert conversation is not None
        set_status(conversation, ConversationStatus.needs_attention, now)
        session.add(conversation)
    session.commit()
    return bool(changed.rowcount)  # type: ignore[attr-defined]

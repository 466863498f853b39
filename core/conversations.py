"""Conversations with parents: the shape of what arrives, finding who sent it, queueing
replies, and what staff do in a thread.

Storing what arrives comes first and commits on its own (core.inbound_batches): whatever
happens to a message afterwards, it is in the database, and a provider's retry of the same
message is recognised by its id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.conversation_models import (
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageStatus,
)
from core.models import (
    ChannelKind,
    Contact,
    Pupil,
    PupilContact,
    School,
    StaffUser,
)

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


def storable(inbound: Inbound) -> Inbound:
    """The message as every database can hold it: a NUL character, which no phone sends but
    anyone can post and which PostgreSQL's text refuses, becomes U+FFFD."""
    def clean(value: str) -> str:
        return value.replace("\x00", "\ufffd")

    return replace(inbound, text=clean(inbound.text), provider_id=clean(inbound.provider_id),
                   media=tuple(clean(m) for m in inbound.media),
                   raw=clean(inbound.raw) if inbound.raw is not None else None)


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


@dataclass(frozen=True)
class Stored:
    """A message just stored, with its thread, the school that received it and the sender's
    contact (None for an unknown sender). Holding the contact keeps it in the session's
    identity map, so reading the message asks for it by id without another query."""

    school: School
    conversation: Conversation
    message: Message
    contact: Contact | None = None


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
    return _begin(session, school_id, channel, address, now,
                  contact_id=_contact_id(session, school_id, channel, address))


def _begin(session: Session, school_id: int, channel: ChannelKind, address: str,
           now: datetime, *, contact_id: int | None) -> Conversation:
    """A new thread with the contact at `address`."""
    conversation = Conversation(
        school_id=school_id, channel=channel.value, address=address, contact_id=contact_id,
        created_at=now, updated_at=now)
    session.add(conversation)
    try:
        session.flush()
    except IntegrityError:
        # Another request began this thread at the same instant: theirs is the thread. The
        # rollback undoes only this attempt, as nothing else is written before the thread.
        session.rollback()
        conversation = session.exec(select(Conversation).where(
            Conversation.school_id == school_id, Conversation.channel == channel.value,
            Conversation.address == address)).one()
    return conversation


def _contact_id(session: Session, school_id: int, channel: ChannelKind,
                address: str) -> int | None:
    contact = find_contact(session, school_id, channel, address)
    return contact.id if contact else None


# Built once with a bound parameter, as reading a message runs it: building a select with its
# joins costs 40-120 µs of Python each time, and the compiled form is cached either way.
_LINKED_PUPILS = select(Pupil).join(
    PupilContact, col(PupilContact.pupil_id) == Pupil.id).where(
    PupilContact.contact_id == bindparam("contact_id"), col(Pupil.on_roll)).order_by(
    col(Pupil.legal_first_name))


def linked_pupils(session: Session, contact_id: int) -> list[Pupil]:
    """The pupils on roll this contact is linked to, in the contact's priority order."""
    return list(session.exec(_LINKED_PUPILS, params={"contact_id": contact_id}).all())


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

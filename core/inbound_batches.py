"""Storing messages that arrived together in one transaction.

At a busy moment (09:30 on a school morning, the chase just sent) a web process has many
parents' messages in hand at once. Storing each on its own costs a transaction, a commit and a
round trip per statement; stored together they cost one of each. The rules are
a provider's retry of a message already stored (by its id) is not stored again, a new
sender's thread is begun, a thread learns its contact once the sender is known. A batch of one
is a message arriving alone.

When another process stores the same message or begins the same thread at the same instant,
the commit fails (IntegrityError) and nothing of the batch is written; storing the batch again
then finds the other process's rows, and stores the rest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import bindparam, or_, tuple_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from core.clock import Clock
from core.conversation_models import Conversation, Direction, Message, MessageStatus
from core.conversations import MAX_BODY, Inbound, Stored, UnknownAddress
from core.models import ChannelKind, Contact, School, SchoolChannel

# Built once with bound parameters, as every batch runs them (see core.conversations).
_STORED_IDS = select(Message.channel, Message.provider_id).where(  # channel first: the index's
    col(Message.channel).in_(bindparam("channels", expanding=True)),
    col(Message.provider_id).in_(bindparam("ids", expanding=True)))
_SCHOOLS = select(SchoolChannel.channel, SchoolChannel.address, School).join(
    School, col(School.id) == SchoolChannel.school_id).where(
    tuple_(col(SchoolChannel.channel), col(SchoolChannel.address)).in_(
        bindparam("addresses", expanding=True)))
_THREADS = select(Conversation, Contact).outerjoin(
    Contact, col(Contact.id) == Conversation.contact_id).where(
    tuple_(col(Conversation.school_id), col(Conversation.channel),
           col(Conversation.address)).in_(bindparam("threads", expanding=True)))
_CONTACTS = select(Contact).where(
    col(Contact.school_id).in_(bindparam("schools", expanding=True)),
    or_(col(Contact.mobile).in_(bindparam("numbers", expanding=True)),
        col(Contact.whatsapp).in_(bindparam("numbers", expanding=True)),
        col(Contact.telegram_chat_id).in_(bindparam("chats", expanding=True)))).order_by(
    col(Contact.id))

RACES = 3  # tries at storing a batch that another process's commit conflicts with
Outcome = Stored | UnknownAddress | None  # None: a retry of a message already stored
Thread = tuple[School, Conversation, Contact | None]
ThreadKey = tuple[int, str, str]  # school, channel, sender's address


def store_many(session: Session, inbounds: Sequence[Inbound], clock: Clock) -> list[Outcome]:
    """Store every message (and any new thread) and commit once; for each message in order,
    what became of it. Messages to an address no school has are not stored: their outcome is
    the UnknownAddress error, to answer that one request with. Six queries and a commit
    however many messages there are. A race with another process is stored again (RACES
    tries), the second time finding what the other process wrote."""
    for _ in range(RACES - 1):
        try:
            return _store(session, inbounds, clock)
        except IntegrityError:
            session.rollback()
    return _store(session, inbounds, clock)


def _store(session: Session, inbounds: Sequence[Inbound], clock: Clock) -> list[Outcome]:
    now = clock()
    already = _already_stored(session, inbounds)
    fresh = []
    for inbound in inbounds:  # a retry of one stored, or of one earlier in this batch
        key = (inbound.channel.value, inbound.provider_id)
        fresh.append(key not in already)
        already.add(key)
    to_store = [inbound for inbound, new in zip(inbounds, fresh, strict=True) if new]
    schools = _schools(session, to_store)
    threads = _threads(session, to_store, schools, now)
    session.flush()  # new threads get their ids
    outcomes: list[Outcome] = []
    for inbound, new in zip(inbounds, fresh, strict=True):
        school = schools.get((inbound.channel.value, inbound.to))
        if not new:
            outcomes.append(None)
        elif school is None or school.id is None:
            outcomes.append(UnknownAddress(
                f"no school receives {inbound.channel.value} at {inbound.to}"))
        else:
            school, conversation, contact = threads[
                (school.id, inbound.channel.value, inbound.sender)]
            message = _message(conversation, inbound, now)
            session.add(message)
            outcomes.append(Stored(school, conversation, message, contact))
    session.commit()
    return outcomes


def _already_stored(session: Session, inbounds: Sequence[Inbound]) -> set[tuple[str, str]]:
    wanted = {(inbound.channel.value, inbound.provider_id) for inbound in inbounds}
    rows = session.exec(_STORED_IDS, params={
        "channels": sorted({channel for channel, _ in wanted}),
        "ids": sorted({provider_id for _, provider_id in wanted})}).all()
    return {(channel, provider_id) for channel, provider_id in rows} & wanted


def _schools(session: Session, inbounds: list[Inbound]) -> dict[tuple[str, str], School]:
    """The school at each (channel, address) the messages went to. (The simulator's address
    is a school slug: only schools that registered one, like the demo school, are reached.)"""
    addresses = sorted({(inbound.channel.value, inbound.to) for inbound in inbounds})
    if not addresses:
        return {}
    rows = session.exec(_SCHOOLS, params={"addresses": addresses}).all()
    return {(channel, address): school for channel, address, school in rows}


def _threads(session: Session, inbounds: list[Inbound],
             schools: dict[tuple[str, str], School], now: datetime) -> dict[ThreadKey, Thread]:
    """Each sender's thread at the school their message went to, begun if new, with the
    sender's contact if known; a thread that had no contact learns it."""
    senders = {(school.id, inbound.channel.value, inbound.sender): (school, inbound)
               for inbound in inbounds
               if (school := schools.get((inbound.channel.value, inbound.to))) is not None
               and school.id is not None}
    if not senders:
        return {}
    rows = session.exec(_THREADS, params={"threads": sorted(senders)}).all()
    found = {(c.school_id, c.channel, c.address): (c, contact) for c, contact in rows}
    unknown = [key for key in senders if key not in found or found[key][0].contact_id is None]
    contacts = _contacts(session, unknown)
    threads: dict[ThreadKey, Thread] = {}
    for key, (school, _) in senders.items():
        conversation, contact = found.get(key, (None, None))
        if conversation is None or conversation.contact_id is None:
            contact = contacts.get(key)
        if conversation is None:
            conversation = Conversation(
                school_id=key[0], channel=key[1], address=key[2],
                contact_id=contact.id if contact else None, last_incoming_at=now,
                created_at=now, updated_at=now)
        else:
            if conversation.contact_id is None:
                conversation.contact_id = contact.id if contact else None
            conversation.last_incoming_at = now
        session.add(conversation)
        threads[key] = (school, conversation, contact)
    return threads


def _contacts(session: Session, keys: list[ThreadKey]) -> dict[ThreadKey, Contact]:
    """The school's contact with each sender's number or Telegram account, by the rule of
    core.conversations.find_contact (the earliest such contact), in one query."""
    if not keys:
        return {}
    numbers = sorted({address for _, channel, address in keys if channel != "telegram"})
    chats = sorted({int(address) for _, channel, address in keys
                    if channel == "telegram" and address.lstrip("-").isdigit()})
    rows = session.exec(_CONTACTS, params={
        "schools": sorted({school for school, _, _ in keys}), "numbers": numbers or [""],
        "chats": chats or [0]}).all()
    found: dict[ThreadKey, Contact] = {}
    for contact in rows:  # earliest first: the first match for a sender is theirs
        for key in _senders_of(contact):
            found.setdefault(key, contact)
    return {key: found[key] for key in keys if key in found}


def _senders_of(contact: Contact) -> list[ThreadKey]:
    """The (school, channel, address) senders that are this contact."""
    school = contact.school_id
    keys: list[ThreadKey] = []
    if contact.telegram_chat_id is not None:
        keys.append((school, ChannelKind.telegram.value, str(contact.telegram_chat_id)))
    if contact.mobile:
        keys += [(school, channel.value, contact.mobile) for channel in ChannelKind
                 if channel is not ChannelKind.telegram]
    if contact.whatsapp:
        keys.append((school, ChannelKind.whatsapp.value, contact.whatsapp))
    return keys


def _message(conversation: Conversation, inbound: Inbound, now: datetime) -> Message:
    return Message(
        school_id=conversation.school_id, conversation_id=conversation.id,
        direction=Direction.incoming, author="parent",
        channel=inbound.channel.value, provider_id=inbound.provider_id,
        body=inbound.text[:MAX_BODY], media=json.dumps(list(inbound.media)), raw=inbound.raw,
        status=MessageStatus.received, created_at=now, updated_at=now)

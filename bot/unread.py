"""Messages a stopped process stored but never read.

Storing and reading a message are two commits (bot.inbox). A process that stops between them
(killed, or its database gone for a moment) leaves messages stored and unanswered, and a
provider's retry of one is recognised as stored and not read either. Every process's tick
looks for incoming messages still unread LEFT_UNREAD after they arrived:

- those that arrived in the last TOO_OLD are read now, each batch as at the moment it
  arrived, so "off sick today" means the day the parent wrote it;
- older ones are not answered by the bot (a parent told days later that their message was
  read as today's would be misled): staff see them, and the thread needs them; so are those
  the parent has written after, and had answered (answering the older one now could undo a
  correction they made since).

A message some other process is still reading is found read once its thread is free, so
nobody is answered twice (bot.inbox.read_stored checks under the threads' locks).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from itertools import groupby

from sqlalchemy import bindparam, exists, literal, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.inbox import kept_after_commit, read_stored
from core.clock import Clock, FixedClock
from core.conversation_models import Conversation, ConversationStatus, Message, MessageStatus
from core.conversations import Inbound, Stored, set_status
from core.models import ChannelKind, School

logger = logging.getLogger(__name__)
LEFT_UNREAD = timedelta(minutes=2)  # stored this long ago and still unread: its reader stopped
TOO_OLD = timedelta(minutes=30)  # unread this long: for staff, not answered by the bot
MOST = 200  # looked at in one tick; the next takes the rest
NOT_READ = "not read when it arrived (the process reading it stopped); too late to answer"
OVERTAKEN = ("not read when it arrived (the process reading it stopped); the parent has "
             "written since")

# The status is written into the SQL, not bound, so both databases use the partial index on
# unread messages (ix_message_unread).
_LEFT_UNREAD = select(Message, Conversation, School).join(
    Conversation, col(Conversation.id) == Message.conversation_id).join(
    School, col(School.id) == Message.school_id).where(
    col(Message.status) == literal(MessageStatus.received.value, literal_execute=True),
    Message.direction == "incoming", col(Message.created_at) < bindparam("before")).order_by(
    col(Message.created_at), col(Message.id)).limit(MOST)


def read_left_behind(session: Session, clock: Clock) -> int:
    """Read, or leave for staff, what stopped processes left unread; how many were picked up
    either way."""
    now = clock()
    rows = session.exec(_LEFT_UNREAD, params={"before": now - LEFT_UNREAD}).all()
    overtaken = _overtaken(session, [m.id for m, _, _ in rows])
    late = [(m, c, NOT_READ) for m, c, _ in rows if m.created_at < now - TOO_OLD] + [
        (m, c, OVERTAKEN) for m, c, _ in rows
        if m.id in overtaken and m.created_at >= now - TOO_OLD]
    recent = [row for row in rows
              if row[0].created_at >= now - TOO_OLD and row[0].id not in overtaken]
    read = 0
    with kept_after_commit(session):
        left = sum(_leave_for_staff(session, message, conversation, now, why)
                   for message, conversation, why in late)
        for arrived, batch in groupby(recent, key=lambda row: row[0].created_at):
            stored = [(Stored(school, conversation, message), _as_received(message, conversation))
                      for message, conversation, school in batch]
            read += read_stored(session, stored, FixedClock(arrived))
    if rows:
        logger.warning("%d message(s) left unread by a process that stopped: %d read, %d left "
                       "for staff (too old, or the parent has written since)", read + left,
                       read, left)
    return read + left


def _overtaken(session: Session, ids: list[int | None]) -> set[int]:
    """Of these unread messages, those whose thread has a later message that was read: the
    conversation has moved on (the parent may have corrected what this one says), so reading
    this one now would answer out of turn."""
    if not ids:
        return set()
    later = aliased(Message)
    return set(session.exec(select(Message.id).where(
        col(Message.id).in_([i for i in ids if i is not None]),
        exists().where(later.conversation_id == Message.conversation_id,
                       later.direction == "incoming", later.id > Message.id,
                       later.status != MessageStatus.received.value))).all())


def _leave_for_staff(session: Session, message: Message, conversation: Conversation,
                     now: datetime, why: str) -> int:
    """Mark the message for staff if it is still unread (1), else leave it be (0): another
    process's tick may have got there first."""
    marked = session.execute(update(Message).where(
        col(Message.id) == message.id, Message.status == MessageStatus.received.value).values(
        status=MessageStatus.for_staff.value, error=why, updated_at=now)).rowcount
    if marked:
        set_status(conversation, ConversationStatus.needs_attention, now)
        session.add(conversation)
    session.commit()
    return int(bool(marked))


def _as_received(message: Message, conversation: Conversation) -> Inbound:
    """The message as its channel handed it over, rebuilt from what was stored."""
    if message.channel == ChannelKind.telegram.value and message.raw:
        # Imported here: the channel handlers import the conversation service.
        from bot.handlers.telegram import inbound_from_raw

        found = inbound_from_raw(message.raw)
        if found is not None:  # with the number a parent shared, which links their account
            return found
    return Inbound(channel=ChannelKind(message.channel), sender=conversation.address, to="",
                   text=message.body, provider_id=message.provider_id or "",
                   media=tuple(json.loads(message.media or "[]")), raw=message.raw)

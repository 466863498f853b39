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
from datetime import timedelta
from itertools import groupby

from sqlalchemy import bindparam, exists, literal
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.inbox import kept_after_commit, leave_for_staff, read_stored
from core.clock import Clock, FixedClock
from core.conversation_models import Conversation, Message, MessageStatus
from core.conversations import Inbound, Stored
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
    recent, left, read = [], 0, 0
    with kept_after_commit(session):
        for message, conversation, school in rows:
            why = NOT_READ if message.created_at < now - TOO_OLD else \
                OVERTAKEN if message.id in overtaken else None
            if why is None:
                recent.append((message, conversation, school))
            else:
                left += leave_for_staff(session, conversation, message.id or 0, now, why)
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

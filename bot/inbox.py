"""The conversation service every channel hands its messages to.

`receive` stores the message first (its own commit), then reads it: keywords (STOP, START,
HELP, CANCEL), an unknown sender, a thread staff have taken over, or the report flow. Replies
are queued as outgoing messages in the same transaction as the state they follow from. If
reading fails, the message is already stored: it is marked for staff and the thread needs
attention, so nothing a parent sends is lost. `receive_many` does the same for messages that
arrived together, a transaction for the lot rather than two for each (bot.delivery batches
what a web process has in hand).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, update
from sqlmodel import Session, col, func, select

from bot.reading import FLOOD_LIMIT, Batch, read_message
from core.clock import Clock
from core.conversation_models import (
    Conversation,
    ConversationStatus,
    Message,
    MessageStatus,
)
from core.conversations import (
    Inbound,
    Stored,
    UnknownAddress,
    set_status,
    storable,
)
from core.inbound_batches import store_many
from core.sender_lookups import SenderLookups

logger = logging.getLogger(__name__)
_THREAD_LOCKS = tuple(threading.Lock() for _ in range(64))  # by conversation id, bounded

FLOOD_WINDOW = timedelta(minutes=1)
READ_FAILED = "the bot could not read this message"

# Built once with bound parameters, as every message runs them (see core.conversations).
_LOCKED = select(Conversation, select(func.count()).select_from(Message).where(
    Message.conversation_id == Conversation.id, Message.direction == "incoming",
    col(Message.created_at) > bindparam("since"), col(Message.created_at) <= bindparam("until")
).correlate(Conversation).scalar_subquery()).where(
    col(Conversation.id).in_(bindparam("ids", expanding=True))).order_by(
    col(Conversation.id)).with_for_update(of=Conversation, key_share=True).execution_options(
    populate_existing=True)
_UNREAD = select(Message.id).where(col(Message.id).in_(bindparam("ids", expanding=True)),
                                   Message.status == MessageStatus.received.value)


@dataclass(frozen=True)
class Received:
    message_id: int
    conversation_id: int
    duplicate: bool = False


def receive(session: Session, inbound: Inbound, clock: Clock) -> Received | None:
    """Store, then read and answer, one message; None for a provider's retry of one we have.
    UnknownAddress if no school here has the address it was sent to."""
    outcome = receive_many(session, [inbound], clock)[0]
    if isinstance(outcome, UnknownAddress):
        raise outcome
    return outcome


def receive_many(session: Session, inbounds: Sequence[Inbound], clock: Clock
                 ) -> list[Received | UnknownAddress | None]:
    """Store, then read and answer, messages that arrived together: stored in one
    transaction, read in another (each thread held, so a parent's next message waits for
    this one). For each message in order: where it went, None for a provider's retry, or
    UnknownAddress. If reading them together fails, each is read on its own; one that still
    fails is left for staff, stored. (One message is a batch of one.)"""
    inbounds = [storable(inbound) for inbound in inbounds]
    with kept_after_commit(session):
        outcomes = store_many(session, inbounds, clock)
        stored = [(outcome, inbound) for outcome, inbound in zip(outcomes, inbounds, strict=True)
                  if isinstance(outcome, Stored)]
        received = [_received(outcome) if isinstance(outcome, Stored) else outcome
                    for outcome in outcomes]
        if stored:
            read_stored(session, stored, clock)
    return received


def _received(stored: Stored) -> Received:
    assert stored.message.id is not None and stored.conversation.id is not None
    return Received(stored.message.id, stored.conversation.id)


def read_stored(session: Session, stored: list[tuple[Stored, Inbound]], clock: Clock) -> int:
    """Read and answer the stored messages in one transaction; how many were read (one that
    another process read meanwhile is not read again)."""
    arrived = [item.message.created_at for item, _ in stored]
    try:
        with _held(session, [item.conversation for item, _ in stored], min(arrived),
                   max(arrived)) as held:
            unread = set(session.exec(_UNREAD, params={
                "ids": [item.message.id for item, _ in stored]}).all())
            threads = [conversation for conversation, _ in held.values()]
            batch = Batch(SenderLookups(session, [c.contact_id for c in threads]))
            batch.remember_reports(session, threads)
            for item, inbound in stored:
                if item.message.id not in unread:
                    continue
                conversation, recent = held[item.conversation.id or 0]
                read_message(session, item.school, conversation, item.message, inbound,
                             clock(), batch, flooding=recent > FLOOD_LIMIT)
            batch.settle(session, clock())
            session.commit()
        return len(unread)
    except Exception:
        session.rollback()
        if len(stored) == 1:
            # Not swallowed: logged with its traceback, and the message goes to staff.
            item = stored[0][0]
            logger.exception("message %s could not be handled; left for staff", item.message.id)
            leave_for_staff(session, item.conversation, item.message.id or 0, clock())
            return 1
        logger.exception("%d messages could not be read together; reading each alone",
                         len(stored))
    return sum(read_stored(session, [item], clock) for item in stored)


@contextmanager
def _held(session: Session, conversations: list[Conversation], first: datetime,
          last: datetime) -> Iterator[dict[int, tuple[Conversation, int]]]:
    """The threads, read afresh and held until the commit, so two messages from one parent at
    the same instant ("2", then "thursday" a second later) are read one after the other, the
    second seeing the flow state the first left. On PostgreSQL the rows are locked across
    every process (SELECT ... FOR NO KEY UPDATE, in id order, so two readers never wait on
    each other in a cycle, and the chase adding messages to a thread is not held up); SQLite,
    the single-process default, takes a lock per thread within the process (its own writes
    already go one at a time).

    With each thread comes how many messages its sender wrote in the minute up to these
    (`first` to `last`: when they arrived), counting them: the flood check. (On PostgreSQL
    the count sees what was committed when the query began; one that a message waiting for
    the lock misses is counted by the next.)"""
    ids = sorted({conversation.id or 0 for conversation in conversations})
    with ExitStack() as stack:
        if session.get_bind().dialect.name == "sqlite":
            for stripe in sorted({n % len(_THREAD_LOCKS) for n in ids}):
                stack.enter_context(_THREAD_LOCKS[stripe])
        rows = session.exec(_LOCKED, params={"ids": ids, "since": first - FLOOD_WINDOW,
                                             "until": last}).all()
        yield {row[0].id or 0: (row[0], row[1]) for row in rows}


@contextmanager
def kept_after_commit(session: Session) -> Iterator[None]:
    """Rows keep their values across this session's commits: reading the thread, message and
    school back after each (the default) cost five queries a message. Rollbacks still expire."""
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = before


def leave_for_staff(session: Session, conversation: Conversation, message_id: int,
                    now: datetime, why: str = READ_FAILED) -> bool:
    """The message is not answered by the bot: staff see it, and the thread needs them. Only
    a message still unread is marked (False otherwise: another process read it, or its tick
    got there first)."""
    marked = session.execute(update(Message).where(
        col(Message.id) == message_id, Message.status == MessageStatus.received.value).values(
        status=MessageStatus.for_staff.value, error=why, updated_at=now)).rowcount
    if marked:
        set_status(conversation, ConversationStatus.needs_attention, now)
        session.add(conversation)
    session.commit()
    return bool(marked)

"""Outbox leases: many sending processes share one outbox without sending a row twice.

A sender claims a batch of due rows by writing its name and a lease end on them, in one
statement: on PostgreSQL the rows are picked `FOR UPDATE SKIP LOCKED`, so two processes
claiming at the same instant take different rows instead of waiting for each other; on SQLite
the statement holds the database's single write lock, which serialises claims by itself. (A
claim that takes only a few of each school's rows first reads which, then claims those the
same way, rechecking each.)

A row leased to someone is not claimable until the lease ends. Only the lease's owner may
write a send's outcome, and writing it clears the lease. A lease is the owner's until someone
else claims the row: one that lapsed but nobody took is still its owner's to finish (refusing
it would only make the next claimer send the message again). A process that dies leaves its
leases to lapse, and the rows go out from another process afterwards.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, and_, case, func, not_, or_, select, text, tuple_, update
from sqlmodel import Session

from core.attendance_models import StaffTask
from core.conversation_models import Conversation, ConversationStatus, Message, MessageStatus
from core.models import Contact

MESSAGE: Table = Message.__table__  # type: ignore[attr-defined]
MAX_ATTEMPTS = 5
BACKOFF_FIRST = timedelta(seconds=10)
BACKOFF_MOST = timedelta(minutes=15)
# Written as literals, exactly as the partial index ix_message_outbox says them: a database
# only uses a partial index when it can see the query asks for what the index holds, and a
# bound parameter would hide that.
_OUTBOX = text("message.status = 'queued' AND message.direction = 'outgoing'")


def claim(connection: Connection, *, owner: str, channels: Sequence[str], now: datetime,
          lease_until: datetime, limit: int, per_school: int | None = None,
          skip: dict[str, Collection[int]] | None = None) -> list[int]:
    """Lease up to `limit` due outgoing rows on `channels` to `owner`, oldest first; their ids.

    `per_school` takes at most that many of each school's rows per channel, so that one
    school's morning (queued all together, and sent at its own number's rate) is shared out
    among processes instead of filling one claim. `skip` names schools, by channel, whose
    rows this owner cannot send soon (it is at their number's rate already). Commit straight
    after, so other processes see the leases and PostgreSQL lets go of the row locks.
    """
    if limit <= 0 or not channels:
        return []
    c = MESSAGE.c
    claimable = [_OUTBOX, c.channel.in_(list(channels)),
                 c.next_attempt_at.is_(None) | (c.next_attempt_at <= now),
                 c.lease_until.is_(None) | (c.lease_until < now)]
    busy = [and_(c.channel == channel, c.school_id.in_(list(schools)))
            for channel, schools in (skip or {}).items() if schools]
    if busy:
        claimable.append(not_(or_(*busy)))
    due = select(c.id).where(*claimable)
    if per_school is not None:
        # Chosen first, in a statement of its own: folded into the claim, a planner working
        # from stale statistics (a morning's rows are minutes old) may rank the whole outbox
        # again for every row it looks at.
        ranked = select(c.id, func.row_number().over(
            partition_by=(c.school_id, c.channel), order_by=c.id).label("n")).where(
            *claimable).subquery()
        fair = list(connection.execute(select(ranked.c.id).where(
            ranked.c.n <= per_school).order_by(ranked.c.id).limit(limit)).scalars())
        if not fair:
            return []
        due = due.where(c.id.in_(fair))
    # The conditions are checked again where the rows are locked: a row another process
    # leased since this statement began is seen afresh there, and passed over.
    due = due.order_by(c.id).limit(limit)
    if connection.dialect.name == "postgresql":
        # Rows another process is claiming right now are skipped, not waited for.
        due = due.with_for_update(skip_locked=True)
    claimed = connection.execute(
        update(MESSAGE).where(c.id.in_(due.scalar_subquery()))
        .values(lease_owner=owner, lease_until=lease_until).returning(c.id))
    return sorted(row[0] for row in claimed)


def record(connection: Connection, *, message_id: int, owner: str, now: datetime,
           **outcome: Any) -> bool:
    """Write one attempt's outcome (`status`, `provider_id`, `error`, `next_attempt_at`...)
    and end the lease, if `owner` still holds it; False when another process has the row now
    (the caller must then write nothing else about this attempt)."""
    c = MESSAGE.c
    result = connection.execute(
        update(MESSAGE).where(c.id == message_id, c.lease_owner == owner)
        .values(attempts=c.attempts + 1, updated_at=now, lease_owner=None, lease_until=None,
                **outcome))
    return result.rowcount == 1


def record_sent(connection: Connection, sent: Sequence[tuple[int, str, str, str]], *,
                now: datetime) -> set[int]:
    """Record sends the provider took, given as (message id, lease owner, provider id, status):
    one statement a status for the lot, each row written only if its owner still holds it and
    its lease ended; the ids written."""
    c = MESSAGE.c
    written: set[int] = set()
    statuses = {status for *_, status in sent}
    for status in statuses:
        rows = [(message_id, owner, sid) for message_id, owner, sid, s in sent if s == status]
        result = connection.execute(
            update(MESSAGE).where(tuple_(c.id, c.lease_owner).in_(
                [(message_id, owner) for message_id, owner, _ in rows]))
            .values(attempts=c.attempts + 1, updated_at=now, lease_owner=None, lease_until=None,
                    status=status, error=None, next_attempt_at=None,
                    provider_id=case({message_id: sid for message_id, _, sid in rows},
                                     value=c.id))
            .returning(c.id))
        written.update(result.scalars())
    return written


def release(connection: Connection, *, message_ids: Iterable[int], owner: str) -> int:
    """Give rows back unsent (stopping, or too little lease left to send safely); how many.

    No attempt is counted: the provider was never asked.
    """
    ids = list(message_ids)
    if not ids:
        return 0
    c = MESSAGE.c
    result = connection.execute(
        update(MESSAGE).where(c.id.in_(ids), c.lease_owner == owner)
        .values(lease_owner=None, lease_until=None))
    return result.rowcount


def record_refusal(session: Session, *, message: Message, owner: str, now: datetime,
                   error: str, retry: bool, retry_after: float | None = None) -> str | None:
    """Record a provider's refusal under the lease: "retried" (queued again after a backoff,
    or the wait the provider asked for), "failed" (it never will go: staff are told), or None
    when another process has the row now. The caller commits."""
    assert message.id is not None
    attempts = message.attempts + 1
    if retry and attempts < MAX_ATTEMPTS:
        wait = timedelta(seconds=retry_after) if retry_after else min(
            BACKOFF_FIRST * 2 ** (attempts - 1), BACKOFF_MOST)
        held = record(session.connection(), message_id=message.id, owner=owner, now=now,
                      error=error, next_attempt_at=now + wait)
        return "retried" if held else None
    if not record(session.connection(), message_id=message.id, owner=owner, now=now,
                  error=error, status=MessageStatus.failed.value):
        return None
    _tell_staff(session, message, error, now)
    return "failed"


def _tell_staff(session: Session, message: Message, error: str, now: datetime) -> None:
    """A message that will never go: the thread needs staff, and the office should phone."""
    conversation = session.get(Conversation, message.conversation_id)
    assert conversation is not None
    conversation.status = ConversationStatus.needs_attention.value
    session.add(conversation)
    if message.author == "staff":  # staff see their own failures in the thread
        return
    contact = session.get(Contact, conversation.contact_id) if conversation.contact_id else None
    who = f"{contact.name} ({conversation.address})" if contact else conversation.address
    session.add(StaffTask(
        school_id=message.school_id, conversation_id=conversation.id, kind="undelivered",
        role="office",
        title="A message to a parent could not be delivered: please phone",
        reason=f"{message.channel} message to {who} failed: {error}",
        details=message.body, due_at=now, created_at=now))

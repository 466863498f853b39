"""The outbox's database side: reading the rows a process claimed, and writing what became of
each send, only under the row's lease (core.outbox_claims). Everything here runs in the
outbox's database threads, never on the event loop.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.senders import Outgoing, SendError, Sent
from core.conversation_models import Conversation, Message, MessageStatus
from core.models import SchoolChannel
from core.outbox_claims import record_refusal, record_sent, release

logger = logging.getLogger(__name__)
WHATSAPP_SESSION = timedelta(hours=24)  # free-form replies only inside this window


@dataclass(frozen=True)
class Claimed:
    """A leased row with everything needed to send it and to write what happened."""

    owner: str
    lease_until: datetime
    message: Message
    outgoing: Outgoing


def load(engine: Engine, ids: list[int], *, owner: str, lease_until: datetime,
         now: datetime) -> list[Claimed]:
    """The claimed rows, ready to send; any cancelled since they were claimed go back."""
    with Session(engine, expire_on_commit=False) as session:
        rows = session.exec(select(Message, Conversation).join(
            Conversation, col(Conversation.id) == Message.conversation_id).where(
            col(Message.id).in_(ids)).order_by(col(Message.id))).all()
        numbers = _school_addresses(session, {c.school_id for _, c in rows})
        gone = [m.id or 0 for m, _ in rows if m.status != MessageStatus.queued.value]
        if gone:  # cancelled between the claim and now (the chase it belonged to closed)
            release(session.connection(), message_ids=gone, owner=owner)
            session.commit()
    return [Claimed(owner, lease_until, m, _outgoing(m, c, numbers, now))
            for m, c in rows if m.status == MessageStatus.queued.value]


def write_sent(engine: Engine, sent: list[tuple[Claimed, Sent]], now: datetime) -> list[str]:
    """Record sends the provider took, many in one transaction; for each, "sent", or "lost"
    when another process has the row now."""
    with engine.begin() as connection:
        written = record_sent(connection, [
            (row.message.id or 0, row.owner, result.provider_id,
             result.status if result.status in {"sent", "delivered"} else "sent")
            for row, result in sent], now=now)
    return ["sent" if row.message.id in written else _lost(row) for row, _ in sent]


def write_refusal(engine: Engine, row: Claimed, error: SendError, now: datetime) -> str:
    """Record a provider's refusal: "retried", "failed" (staff are told) or "lost"."""
    message = row.message
    logger.warning("message %s not sent (attempt %s): %s", message.id, message.attempts + 1,
                   error)
    with Session(engine) as session:
        outcome = record_refusal(session, message=message, owner=row.owner, now=now,
                                 error=str(error)[:500], retry=error.retry,
                                 retry_after=error.retry_after)
        session.commit()
    return outcome or _lost(row)


def give_back(engine: Engine, owner: str, ids: list[int]) -> None:
    with engine.begin() as connection:
        release(connection, message_ids=ids, owner=owner)


def _lost(row: Claimed) -> str:
    logger.warning("message %s: another process took it over while it was being sent; its "
                   "outcome is not recorded here", row.message.id)
    return "lost"


def _outgoing(message: Message, conversation: Conversation,
              numbers: dict[tuple[int, str], str], now: datetime) -> Outgoing:
    assert message.id is not None
    keyboard = next((m.get("keyboard") for m in json.loads(message.media or "[]")
                     if isinstance(m, dict)), None)
    last = conversation.last_incoming_at
    return Outgoing(message.id, message.channel, conversation.address, message.body,
                    keyboard=keyboard,
                    in_session=last is not None and now - last < WHATSAPP_SESSION,
                    from_address=numbers.get((conversation.school_id, conversation.channel)))


def _school_addresses(session: Session, schools: set[int]) -> dict[tuple[int, str], str]:
    """The number or bot each school registered per channel (its own sender), first kept."""
    found: dict[tuple[int, str], str] = {}
    for school_id, channel, address in session.exec(select(
            SchoolChannel.school_id, SchoolChannel.channel, SchoolChannel.address).where(
            col(SchoolChannel.school_id).in_(schools)).order_by(col(SchoolChannel.id))):
        found.setdefault((school_id, channel), address)
    return found

"""Delivery reports on our outgoing messages: a provider says a message was sent, delivered or
failed, in whatever order its callbacks arrive."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.conversation_models import (
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageStatus,
)
from core.conversations import set_status

# A message's delivery moves one way; callbacks can arrive out of order, so a status only ever
# replaces one of a lower rank.
DELIVERY_RANK = {MessageStatus.queued: 0, MessageStatus.sent: 1, MessageStatus.delivered: 2,
                 MessageStatus.undelivered: 3, MessageStatus.failed: 3}


class Delivery(StrEnum):
    """What a provider's delivery report did."""

    moved = "moved"  # the message's status moved forward
    kept = "kept"  # it was there already, or further on
    unknown = "unknown"  # no message of ours has this provider id
    # No message has this id yet, but one to the same address is being sent right now: the
    # report overtook the provider's answer to our send. Ask again once the send is recorded.
    early = "early"


def record_delivery(session: Session, channels: list[str], provider_id: str,
                    status: MessageStatus, error: str | None, now: datetime,
                    to: str | None = None) -> Delivery:
    """Move our outgoing message with this provider id forward to `status` (`to`: the address
    it went to, to tell a report that came early). A failure also puts the thread in front of
    staff (and lets the chase move on to the next contact): the parent did not get our
    message."""
    rank = DELIVERY_RANK[status]
    message = session.exec(select(Message).where(
        col(Message.channel).in_(channels), Message.provider_id == provider_id,
        Message.direction == Direction.outgoing)).first()
    if message is None:
        early = rank > 0 and to is not None and _sending_to(session, channels, to)
        return Delivery.early if early else Delivery.unknown
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
    return Delivery.moved if changed.rowcount else Delivery.kept  # type: ignore[attr-defined]


def _sending_to(session: Session, channels: list[str], address: str) -> bool:
    """Whether an outbox holds a message to `address` it has not recorded as sent yet."""
    return session.exec(select(Message.id).join(
        Conversation, col(Conversation.id) == Message.conversation_id).where(
        col(Message.channel).in_(channels), Message.direction == Direction.outgoing,
        Message.status == MessageStatus.queued, col(Message.provider_id).is_(None),
        col(Message.lease_owner).is_not(None), Conversation.address == address).limit(1)
    ).first() is not None

"""The outbox: queued outgoing messages are sent by their channel's sender.

Each queued row is sent at most once per attempt and marked with the provider's id and status.
A provider error that may pass (a 5xx, a 429, a time-out) leaves the row queued for the next
pass, up to MAX_ATTEMPTS; one that will not (a bad number) marks it failed at once, and the
thread then needs staff.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from bot.senders import Outgoing, Sender, SendError
from core.clock import Clock
from core.conversation_models import (
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageStatus,
)

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
WHATSAPP_SESSION = timedelta(hours=24)  # free-form replies only inside this window


async def send_queued(engine: Engine, senders: dict[str, Sender], clock: Clock,
                      limit: int = 200) -> int:
    """Send what is queued, oldest first; the number of messages sent."""
    with Session(engine) as session:
        queued = session.exec(select(Message, Conversation).join(
            Conversation, col(Conversation.id) == Message.conversation_id).where(
            Message.direction == Direction.outgoing, Message.status == MessageStatus.queued,
            col(Message.channel).in_(list(senders))).order_by(col(Message.id)).limit(
            limit)).all()
        sent = 0
        for message, conversation in queued:
            sent += await _send_one(session, senders[message.channel], message, conversation,
                                    clock)
            session.commit()
        return sent


async def _send_one(session: Session, sender: Sender, message: Message,
                    conversation: Conversation, clock: Clock) -> int:
    assert message.id is not None
    now = clock()
    keyboard = next((m.get("keyboard") for m in json.loads(message.media or "[]")
                     if isinstance(m, dict)), None)
    last = conversation.last_incoming_at
    outgoing = Outgoing(message.id, message.channel, conversation.address, message.body,
                        keyboard=keyboard,
                        in_session=last is not None and now - last < WHATSAPP_SESSION)
    message.attempts += 1
    message.updated_at = now
    try:
        result = await sender.send(outgoing)
    except SendError as error:
        message.error = str(error)[:500]
        if not error.retry or message.attempts >= MAX_ATTEMPTS:
            message.status = MessageStatus.failed.value
            conversation.status = ConversationStatus.needs_attention.value
            session.add(conversation)
        logger.warning("message %s not sent (attempt %s): %s", message.id, message.attempts,
                       error)
        session.add(message)
        return 0
    message.provider_id = result.provider_id
    message.status = result.status if result.status in {"sent", "delivered"} else "sent"
    message.error = None
    session.add(message)
    return 1

"""The outbox: queued outgoing messages are sent by their channel's sender.

Each queued row is tried when its next-attempt time has come, and marked with the provider's
id and status. A provider error that may pass (a 5xx, a 429, a time-out) leaves the row queued
with an exponential backoff (or the wait the provider asked for), up to MAX_ATTEMPTS; one that
will not pass (a bad number, a blocked bot) fails it at once. A message that never got through
becomes a staff task, so a parent is telephoned instead, and the thread needs attention.

Rates: a limiter per channel keeps to the provider's pace (Telegram about 30 messages a
second overall and one a second per chat; Twilio a configured rate per sending number). The
limits hold within one process; several processes share them only through the backoff.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, col, or_, select

from bot.metrics import SENDS
from bot.senders import Outgoing, Sender, SendError
from core.attendance_models import StaffTask
from core.clock import Clock
from core.conversation_models import (
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageStatus,
)
from core.models import Contact, SchoolChannel

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
BACKOFF_FIRST = timedelta(seconds=10)
BACKOFF_MOST = timedelta(minutes=15)
WHATSAPP_SESSION = timedelta(hours=24)  # free-form replies only inside this window
# (overall messages a second, messages a second to one recipient) per channel. Telegram's
# limits are its own; Twilio's is per sending number (a UK long code takes about 10 a second
# through a Messaging Service), and it queues anything faster rather than refusing it.
RATES = {"telegram": (30.0, 1.0), "sms": (10.0, 10.0), "whatsapp": (10.0, 10.0),
         "simulator": (1000.0, 1000.0)}


class RateLimiter:
    """Spaces sends so neither the channel's overall rate nor one recipient's is exceeded."""

    def __init__(self, overall: float, per_recipient: float) -> None:
        self.gap, self.recipient_gap = 1.0 / overall, 1.0 / per_recipient
        self.next_any = 0.0
        self.next_for: dict[str, float] = defaultdict(float)

    async def wait(self, recipient: str) -> None:
        now = time.monotonic()
        start = max(now, self.next_any, self.next_for[recipient])
        self.next_any, self.next_for[recipient] = start + self.gap, start + self.recipient_gap
        if start > now:
            await asyncio.sleep(start - now)


_limiters: dict[str, RateLimiter] = {}


def limiter(channel: str) -> RateLimiter:
    if channel not in _limiters:
        _limiters[channel] = RateLimiter(*RATES.get(channel, (10.0, 1.0)))
    return _limiters[channel]


async def send_queued(engine: Engine, senders: dict[str, Sender], clock: Clock,
                      limit: int = 200) -> int:
    """Send what is queued and due, oldest first; the number of messages sent."""
    now = clock()
    with Session(engine) as session:
        queued = session.exec(select(Message, Conversation).join(
            Conversation, col(Conversation.id) == Message.conversation_id).where(
            Message.direction == Direction.outgoing, Message.status == MessageStatus.queued,
            col(Message.channel).in_(list(senders)),
            or_(col(Message.next_attempt_at).is_(None), col(Message.next_attempt_at) <= now),
        ).order_by(col(Message.id)).limit(limit)).all()
        sent = 0
        for message, conversation in queued:
            await limiter(message.channel).wait(conversation.address)
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
                        in_session=last is not None and now - last < WHATSAPP_SESSION,
                        from_address=_school_address(session, conversation))
    message.attempts += 1
    message.updated_at = now
    started = time.perf_counter()
    try:
        result = await sender.send(outgoing)
    except SendError as error:
        SENDS.labels(message.channel, "retry" if error.retry else "failed").observe(
            time.perf_counter() - started)
        _failed_attempt(session, message, conversation, error, now)
        return 0
    SENDS.labels(message.channel, "sent").observe(time.perf_counter() - started)
    message.provider_id = result.provider_id
    message.status = result.status if result.status in {"sent", "delivered"} else "sent"
    message.error = None
    message.next_attempt_at = None
    session.add(message)
    return 1


def _failed_attempt(session: Session, message: Message, conversation: Conversation,
                    error: SendError, now: datetime) -> None:
    message.error = str(error)[:500]
    logger.warning("message %s not sent (attempt %s): %s", message.id, message.attempts, error)
    if error.retry and message.attempts < MAX_ATTEMPTS:
        wait = timedelta(seconds=error.retry_after) if error.retry_after else min(
            BACKOFF_FIRST * 2 ** (message.attempts - 1), BACKOFF_MOST)
        message.next_attempt_at = now + wait
        session.add(message)
        return
    message.status = MessageStatus.failed.value
    conversation.status = ConversationStatus.needs_attention.value
    session.add_all([message, conversation])
    if message.author != "staff":  # staff see their own failures in the thread
        session.add(_undelivered_task(session, message, conversation, now))


def _undelivered_task(session: Session, message: Message, conversation: Conversation,
                      now: datetime) -> StaffTask:
    contact = session.get(Contact, conversation.contact_id) if conversation.contact_id else None
    who = f"{contact.name} ({conversation.address})" if contact else conversation.address
    return StaffTask(
        school_id=message.school_id, conversation_id=conversation.id, kind="undelivered",
        role="office",
        title="A message to a parent could not be delivered: please phone",
        reason=f"{message.channel} message to {who} failed: {message.error}",
        details=message.body, due_at=now, created_at=now)


def _school_address(session: Session, conversation: Conversation) -> str | None:
    """The number or bot the school registered for this channel (its own sender)."""
    return session.exec(select(SchoolChannel.address).where(
        SchoolChannel.school_id == conversation.school_id,
        SchoolChannel.channel == conversation.channel)).first()

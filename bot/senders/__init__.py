"""Sending a text to a parent: one small protocol, one implementation per channel.

The Twilio and Telegram senders use the providers' own clients (`twilio`, python-telegram-bot's
`Bot`); the simulator's sender only marks the message delivered, because the simulator page
reads the thread from the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    message_id: int
    channel: str  # sms | whatsapp | telegram | simulator
    to: str  # E.164 number or Telegram chat id
    text: str
    keyboard: str | None = None  # "share_phone": Telegram's contact button
    in_session: bool = True  # WhatsApp: the parent wrote within 24 hours
    from_address: str | None = None  # the school's own number for this channel, if it has one


@dataclass(frozen=True)
class Sent:
    provider_id: str
    status: str  # queued | sent | delivered, as the provider reports it


class SendError(Exception):
    """The provider refused or could not be reached; `retry` says whether trying again helps."""

    def __init__(self, message: str, *, retry: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry = retry
        self.retry_after = retry_after  # seconds the provider asked us to wait (429)


class Sender(Protocol):
    async def send(self, message: Outgoing) -> Sent: ...


class SimulatorSender:
    """The simulator phone shows the thread from the database: sending is delivering."""

    async def send(self, message: Outgoing) -> Sent:
        return Sent(provider_id=f"sim-out-{message.message_id}", status="delivered")

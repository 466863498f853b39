"""Sending a text to a parent: one small protocol, one implementation per channel.

The Twilio and Telegram senders use the providers' own clients (`twilio`, python-telegram-bot's
`Bot`); the simulator's sender only marks the message delivered, because the simulator page
reads the thread from the database.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from core.settings import Settings

logger = logging.getLogger(__name__)


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

    async def close(self) -> None:
        """Let go of threads and connections; the sender is not used again."""
        ...


class SimulatorSender:
    """The simulator phone shows the thread from the database: sending is delivering."""

    async def send(self, message: Outgoing) -> Sent:
        return Sent(provider_id=f"sim-out-{message.message_id}", status="delivered")

    async def close(self) -> None:
        """Nothing to let go of."""


def build_senders(settings: Settings, *, threads: int) -> dict[str, Sender]:
    """The senders of the channels that are on, for a process that only sends (a worker).

    The web app builds its own with the channels' routes (bot/channels.py); a channel without
    its credentials stays off here too, and says so.
    """
    senders: dict[str, Sender] = {}
    for channel in settings.channels:
        missing = settings.missing_for(channel)
        if missing:
            logger.warning("channel %s stays off: %s not set", channel, ", ".join(missing))
        elif channel == "simulator":
            senders[channel] = SimulatorSender()
        elif channel in ("sms", "whatsapp"):
            # Provider SDKs are imported only for channels that are on.
            from bot.senders.twilio import TwilioConfig, TwilioSender

            twilio = next((s for s in senders.values() if isinstance(s, TwilioSender)), None)
            senders[channel] = twilio or TwilioSender(TwilioConfig.from_settings(settings),
                                                      threads=threads)
        elif channel == "telegram":
            from bot.senders.telegram import TelegramSender, make_bot

            senders[channel] = TelegramSender(make_bot(settings))
    return senders


async def close_senders(senders: dict[str, Sender]) -> None:
    """Close each sender once (SMS and WhatsApp share Twilio's)."""
    for sender in {id(s): s for s in senders.values()}.values():
        await sender.close()

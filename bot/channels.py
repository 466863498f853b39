"""Switching channels on: each adds its webhook routes and its sender to the app.

A channel without its credentials stays off and says so at start-up; an enabled channel never
accepts an unverified request (fail closed).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from bot.handlers import simulator
from bot.senders import SimulatorSender
from core.settings import Settings

logger = logging.getLogger(__name__)


def add_channel(app: FastAPI, channel: str, settings: Settings) -> None:
    if channel == "simulator":
        app.include_router(simulator.router())
        app.state.senders["simulator"] = SimulatorSender()
        return
    if channel not in ("sms", "whatsapp", "telegram"):
        logger.warning("channel %s is not available in this build; it stays off", channel)
        return
    missing = settings.missing_for(channel)
    if missing:
        logger.warning("channel %s stays off: %s not set", channel, ", ".join(missing))
        return
    if channel == "telegram":
        _add_telegram(app, settings)
    else:
        _add_twilio(app, channel, settings)


def _add_twilio(app: FastAPI, channel: str, settings: Settings) -> None:
    """SMS and WhatsApp share one Twilio webhook and one sender."""
    # Provider SDKs are imported only for channels that are on (PTB alone takes ~0.35 s).
    from bot.handlers import twilio
    from bot.senders.twilio import TwilioConfig, TwilioSender

    sender = getattr(app.state, "twilio_sender", None)
    if sender is None:
        sender = app.state.twilio_sender = TwilioSender(TwilioConfig.from_settings(settings))
        app.include_router(twilio.router(settings))
    app.state.senders[channel] = sender
    if channel == "whatsapp" and not settings.twilio_whatsapp_template_sid:
        logger.warning("whatsapp: ROLLCALL_TWILIO_WHATSAPP_TEMPLATE_SID not set; messages "
                       "outside the 24-hour window will fail and go to staff")


def _add_telegram(app: FastAPI, settings: Settings) -> None:
    from bot.handlers import telegram
    from bot.senders.telegram import TelegramSender, make_bot

    bot = make_bot(settings)
    sender = TelegramSender(bot)
    app.include_router(telegram.router(settings, bot))
    app.state.senders["telegram"] = sender


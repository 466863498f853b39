"""Sending Telegram messages with python-telegram-bot's `Bot` (PTB only sends and parses here).

The Bot is initialised on first use (that asks Telegram `getMe`, which also proves the token)
and shut down with the app; its HTTP connections belong to the event loop that made them.
"""

from __future__ import annotations

import asyncio
import logging

from telegram import Bot, KeyboardButton, ReplyKeyboardMarkup
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import HTTPXRequest

from bot.senders import Outgoing, SendError, Sent
from core.messages import render
from core.settings import Settings

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/telegram"
CONNECTIONS = 16
# The button's label: parents see it under the share-phone prompt.
# TODO(templates): move to templates/messages/<lang>/ so it is translated with the prompt.


def make_bot(settings: Settings) -> Bot:
    """The deployment's bot, talking to Telegram or to the stand-in the settings name."""
    assert settings.telegram_token is not None
    token = settings.telegram_token.get_secret_value()
    base_url = (settings.telegram_api_base or "https://api.telegram.org") + "/bot"
    # Updates come by webhook, never by long polling, so getUpdates needs no connection
    # pool of its own (each pool costs a TLS context, ~50 ms, at start-up). PTB's default is
    # one connection, and the outbox sends concurrently: at Telegram's 30 a second, calls
    # queued behind one connection would time out waiting for it.
    request = HTTPXRequest(connection_pool_size=CONNECTIONS)
    return Bot(token, base_url=base_url, request=request, get_updates_request=request)


def bot_id(settings: Settings) -> str:
    """The bot's id, the part of the token before the colon: the school's Telegram address."""
    assert settings.telegram_token is not None
    return settings.telegram_token.get_secret_value().split(":", 1)[0]


class TelegramSender:
    """Sends texts to Telegram chats, with the contact button when the message asks for it."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._ready = False
        self._lock: asyncio.Lock | None = None

    async def send(self, message: Outgoing) -> Sent:
        try:
            await self._initialise()
            sent = await self.bot.send_message(chat_id=int(message.to), text=message.text,
                                               reply_markup=_keyboard(message.keyboard))
        except TelegramError as error:
            raise _failure(error) from error
        return Sent(provider_id=f"tg-out-{sent.chat_id}-{sent.message_id}", status="sent")

    async def close(self) -> None:
        """Release the bot's connections (when the app stops)."""
        if self._ready:
            await self.bot.shutdown()
        self._ready, self._lock = False, None

    async def _initialise(self) -> None:
        # Once, on first use, not at start-up: the app starts even when Telegram is down.
        if self._ready:
            return
        self._lock = self._lock or asyncio.Lock()
        async with self._lock:
            if not self._ready:
                await self.bot.initialize()
                self._ready = True
                logger.info("telegram bot @%s ready", self.bot.username)


def _keyboard(name: str | None) -> ReplyKeyboardMarkup | None:
    if name != "share_phone":
        return None
    # Telegram only sends the number when the parent taps the button; one_time hides it after.
    button = KeyboardButton(render("share_phone_button"), request_contact=True)
    return ReplyKeyboardMarkup([[button]], one_time_keyboard=True, resize_keyboard=True)


def _failure(error: TelegramError) -> SendError:
    """Telegram's error as a SendError: flood control and the network pass; refusals do not."""
    if isinstance(error, RetryAfter):
        wait = error.retry_after
        seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait)
        return SendError(f"Telegram flood control: {describe(error)}", retry=True,
                         retry_after=seconds)
    # BadRequest is a subclass of NetworkError in PTB, so it is checked first.
    if isinstance(error, BadRequest | Forbidden | InvalidToken | ChatMigrated):
        return SendError(f"Telegram refused the message: {describe(error)}", retry=False)
    if isinstance(error, TimedOut | NetworkError):
        return SendError(f"Telegram could not be reached: {describe(error)}", retry=True)
    return SendError(f"Telegram error: {describe(error)}", retry=False)


def describe(error: TelegramError) -> str:
    """The error for logs and the message's error column, never with the bot's token."""
    if isinstance(error, InvalidToken):
        # PTB's own message quotes the rejected token.
        return "InvalidToken: Telegram rejected ROLLCALL_TELEGRAM_TOKEN"
    return f"{type(error).__name__}: {error.message}"


async def register_webhook(settings: Settings) -> str:
    """Tell Telegram to deliver the bot's messages to our webhook, with the secret; the URL."""
    assert settings.public_url is not None and settings.telegram_secret is not None
    url = settings.public_url + WEBHOOK_PATH
    async with make_bot(settings) as bot:
        # Only messages: edits, callbacks and the rest are ignored by the handler anyway.
        await bot.set_webhook(url, secret_token=settings.telegram_secret.get_secret_value(),
                              allowed_updates=["message"])
    return url

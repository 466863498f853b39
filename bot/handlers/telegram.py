"""Telegram's webhook: parents' messages to the school's bot.

Telegram sends the secret given at `setWebhook` in X-Telegram-Bot-Api-Secret-Token; anything
without it is refused before its body is read. Updates are parsed with python-telegram-bot's
`Update.de_json` and nothing else of PTB runs here: the conversation service answers, and its
replies leave through the outbox. Only new messages in private chats are read; edits, button
callbacks and group chats are acknowledged and left alone.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from telegram import Bot, Message, Update

from bot.delivery import accept
from bot.handlers.webhook import read_capped
from bot.senders.telegram import WEBHOOK_PATH, bot_id
from core.conversations import Inbound, UnknownAddress
from core.models import ChannelKind
from core.settings import Settings

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def router(settings: Settings, bot: Bot) -> APIRouter:
    routes = APIRouter(tags=["telegram"])
    verified = verified_update(settings, bot)
    to = bot_id(settings)

    @routes.post(WEBHOOK_PATH)
    # Depends() as a default: FastAPI cannot resolve a closure from a postponed annotation.
    async def telegram_update(request: Request, update: Update = Depends(verified)) -> Response:
        """One update from Telegram: a parent's message is stored, read and answered."""
        inbound = inbound_message(update, to)
        if inbound is None:
            return Response(status_code=200)
        try:
            await accept(request.app.state, inbound)
        except UnknownAddress:
            # Telegram keeps retrying a refused update, so nothing is lost once it is set.
            logger.error("no school has Telegram bot %s: run `rollcall school set-address "
                         "telegram %s`", to, to)
            raise HTTPException(404, "no school receives messages at this bot") from None
        return Response(status_code=200)

    return routes


def verified_update(settings: Settings, bot: Bot) -> Callable[[Request], Awaitable[Update]]:
    """A dependency: the update, once the secret matches (else 403) and it parses (else 4xx)."""
    assert settings.telegram_secret is not None
    secret = settings.telegram_secret.get_secret_value().encode()

    async def verified(request: Request) -> Update:
        # Header values arrive decoded as latin-1; bytes let compare_digest take any of them.
        given = request.headers.get(SECRET_HEADER, "").encode("latin-1")
        if not secrets.compare_digest(given, secret):
            logger.warning("telegram webhook refused: missing or wrong secret token")
            raise HTTPException(403, f"missing or wrong {SECRET_HEADER}")
        return parse_update(await read_capped(request), bot)

    return verified


def parse_update(body: bytes, bot: Bot) -> Update:
    """The Bot API's Update object, or 400 if the body is not one."""
    try:
        data = json.loads(body)
    except ValueError:
        raise HTTPException(400, "the body is not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise HTTPException(400, "not a Telegram update: no update_id")
    try:
        update = Update.de_json(data, bot)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError):
        # PTB trusts Telegram's shapes: a malformed object fails while it is built (a
        # number where an object goes, a date past the platform's time_t...).
        raise HTTPException(400, "not a Telegram update: malformed message") from None
    if update.message is not None and not _well_typed(update.message):
        raise HTTPException(400, "not a Telegram update: malformed message")
    return update


def _well_typed(message: Message) -> bool:
    # PTB does not check value types; the conversation service relies on them. Telegram's
    # ids have at most 52 significant bits: anything longer would not fit our columns.
    contact = message.contact
    return message.chat is not None and _telegram_id(message.chat.id) and all(
        value is None or isinstance(value, str) for value in (message.text, message.caption)
    ) and (contact is None or (isinstance(contact.phone_number, str) and (
        contact.user_id is None or _telegram_id(contact.user_id))))


def _telegram_id(value: object) -> bool:
    return type(value) is int and abs(value) < 2**52


def inbound_message(update: Update, to: str) -> Inbound | None:
    """A parent's new message as an Inbound; None for anything the bot does not read."""
    message = update.message
    if message is None or message.chat.type != "private":
        return None
    shared = _own_phone(message)
    if message.contact is not None and shared is None:
        logger.info("telegram update %s: a contact that is not the sender's own, ignored",
                    update.update_id)
        return None
    text, media = message.text or message.caption or "", _file_ids(message)
    if not (text or media or shared):
        return None  # stickers, locations, service messages: nothing for the school
    return Inbound(channel=ChannelKind.telegram, sender=str(message.chat.id), to=to,
                   text=text, provider_id=f"tg-{update.update_id}", media=media,
                   raw=update.to_json(), shared_phone=shared)


def inbound_from_raw(raw: str) -> Inbound | None:
    """A stored update read again as it was when it arrived (bot.unread reads a message a
    stopped process left unread); None if it no longer reads."""
    try:
        return inbound_message(Update.de_json(json.loads(raw)), to="")
    except (ValueError, TypeError, KeyError):
        return None


def _own_phone(message: Message) -> str | None:
    """The number in a shared contact, only when it is the sender's own.

    Anyone can share any contact card; Telegram sets user_id to the sender's id only when
    they tapped the button to share their own number, and only that may link an account.
    """
    contact, sender = message.contact, message.from_user
    if contact is None or sender is None or contact.user_id != sender.id:
        return None
    # Telegram leaves out the leading + of the international number.
    number = contact.phone_number.strip()
    return number if number.startswith("+") else f"+{number}"


def _file_ids(message: Message) -> tuple[str, ...]:
    """Telegram file ids of what came with the message (staff fetch the files by id)."""
    # A photo arrives in several sizes, smallest first: the largest is the one to keep.
    photo = message.photo[-1] if message.photo else None
    files = (photo, message.document, message.voice, message.audio, message.video,
             message.video_note)
    return tuple(f.file_id for f in files if f is not None)

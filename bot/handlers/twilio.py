"""Twilio's webhooks: parents' SMS and WhatsApp messages, and delivery reports for ours.

Both are form posts signed with the account's auth token (`X-Twilio-Signature`). The
signature covers the URL Twilio called, so it is checked against ROLLCALL_PUBLIC_URL, not the
URL a proxy hands the app. Anything unsigned is refused before it is read further. Replies
never go back in the TwiML answer: they are queued and leave through the outbox, like every
other message, so they are stored, retried and reported on the same way.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from sqlalchemy import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from bot.delivery import accept
from bot.handlers.webhook import read_capped
from bot.senders.twilio import KNOWN_ERRORS, STATUS_PATH
from core import delivery_reports
from core.conversation_models import (
    MessageStatus,
)
from core.conversations import Inbound, UnknownAddress
from core.delivery_reports import Delivery
from core.models import ChannelKind
from core.phones import InvalidPhone, to_e164
from core.settings import Settings

logger = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/twilio"
EMPTY_TWIML = str(MessagingResponse())  # "nothing to send now": replies go by the outbox
MAX_FIELDS = 100  # a message has about 20; with ten media items about 40
MAX_MEDIA = 10  # Twilio's own limit per message
MEDIA_URL = re.compile(r"^MediaUrl(\d{1,2})$")
SID = re.compile(r"^[A-Za-z0-9]{2,64}$")
MAX_NUMBER = 48  # "whatsapp:" and a number written out with spaces; longer is not one
ERROR_CODE = re.compile(r"^[0-9]{1,9}$")
# A delivery report can overtake Twilio's answer to the send it reports on; it waits this long
# for the outbox to record the send (Twilio usually answers in well under a second).
EARLY_REPORT_WAIT = 10.0
EARLY_REPORT_POLL = 0.1  # the first look again; each later one waits twice as long
EARLY_REPORT_POLL_MOST = 1.0
# Twilio's statuses as ours (WhatsApp's read receipt counts as delivered).
OURS = {"accepted": MessageStatus.queued, "scheduled": MessageStatus.queued,
        "queued": MessageStatus.queued, "sending": MessageStatus.queued,
        "sent": MessageStatus.sent, "delivered": MessageStatus.delivered,
        "read": MessageStatus.delivered, "undelivered": MessageStatus.undelivered,
        "failed": MessageStatus.failed}

SignedForm = Callable[[Request], Awaitable[FormData]]


def router(settings: Settings) -> APIRouter:
    """The message and status webhooks; which of sms and whatsapp are on is in app.state."""
    routes = APIRouter(tags=["twilio"])
    signed_message = signed_form(settings, WEBHOOK_PATH)
    signed_status = signed_form(settings, STATUS_PATH)

    @routes.post(WEBHOOK_PATH)
    # Depends() as a default, not in Annotated: the dependency is a closure over the
    # settings, which FastAPI could not resolve from a postponed annotation.
    async def twilio_message(request: Request,
                             form: FormData = Depends(signed_message)) -> Response:
        """A parent's SMS or WhatsApp message: stored, read and answered through the outbox."""
        inbound = inbound_message(form)
        if inbound.channel.value not in request.app.state.senders:
            raise HTTPException(404, f"{inbound.channel.value} is not switched on here")
        try:
            await accept(request.app.state, inbound)
        except UnknownAddress:
            logger.warning("%s message to %s, a number no school here has",
                           inbound.channel.value, inbound.to)
            raise HTTPException(404, "no school receives messages at this number") from None
        return Response(EMPTY_TWIML, media_type="text/xml")

    @routes.post(STATUS_PATH)
    async def twilio_status(request: Request,
                            form: FormData = Depends(signed_status)) -> Response:
        """Twilio's report on one of our messages: sent, delivered, failed..."""
        sid, status = form.get("MessageSid"), form.get("MessageStatus")
        if not isinstance(sid, str) or not sid or not isinstance(status, str) or not status:
            raise HTTPException(400, "MessageSid and MessageStatus are required")
        _check_sid(sid)
        code, to = form.get("ErrorCode"), form.get("To")
        state = request.app.state
        waited, pause = 0.0, EARLY_REPORT_POLL
        while await run_in_threadpool(
                record_delivery, state.engine, sid, status, code if isinstance(code, str)
                else None, state.clock(), _address(to)) is Delivery.early:
            # The report overtook Twilio's answer to our send: wait (without holding a
            # thread) for the outbox to record the sid, so the report is not lost.
            if waited >= EARLY_REPORT_WAIT:
                raise HTTPException(503, "the message this reports on is still being sent",
                                    headers={"Retry-After": "10"})
            await asyncio.sleep(pause)
            waited += pause
            pause = min(pause * 2, EARLY_REPORT_POLL_MOST)  # ~15 looks in the 10 s, not 100
        return Response(status_code=200)

    return routes


def signed_form(settings: Settings, path: str) -> SignedForm:
    """A dependency: the request's form, once its Twilio signature is known good; else 403."""
    assert settings.twilio_auth_token is not None and settings.public_url is not None
    validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
    url = settings.public_url + path

    async def verified(request: Request) -> FormData:
        form = parse_form(request, await read_capped(request))
        signature = request.headers.get("x-twilio-signature", "")
        signed_url = f"{url}?{request.url.query}" if request.url.query else url
        if not signature or not validator.validate(signed_url, form, signature):
            # The body is not logged: it may be a parent's message about a child.
            logger.warning("twilio webhook %s refused: missing or wrong signature", path)
            raise HTTPException(403, "missing or wrong X-Twilio-Signature")
        return form

    return verified


def parse_form(request: Request, body: bytes) -> FormData:
    """The posted form; 415 if it is not a form, 400 if it is not UTF-8 or far too long."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise HTTPException(415, "expected application/x-www-form-urlencoded")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                          max_num_fields=MAX_FIELDS, errors="strict")
    except UnicodeDecodeError:
        raise HTTPException(400, "the form is not UTF-8") from None
    except ValueError:
        raise HTTPException(400, f"more than {MAX_FIELDS} fields") from None
    return FormData(pairs)


def inbound_message(form: FormData) -> Inbound:
    """Twilio's message form as an Inbound; 400 when it lacks what every message has."""
    fields = {name: value for name, value in form.items() if isinstance(value, str)}
    missing = [name for name in ("MessageSid", "From", "To") if not fields.get(name)]
    if missing:
        raise HTTPException(400, f"missing {', '.join(missing)}")
    sid, sender, to = fields["MessageSid"], fields["From"], fields["To"]
    _check_sid(sid)
    # WhatsApp numbers come as "whatsapp:+44..."; both ends are on the same channel.
    whatsapp = sender.startswith("whatsapp:")
    if to.startswith("whatsapp:") != whatsapp:
        raise HTTPException(400, "From and To are on different channels")
    return Inbound(
        channel=ChannelKind.whatsapp if whatsapp else ChannelKind.sms,
        sender=_number(sender, "From"), to=_number(to, "To"), text=fields.get("Body", ""),
        provider_id=sid, media=_media(fields), raw=json.dumps(fields))


def _check_sid(sid: str) -> None:
    # Twilio's ids are two letters and 32 hex digits; anything else is not from Twilio.
    if not SID.fullmatch(sid):
        raise HTTPException(400, "MessageSid is not a Twilio id (letters and digits, at "
                                 "most 64)")


def _number(value: str, field: str) -> str:
    number = _e164(value.removeprefix("whatsapp:")) if len(value) <= MAX_NUMBER else None
    if number is None:
        raise HTTPException(400, f"{field} is not a phone number")
    return number


def _e164(value: str) -> str | None:
    """The number in E.164, None if it is not one (core.phones caches the reading)."""
    try:
        return to_e164(value)
    except InvalidPhone:
        return None


def _media(fields: dict[str, str]) -> tuple[str, ...]:
    """MediaUrl0, MediaUrl1...: the photos or files sent with the message, in order."""
    numbered = sorted((int(found.group(1)), value) for name, value in fields.items()
                      if (found := MEDIA_URL.match(name)))
    return tuple(url for _, url in numbered[:MAX_MEDIA])


def record_delivery(engine: Engine, sid: str, status: str, error_code: str | None,
                    now: datetime, to: str | None = None) -> Delivery:
    """Move our message with this Twilio sid (sent to `to`) forward to `status`."""
    ours = OURS.get(status)
    if ours is None:
        logger.info("twilio status for message %s ignored (unknown status)", sid[:64])
        return Delivery.kept
    with Session(engine) as session:
        return delivery_reports.record_delivery(
            session, [ChannelKind.sms.value, ChannelKind.whatsapp.value], sid, ours,
            _failure_text(status, error_code), now, to)


def _address(to: object) -> str | None:
    """The number a status callback's To names, as our threads store it."""
    if not isinstance(to, str) or len(to) > MAX_NUMBER:
        return None
    return _e164(to.removeprefix("whatsapp:"))


def _failure_text(status: str, error_code: str | None) -> str:
    # Twilio's error codes are five digits; anything else is kept out of the error text
    # ("²" passes isdigit and fails int(); a NUL would fail PostgreSQL).
    if not error_code or not ERROR_CODE.fullmatch(error_code):
        return f"Twilio reports the message {status}"
    meaning = KNOWN_ERRORS.get(int(error_code))
    text = f"Twilio reports the message {status}, error {error_code}"
    return f"{text} ({meaning})" if meaning else text

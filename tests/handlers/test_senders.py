"""The real twilio and python-telegram-bot clients, talking to stand-ins for the providers.

Each test asserts on what the provider received, and on how its answer reaches the outbox:
retry what may pass (throttling, the provider's faults, the network), fail what will not.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.outbox import send_queued
from bot.senders import Outgoing, SendError
from bot.senders.rates import RateLimiter
from bot.senders.telegram import TelegramSender
from bot.senders.twilio import TwilioConfig, TwilioSender
from core.attendance_models import StaffTask
from core.clock import FixedClock
from core.conversation_models import Conversation, Message
from core.conversations import conversation_for, queue_reply
from core.models import ChannelKind, School
from core.schools import set_channel_address
from tests.fakes.network import refuse_outside_connections
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

pytestmark = [
    pytest.mark.anyio,
    # PTB's own RetryAfter warns about its future type while it builds its message.
    pytest.mark.filterwarnings("ignore:.*`retry_after`:telegram.warnings.PTBDeprecationWarning"),
]
SCHOOL_SMS = "+447700900500"
SCHOOL_WHATSAPP = "+447700900501"
TEMPLATE = "HX" + "ab" * 16
PARENT = "+447700900001"


@pytest.fixture(autouse=True)
def local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_outside_connections(monkeypatch)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def twilio_api() -> Iterator[FakeTwilio]:
    with FakeTwilio().running() as fake:
        yield fake


@pytest.fixture
def telegram_api() -> Iterator[FakeTelegram]:
    with FakeTelegram().running() as fake:
        yield fake


def twilio_sender(base: str, timeout: float = 5.0) -> TwilioSender:
    return TwilioSender(TwilioConfig(
        account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN, public_url="https://rollcall.example.org",
        sms_from=SCHOOL_SMS, whatsapp_from=SCHOOL_WHATSAPP, whatsapp_template_sid=TEMPLATE,
        api_base=base), timeout=timeout)


def telegram_sender(base: str, read_timeout: float = 5.0) -> TelegramSender:
    request = HTTPXRequest(read_timeout=read_timeout)  # one pool, as make_bot does
    return TelegramSender(Bot(TOKEN, base_url=base + "/bot", request=request,
                              get_updates_request=request))


def text(channel: str = "sms", in_session: bool = True, keyboard: str | None = None,
         to: str = PARENT) -> Outgoing:
    return Outgoing(message_id=1, channel=channel, to=to, text="Which child is this about?",
                    keyboard=keyboard, in_session=in_session)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_sms_goes_from_the_school_number_with_a_status_callback(
        twilio_api: FakeTwilio) -> None:
    sent = await twilio_sender(twilio_api.url).send(text())
    assert twilio_api.messages() == [{
        "To": PARENT, "From": SCHOOL_SMS, "Body": "Which child is this about?",
        "StatusCallback": "https://rollcall.example.org/webhooks/twilio/status"}]
    assert sent.provider_id.startswith("SM") and sent.status == "queued"


async def test_whatsapp_inside_the_24_hours_is_free_form(twilio_api: FakeTwilio) -> None:
    await twilio_sender(twilio_api.url).send(text("whatsapp", in_session=True))
    [fields] = twilio_api.messages()
    assert (fields["To"], fields["From"], fields["Body"]) == (
        f"whatsapp:{PARENT}", f"whatsapp:{SCHOOL_WHATSAPP}", "Which child is this about?")
    assert "ContentSid" not in fields


async def test_whatsapp_outside_the_24_hours_uses_the_approved_template(
        twilio_api: FakeTwilio) -> None:
    await twilio_sender(twilio_api.url).send(text("whatsapp", in_session=False))
    [fields] = twilio_api.messages()
    assert fields["ContentSid"] == TEMPLATE and "Body" not in fields
    assert json.loads(fields["ContentVariables"]) == {"1": "Which child is this about?"}
    assert fields["To"] == f"whatsapp:{PARENT}"


async def test_whatsapp_outside_the_24_hours_without_a_template_is_not_sent(
        twilio_api: FakeTwilio) -> None:
    sender = twilio_sender(twilio_api.url)
    sender.config = TwilioConfig(**{**sender.config.__dict__, "whatsapp_template_sid": None})
    with pytest.raises(SendError, match="24-hour") as raised:
        await sender.send(text("whatsapp", in_session=False))
    assert raised.value.retry is False and twilio_api.requests == []


@pytest.mark.parametrize("status, code, retry", [
    (429, 20429, True), (500, 20500, True), (503, 20503, True),
    (400, 21211, False), (400, 21610, False), (401, 20003, False)])
async def test_twilio_refusals_are_retried_only_when_they_may_pass(
        twilio_api: FakeTwilio, status: int, code: int, retry: bool) -> None:
    twilio_api.then_fail(status, code)
    with pytest.raises(SendError) as raised:
        await twilio_sender(twilio_api.url).send(text())
    assert raised.value.retry is retry
    assert f"HTTP {status}, error {code}" in str(raised.value)


async def test_an_unreachable_twilio_is_retried() -> None:
    with pytest.raises(SendError, match="could not be reached") as raised:
        await twilio_sender(f"http://127.0.0.1:{free_port()}").send(text())
    assert raised.value.retry is True


async def test_a_twilio_that_does_not_answer_in_time_is_retried(twilio_api: FakeTwilio) -> None:
    twilio_api.then_answer(201, {}, delay=1.0)
    with pytest.raises(SendError, match="ReadTimeout") as raised:
        await twilio_sender(twilio_api.url, timeout=0.2).send(text())
    assert raised.value.retry is True


async def test_telegram_text_goes_to_the_chat_and_the_bot_starts_once(
        telegram_api: FakeTelegram) -> None:
    sender = telegram_sender(telegram_api.url)
    first = await sender.send(text("telegram", to="5550001"))
    await sender.send(text("telegram", to="5550001"))
    await sender.close()
    assert len(telegram_api.calls("getMe")) == 1
    assert telegram_api.calls("sendMessage")[0] == {
        "chat_id": "5550001", "text": "Which child is this about?"}
    assert first.provider_id == "tg-out-5550001-100" and first.status == "sent"


async def test_the_share_phone_prompt_carries_a_one_time_contact_button(
        telegram_api: FakeTelegram) -> None:
    sender = telegram_sender(telegram_api.url)
    await sender.send(text("telegram", to="5550001", keyboard="share_phone"))
    await sender.close()
    markup = telegram_api.calls("sendMessage")[0]["reply_markup"]
    assert markup["keyboard"] == [[{"text": "Share my phone number", "request_contact": True}]]
    assert markup["one_time_keyboard"] is True


@pytest.mark.parametrize("status, description, retry", [
    (429, "Too Many Requests: retry after 3", True),
    (502, "Bad Gateway", True),
    (403, "Forbidden: bot was blocked by the user", False),
    (400, "Bad Request: chat not found", False)])
async def test_telegram_errors_are_retried_only_when_they_may_pass(
        telegram_api: FakeTelegram, status: int, description: str, retry: bool) -> None:
    sender = telegram_sender(telegram_api.url)
    await sender.send(text("telegram", to="5550001"))  # started before the failure
    telegram_api.then_fail(status, description, retry_after=3 if status == 429 else None)
    with pytest.raises(SendError) as raised:
        await sender.send(text("telegram", to="5550001"))
    await sender.close()
    assert raised.value.retry is retry


async def test_an_unreachable_or_slow_telegram_is_retried(telegram_api: FakeTelegram) -> None:
    gone = telegram_sender(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(SendError, match="could not be reached") as unreachable:
        await gone.send(text("telegram", to="5550001"))
    slow = telegram_sender(telegram_api.url, read_timeout=0.2)
    telegram_api.then_answer(200, {"ok": True, "result": {}}, delay=1.0)
    with pytest.raises(SendError, match="TimedOut") as timed_out:
        await slow.send(text("telegram", to="5550001"))
    await slow.close()
    assert unreachable.value.retry is True and timed_out.value.retry is True


async def test_a_rejected_token_is_not_retried_nor_repeated_anywhere(
        telegram_api: FakeTelegram) -> None:
    wrong = TOKEN.replace("AAH", "BBH")
    request = HTTPXRequest()
    sender = TelegramSender(Bot(wrong, base_url=telegram_api.url + "/bot", request=request,
                                get_updates_request=request))
    with pytest.raises(SendError) as raised:
        await sender.send(text("telegram", to="5550001"))
    assert raised.value.retry is False and "ROLLCALL_TELEGRAM_TOKEN" in str(raised.value)
    assert wrong not in str(raised.value) and wrong.split(":")[1] not in str(raised.value)


def queue_sms(session: Session, school: School, clock: FixedClock) -> int:
    assert school.id is not None
    conversation = conversation_for(session, school.id, ChannelKind.sms, PARENT, clock())
    message = queue_reply(session, conversation, "Thanks, Amelia is recorded.", now=clock())
    session.commit()
    assert message.id is not None
    return message.id


def stored(engine: Engine, message_id: int) -> tuple[Message, Conversation]:
    with Session(engine) as session:
        message = session.get(Message, message_id)
        assert message is not None
        conversation = session.get(Conversation, message.conversation_id)
        assert conversation is not None
        return message, conversation


async def test_a_throttled_message_backs_off_and_goes_when_its_time_comes(
        engine: Engine, session: Session, school: School, clock: FixedClock,
        twilio_api: FakeTwilio) -> None:
    message_id = queue_sms(session, school, clock)
    senders = {"sms": twilio_sender(twilio_api.url)}
    twilio_api.then_fail(429, 20429)
    twilio_api.then_fail(500, 20500)
    assert await send_queued(engine, senders, clock) == 0
    assert await send_queued(engine, senders, clock) == 0  # backing off: not tried again yet
    message, _ = stored(engine, message_id)
    assert (message.status, message.attempts) == ("queued", 1)
    assert message.next_attempt_at == clock() + timedelta(seconds=10)
    clock.advance(timedelta(seconds=10))
    assert await send_queued(engine, senders, clock) == 0  # the 500: wait twice as long
    message, _ = stored(engine, message_id)
    assert message.next_attempt_at == clock() + timedelta(seconds=20)
    clock.advance(timedelta(seconds=20))
    assert await send_queued(engine, senders, clock) == 1
    message, _ = stored(engine, message_id)
    assert (message.status, message.attempts, message.error) == ("sent", 3, None)
    assert message.provider_id is not None and message.provider_id.startswith("SM")
    assert len(twilio_api.messages()) == 3


async def test_a_message_that_never_gets_through_becomes_a_call_for_the_office(
        engine: Engine, session: Session, school: School, clock: FixedClock,
        twilio_api: FakeTwilio) -> None:
    message_id = queue_sms(session, school, clock)
    senders = {"sms": twilio_sender(twilio_api.url)}
    for _ in range(5):
        twilio_api.then_fail(503, 20503)
    for _ in range(5):
        await send_queued(engine, senders, clock)
        clock.advance(timedelta(minutes=20))
    message, conversation = stored(engine, message_id)
    assert (message.status, message.attempts) == ("failed", 5)
    assert conversation.status == "needs_attention"
    with Session(engine) as check:
        (task,) = check.exec(select(StaffTask)).all()
    assert (task.kind, task.role, task.status) == ("undelivered", "office", "open")
    assert task.details == message.body


async def test_a_refused_message_fails_at_once_and_the_thread_needs_staff(
        engine: Engine, session: Session, school: School, clock: FixedClock,
        twilio_api: FakeTwilio) -> None:
    message_id = queue_sms(session, school, clock)
    twilio_api.then_fail(400, 21610)
    await send_queued(engine, {"sms": twilio_sender(twilio_api.url)}, clock)
    await send_queued(engine, {"sms": twilio_sender(twilio_api.url)}, clock)
    message, conversation = stored(engine, message_id)
    assert message.status == "failed" and "replied STOP" in (message.error or "")
    assert conversation.status == "needs_attention"
    assert len(twilio_api.messages()) == 1


@pytest.mark.parametrize("quiet_hours, template", [(23, False), (25, True)])
async def test_whatsapp_goes_as_the_template_once_the_parent_is_24_hours_quiet(
        engine: Engine, session: Session, school: School, clock: FixedClock,
        twilio_api: FakeTwilio, quiet_hours: int, template: bool) -> None:
    assert school.id is not None
    thread = conversation_for(session, school.id, ChannelKind.whatsapp, PARENT, clock())
    thread.last_incoming_at = clock() - timedelta(hours=quiet_hours)
    queue_reply(session, thread, "Is Amelia still unwell?", now=clock())
    session.commit()
    assert await send_queued(engine, {"whatsapp": twilio_sender(twilio_api.url)}, clock) == 1
    [fields] = twilio_api.messages()
    assert fields["To"] == f"whatsapp:{PARENT}"
    assert ("ContentSid" in fields, "Body" in fields) == (template, not template)


async def test_each_school_texts_from_its_own_number(
        engine: Engine, session: Session, school: School, clock: FixedClock,
        twilio_api: FakeTwilio) -> None:
    set_channel_address(session=session, school=school, channel=ChannelKind.sms,
                        address="+447700900555")
    queue_sms(session, school, clock)
    assert await send_queued(engine, {"sms": twilio_sender(twilio_api.url)}, clock) == 1
    [fields] = twilio_api.messages()
    assert (fields["From"], fields["To"]) == ("+447700900555", PARENT)


async def test_the_rate_limiter_spaces_messages_to_one_chat() -> None:
    limiter = RateLimiter(overall=1000.0, per_recipient=20.0)  # 50 ms apart per chat
    start = time.monotonic()
    await limiter.wait("chat-1")
    await limiter.wait("chat-2")  # another chat need not wait
    assert time.monotonic() - start < 0.04
    await limiter.wait("chat-1")
    assert time.monotonic() - start >= 0.045

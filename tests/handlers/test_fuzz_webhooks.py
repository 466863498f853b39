"""The webhooks fuzzed: whatever Twilio, Telegram or the simulator page posts, the answer is
never a 500, and every parent's message the app accepts is stored once and either answered or
put in front of staff.

Twilio forms are correctly signed and Telegram updates carry the secret, so the fuzzing reaches
past the doors into reading and storing. ROLLCALL_FUZZ_EXAMPLES sets how many examples each
test tries (60 by default, to keep the quick suite quick; CI or a long night can ask for
thousands). PostgreSQL variants run under `-m postgres`: its text columns refuse NUL
characters, which SQLite stores.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select
from twilio.request_validator import RequestValidator

from bot.app import create_app
from core.conversation_models import Message
from core.models import ChannelKind
from core.settings import Settings
from tests.fakes.network import refuse_outside_connections
from tests.fakes.telegram_api import BOT_ID, TOKEN
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN
from tests.handlers.channel_app import PUBLIC_URL, engine_of, monday_morning
from tests.handlers.fuzz_strategies import (
    EXAMPLES,
    Post,
    seed,
    simulator_post,
    telegram_update,
    twilio_message,
    twilio_status,
)

SCHOOL_SMS = "+447700900500"
SCHOOL_WHATSAPP = "+447700900501"
SECRET = "fuzz-secret_0123456789"
CHAT = 5550001
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response />'
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
READ_FAILED = "the bot could not read this message"


@pytest.fixture(autouse=True)
def local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_outside_connections(monkeypatch)


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    """Every channel on, over a seeded database (SQLite, or PostgreSQL under -m postgres).
    Nothing is sent: the outbox and the tick are off, so only the webhooks act."""
    url = seed(engine, monday_morning(), {
        ChannelKind.sms: SCHOOL_SMS, ChannelKind.whatsapp: SCHOOL_WHATSAPP,
        ChannelKind.telegram: str(BOT_ID), ChannelKind.simulator: "example"})
    app = create_app(Settings(
        database_url=url, channels=["sms", "whatsapp", "telegram", "simulator"],
        public_url=PUBLIC_URL, twilio_account_sid=ACCOUNT_SID, twilio_auth_token=AUTH_TOKEN,
        twilio_from=SCHOOL_SMS, twilio_whatsapp_from=SCHOOL_WHATSAPP,
        twilio_api_base="http://127.0.0.1:9", telegram_token=TOKEN, telegram_secret=SECRET,
        telegram_api_base="http://127.0.0.1:9", migrate_on_start=False, tick=False,
        outbox_in_web=False), clock=monday_morning())
    # Server errors come back as 500s, as a provider would see them, not as exceptions.
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def stored(client: TestClient, channel: str, provider_id: str) -> list[Message]:
    with Session(engine_of(client)) as session:
        return list(session.exec(select(Message).where(
            Message.channel == channel, Message.provider_id == provider_id,
            Message.direction == "incoming")).all())


def incoming_count(client: TestClient) -> int:
    with Session(engine_of(client)) as session:
        return session.exec(select(func.count()).select_from(Message).where(
            col(Message.direction) == "incoming")).one()


def assert_kept_once(rows: list[Message]) -> None:
    """Stored once, and read: answered by the bot or waiting for staff, never stuck."""
    [message] = rows
    assert message.status in ("handled", "for_staff")
    assert message.error != READ_FAILED, "the bot failed on this message (see the log)"


def signed(client: TestClient, path: str, fields: dict[str, str]) -> Any:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC_URL + path, fields)
    return client.post(path, content=urlencode(fields), headers={
        "X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"})


def fuzz(strategy: Any) -> Callable[[Callable[..., None]], Callable[[], None]]:
    """Run the check under Hypothesis with the suite's example count."""
    def wrap(check: Callable[..., None]) -> Callable[[], None]:
        return FUZZ(given(strategy)(check))  # type: ignore[no-any-return]
    return wrap


def test_twilio_messages_never_fail_and_are_kept_when_accepted(client: TestClient) -> None:
    @fuzz(twilio_message(SCHOOL_SMS, SCHOOL_WHATSAPP))
    def check(post: Post) -> None:
        fields, keep = post
        answer = signed(client, "/webhooks/twilio", fields)
        assert answer.status_code < 500, answer.text
        assert answer.status_code == 200 or not keep, answer.text
        if answer.status_code == 200:
            assert answer.text == EMPTY_TWIML
            channel = "whatsapp" if fields["From"].startswith("whatsapp:") else "sms"
            assert_kept_once(stored(client, channel, fields["MessageSid"]))
        else:
            assert answer.json()["detail"]

    check()


def test_twilio_status_callbacks_never_fail(client: TestClient) -> None:
    @fuzz(twilio_status())
    def check(fields: dict[str, str]) -> None:
        answer = signed(client, "/webhooks/twilio/status", fields)
        assert answer.status_code in (200, 400, 413), answer.text

    check()


def test_telegram_updates_never_fail_and_messages_are_kept(client: TestClient) -> None:
    @fuzz(telegram_update(CHAT))
    def check(post: Post) -> None:
        update, keep = post
        answer = client.post("/webhooks/telegram", content=json.dumps(update),
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                      "Content-Type": "application/json"})
        assert answer.status_code < 500, answer.text
        if keep:
            assert answer.status_code == 200, answer.text
            assert_kept_once(stored(client, "telegram", f"tg-{update['update_id']}"))

    check()


def test_simulator_posts_never_fail_and_messages_are_kept(client: TestClient) -> None:
    @fuzz(simulator_post())
    def check(body: Any) -> None:
        before = incoming_count(client)
        answer = client.post("/simulator/api/messages", content=json.dumps(body),
                             headers={"Content-Type": "application/json"})
        assert answer.status_code < 500, answer.text
        if answer.status_code == 202 and not answer.json()["duplicate"]:
            assert incoming_count(client) == before + 1
            with Session(engine_of(client)) as session:
                newest = session.exec(select(Message).where(
                    Message.direction == "incoming").order_by(col(Message.id).desc())).first()
            assert_kept_once([newest] if newest else [])

    check()

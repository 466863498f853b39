"""Parents' Telegram messages through the webhook, linking accounts, and `set-webhook`.

Updates are shaped as the Bot API documents them; the bot's replies leave through
python-telegram-bot's real Bot to a stand-in for the Bot API.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.app import create_app
from bot.cli import app as cli
from core.conversation_models import Message
from core.models import ChannelKind, Contact
from core.settings import Settings
from core.telegram_links import create_code
from tests.fakes.network import refuse_outside_connections
from tests.fakes.telegram_api import BOT_ID, TOKEN, FakeTelegram
from tests.handlers.channel_app import (
    JAMES,
    PUBLIC_URL,
    SARAH,
    copy_of,
    engine_of,
    eventually,
    messages,
    monday_morning,
    seed_school,
)
from tests.handlers.fuzz_strategies import at_once, seed

SECRET = "webhook-secret_0123456789"
CHAT = 5550001  # a private chat's id is the parent's Telegram user id


@pytest.fixture(autouse=True)
def local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_outside_connections(monkeypatch)


@pytest.fixture
def telegram_api() -> Iterator[FakeTelegram]:
    with FakeTelegram().running() as fake:
        yield fake


@pytest.fixture(scope="module")
def seeded(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_school(migrated_sqlite, tmp_path_factory.mktemp("school"), monday_morning(),
                       {ChannelKind.telegram: str(BOT_ID)})


@pytest.fixture
def database(seeded: Path, tmp_path: Path) -> str:
    return copy_of(seeded, tmp_path)


def telegram_settings(url: str, api: str, **changes: object) -> Settings:
    # The copied file is migrated already; migrating again at start-up would only cost time.
    values: dict[str, object] = {
        "database_url": url, "channels": ["telegram"], "telegram_token": TOKEN,
        "telegram_secret": SECRET, "telegram_api_base": api, "migrate_on_start": False}
    return Settings(**(values | changes))  # type: ignore[arg-type]


@pytest.fixture
def client(database: str, telegram_api: FakeTelegram) -> Iterator[TestClient]:
    app = create_app(telegram_settings(database, telegram_api.url), clock=monday_morning())
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def refusing(seeded: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the tests where nothing may be stored, so nothing is ever sent."""
    url = copy_of(seeded, tmp_path_factory.mktemp("refusals"))
    app = create_app(telegram_settings(url, "http://127.0.0.1:9"), clock=monday_morning())
    with TestClient(app) as client:
        yield client


def update(update_id: int, chat: int = CHAT, **message: Any) -> dict[str, Any]:
    """A new private message from the parent, as the Bot API sends it."""
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": 1795420200,
        "from": {"id": chat, "is_bot": False, "first_name": "Sarah", "language_code": "en"},
        "chat": {"id": chat, "first_name": "Sarah", "type": "private"}, **message}}


def post(client: TestClient, body: dict[str, Any],
         secret: str | bytes | None = SECRET) -> Response:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client.post("/webhooks/telegram", json=body, headers=headers)


def replies(api: FakeTelegram, want: int = 1) -> list[dict[str, Any]]:
    return eventually(lambda: (lambda sent: sent if len(sent) >= want else None)(
        api.calls("sendMessage")))


def sent_or_handled(engine: Engine) -> list[Message]:
    return [m for m in messages(engine) if m.status != "queued"]


def linked_chat(engine: Engine, mobile: str) -> int | None:
    with Session(engine) as session:
        return session.exec(select(Contact.telegram_chat_id).where(
            Contact.mobile == mobile)).first()


def test_a_link_code_links_the_account_and_the_parent_can_then_report(
        client: TestClient, telegram_api: FakeTelegram) -> None:
    with Session(engine_of(client)) as session:
        sarah = session.exec(select(Contact).where(Contact.mobile == SARAH)).one()
        code = create_code(session, sarah, monday_morning()()).code
        session.commit()
    assert post(client, update(1, text=f"/start {code}")).status_code == 200
    [welcome] = replies(telegram_api)
    assert welcome["chat_id"] == str(CHAT) and "reply_markup" not in welcome
    assert welcome["text"].startswith("Welcome! This Telegram account is now linked to "
                                      "Example Primary")
    assert linked_chat(engine_of(client), SARAH) == CHAT
    post(client, update(2, text="Jack is off sick today, back tomorrow"))
    assert replies(telegram_api, 2)[1]["text"].startswith("Thanks. Jack Smith is recorded")
    assert len(telegram_api.calls("getMe")) == 1


def test_sharing_ones_own_number_links_the_account(
        client: TestClient, telegram_api: FakeTelegram) -> None:
    # Telegram writes the number without its +.
    contact = {"phone_number": JAMES.removeprefix("+"), "first_name": "James",
               "user_id": CHAT}
    assert post(client, update(1, contact=contact)).status_code == 200
    assert replies(telegram_api)[0]["text"].startswith("Welcome!")
    assert linked_chat(engine_of(client), JAMES) == CHAT


@pytest.mark.parametrize("user_id", [CHAT + 1, None], ids=["someone-else", "not-on-telegram"])
def test_someone_elses_contact_links_nothing_and_gets_no_reply(
        client: TestClient, telegram_api: FakeTelegram, user_id: int | None) -> None:
    contact = {"phone_number": SARAH, "first_name": "Sarah", "user_id": user_id}
    assert post(client, update(1, contact=contact)).status_code == 200
    assert messages(engine_of(client)) == []
    assert linked_chat(engine_of(client), SARAH) is None
    assert telegram_api.calls("sendMessage") == []


def test_an_unlinked_chat_is_asked_to_share_its_number_with_the_contact_button(
        client: TestClient, telegram_api: FakeTelegram) -> None:
    assert post(client, update(1, text="Millie is off sick today")).status_code == 200
    [prompt] = replies(telegram_api)
    assert prompt["text"].startswith("To link this Telegram account")
    assert prompt["reply_markup"]["keyboard"] == [
        [{"text": "Share my phone number", "request_contact": True}]]
    assert prompt["reply_markup"]["one_time_keyboard"] is True
    [incoming, outgoing] = eventually(lambda: (lambda stored: stored if len(stored) == 2 else
                                               None)(sent_or_handled(engine_of(client))))
    assert (incoming.provider_id, incoming.status) == ("tg-1", "for_staff")
    assert outgoing.provider_id == f"tg-out-{CHAT}-100" and outgoing.status == "sent"


def test_the_same_update_twice_is_handled_once(
        client: TestClient, telegram_api: FakeTelegram) -> None:
    assert post(client, update(7, text="hello")).status_code == 200
    assert post(client, update(7, text="hello")).status_code == 200
    replies(telegram_api)
    assert [m.direction for m in messages(engine_of(client))] == ["incoming", "outgoing"]


def test_a_photo_keeps_its_largest_size_and_its_caption(client: TestClient) -> None:
    sizes = [{"file_id": f"photo-{w}", "file_unique_id": f"u{w}", "width": w, "height": w}
             for w in (90, 320, 1280)]
    assert post(client, update(1, photo=sizes, caption="doctor's note")).status_code == 200
    incoming = messages(engine_of(client))[0]
    assert (incoming.body, json.loads(incoming.media)) == ("doctor's note", ["photo-1280"])


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET[:-1], b"\xe9"])
def test_a_missing_or_wrong_secret_is_refused_unread(refusing: TestClient,
                                                     secret: str | bytes | None) -> None:
    answer = post(refusing, update(1, text="hello"), secret=secret)
    assert answer.status_code == 403 and messages(engine_of(refusing)) == []


def group_message() -> dict[str, Any]:
    body = update(1, text="hi")
    body["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "Year 3 parents"}
    return body


STICKER = {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1,
           "is_animated": False, "is_video": False, "type": "regular"}


@pytest.mark.parametrize("body", [
    pytest.param({"update_id": 1, "edited_message": update(1, text="edited")["message"] | {
        "edit_date": 1795420300}}, id="edited-message"),
    pytest.param({"update_id": 1, "callback_query": {
        "id": "1", "from": {"id": CHAT, "is_bot": False, "first_name": "S"},
        "chat_instance": "c", "data": "x"}}, id="button-callback"),
    pytest.param(group_message(), id="group-chat"),
    pytest.param(update(1, sticker=STICKER), id="sticker"),
])
def test_updates_that_are_not_new_private_messages_are_acknowledged_and_ignored(
        refusing: TestClient, body: dict[str, Any]) -> None:
    assert post(refusing, body).status_code == 200
    assert messages(engine_of(refusing)) == []


@pytest.mark.parametrize("content, status", [
    pytest.param(b"not json", 400, id="not-json"),
    pytest.param(b"[1, 2]", 400, id="a-list"),
    pytest.param(b'{"message": {}}', 400, id="no-update-id"),
    pytest.param(b'{"update_id": "7"}', 400, id="update-id-a-string"),
    pytest.param(json.dumps({"update_id": 1, "message": {"message_id": 1}}).encode(), 400,
                 id="message-without-chat-or-date"),
    pytest.param(json.dumps(update(1, text="hi") | {"message": {
        "message_id": 1, "date": 1, "chat": "x"}}).encode(), 400, id="chat-a-string"),
    pytest.param(json.dumps(update(1, text=5)).encode(), 400, id="text-a-number"),
    pytest.param(json.dumps(update(1, text="x" * 100_000)).encode(), 413, id="100KB"),
    pytest.param(b"\xff\xfe{}", 400, id="not-utf-8"),
])
def test_odd_payloads_get_a_4xx_and_store_nothing(refusing: TestClient, content: bytes,
                                                  status: int) -> None:
    answer = refusing.post("/webhooks/telegram", content=content, headers={
        "X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"})
    assert answer.status_code == status and messages(engine_of(refusing)) == []


def test_a_bot_no_school_has_registered_is_not_found(
        migrated_sqlite: Path, tmp_path: Path, telegram_api: FakeTelegram) -> None:
    url = copy_of(seed_school(migrated_sqlite, tmp_path, monday_morning(), {}), tmp_path)
    app = create_app(telegram_settings(url, telegram_api.url), clock=monday_morning())
    with TestClient(app) as client:
        assert post(client, update(1, text="hello")).status_code == 404


def test_telegram_without_its_secret_stays_off_and_says_so(
        database: str, telegram_api: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    settings = telegram_settings(database, telegram_api.url, telegram_secret=None)
    with caplog.at_level(logging.WARNING), TestClient(create_app(settings)) as client:
        answer = post(client, update(1, text="hello"), secret=None)
    assert "channel telegram stays off: ROLLCALL_TELEGRAM_SECRET not set" in caplog.text
    assert answer.status_code == 404 and messages(engine_of(client)) == []


def test_set_webhook_registers_the_public_url_with_the_secret(
        telegram_api: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"ROLLCALL_TELEGRAM_TOKEN": TOKEN, "ROLLCALL_TELEGRAM_SECRET": SECRET,
           "ROLLCALL_PUBLIC_URL": PUBLIC_URL + "/", "ROLLCALL_TELEGRAM_API_BASE": telegram_api.url}
    result = CliRunner().invoke(cli, ["telegram", "set-webhook"], env=env)
    assert result.exit_code == 0, result.output
    assert f"{PUBLIC_URL}/webhooks/telegram" in result.output
    assert telegram_api.calls("setWebhook") == [{
        "url": f"{PUBLIC_URL}/webhooks/telegram", "secret_token": SECRET,
        "allowed_updates": ["message"]}]


def test_set_webhook_says_which_setting_is_missing(
        telegram_api: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"ROLLCALL_TELEGRAM_TOKEN": TOKEN, "ROLLCALL_PUBLIC_URL": PUBLIC_URL,
           "ROLLCALL_TELEGRAM_API_BASE": telegram_api.url, "ROLLCALL_TELEGRAM_SECRET": ""}
    result = CliRunner().invoke(cli, ["telegram", "set-webhook"], env=env)
    assert result.exit_code == 2 and "ROLLCALL_TELEGRAM_SECRET" in result.output
    assert telegram_api.requests == []


@pytest.fixture
def racing(engine: Engine, telegram_api: FakeTelegram) -> Iterator[TestClient]:
    """The app on a seeded database of either kind (PostgreSQL under `-m postgres`), for
    updates that race each other."""
    url = seed(engine, monday_morning(), {ChannelKind.telegram: str(BOT_ID)})
    app = create_app(telegram_settings(url, telegram_api.url), clock=monday_morning())
    with TestClient(app) as client:
        yield client


def test_one_update_delivered_several_times_at_once_is_stored_and_answered_once(
        racing: TestClient, telegram_api: FakeTelegram) -> None:
    chats = [CHAT, CHAT + 1, CHAT + 2]  # new chats: the race is on beginning the thread
    for n, chat in enumerate(chats, start=1):
        body = update(n, chat=chat, text="Millie is off sick today")
        answers = at_once(*[partial(post, racing, body)] * 3)
        assert [a.status_code for a in answers] == [200, 200, 200]
    stored = messages(engine_of(racing))
    assert sorted(m.provider_id or "" for m in stored if m.direction == "incoming") == [
        "tg-1", "tg-2", "tg-3"]
    threads = [m.conversation_id for m in stored if m.direction == "outgoing"]
    assert len(threads) == len(set(threads)) == len(chats)
    assert sorted(int(r["chat_id"]) for r in replies(telegram_api, 3)) == chats


def test_updates_arriving_out_of_order_are_each_handled(
        client: TestClient, telegram_api: FakeTelegram) -> None:
    with Session(engine_of(client)) as session:
        sarah = session.exec(select(Contact).where(Contact.mobile == SARAH)).one()
        code = create_code(session, sarah, monday_morning()()).code
        session.commit()
    # Telegram numbers updates in order but may deliver them in any order (up to 40
    # connections at once, and retries); the ids are not a clock to check them against.
    for update_id, text in [(12, "Jack is off sick today, back tomorrow"),
                            (10, f"/start {code}"),
                            (11, "Millie has a dentist appointment at 10, in after")]:
        assert post(client, update(update_id, text=text)).status_code == 200
    stored = [m for m in messages(engine_of(client)) if m.direction == "incoming"]
    assert [m.provider_id for m in stored] == ["tg-12", "tg-10", "tg-11"]
    texts = [r["text"] for r in replies(telegram_api, 3)]
    assert texts[0].startswith("To link this Telegram account")  # 12 came before the link
    assert texts[1].startswith("Welcome!")
    assert "Amelia Smith" in texts[2]

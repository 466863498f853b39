"""Parents' SMS and WhatsApp messages through Twilio's webhook, and delivery reports.

Requests are signed as Twilio signs them (the twilio library's own RequestValidator); the
bot's replies leave through the real twilio client to a stand-in for Twilio's API.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine
from sqlmodel import Session
from twilio.request_validator import RequestValidator

from bot.app import create_app
from core.conversation_models import Message
from core.conversations import conversation_for, queue_reply
from core.models import ChannelKind, School
from core.settings import Settings
from tests.fakes.network import refuse_outside_connections
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.handlers.channel_app import (
    JAMES,
    PUBLIC_URL,
    SARAH,
    conversation,
    copy_of,
    engine_of,
    eventually,
    messages,
    monday_morning,
    seed_school,
)
from tests.handlers.fuzz_strategies import at_once, seed

SCHOOL_SMS = "+447700900500"
SCHOOL_WHATSAPP = "+447700900501"
ABSENCE = "Millie has a temperature, wont be in today. back weds hopefully"


@pytest.fixture(autouse=True)
def local_only(monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_outside_connections(monkeypatch)


@pytest.fixture
def twilio_api() -> Iterator[FakeTwilio]:
    with FakeTwilio().running() as fake:
        yield fake


def twilio_settings(url: str, api: str, **changes: object) -> Settings:
    values: dict[str, object] = {
        "database_url": url, "channels": ["sms", "whatsapp"], "public_url": PUBLIC_URL,
        "twilio_account_sid": ACCOUNT_SID, "twilio_auth_token": AUTH_TOKEN,
        "twilio_from": SCHOOL_SMS, "twilio_whatsapp_from": SCHOOL_WHATSAPP,
        "twilio_whatsapp_template_sid": "HX" + "ab" * 16, "twilio_api_base": api,
        "migrate_on_start": False}  # the copied file is migrated already
    return Settings(**(values | changes))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def seeded(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_school(migrated_sqlite, tmp_path_factory.mktemp("school"), monday_morning(),
                       {
        ChannelKind.sms: SCHOOL_SMS, ChannelKind.whatsapp: SCHOOL_WHATSAPP})


@pytest.fixture
def database(seeded: Path, tmp_path: Path) -> str:
    return copy_of(seeded, tmp_path)


@pytest.fixture
def client(database: str, twilio_api: FakeTwilio) -> Iterator[TestClient]:
    app = create_app(twilio_settings(database, twilio_api.url), clock=monday_morning())
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="module")
def refusing(seeded: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """One app for the tests where nothing may be stored or sent: the refusals."""
    url = copy_of(seeded, tmp_path_factory.mktemp("refusals"))
    app = create_app(twilio_settings(url, "http://127.0.0.1:9"), clock=monday_morning())
    with TestClient(app) as client:
        yield client


def sms(body: str = ABSENCE, sid: str = "SM" + "1" * 32, sender: str = SARAH,
        to: str = SCHOOL_SMS, **extra: str) -> dict[str, str]:
    """A message form as Twilio posts it (the fields Rollcall reads, and a few it doesn't)."""
    return {"ToCountry": "GB", "SmsMessageSid": sid, "NumMedia": "0", "SmsSid": sid,
            "SmsStatus": "received", "Body": body, "To": to, "NumSegments": "1",
            "MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender,
            "ApiVersion": "2010-04-01", **extra}


def signed_post(client: TestClient, path: str, fields: dict[str, str],
                token: str = AUTH_TOKEN, signed_url: str | None = None) -> Response:
    signature = RequestValidator(token).compute_signature(signed_url or PUBLIC_URL + path,
                                                          fields)
    return client.post(path, data=fields, headers={"X-Twilio-Signature": signature})


def test_a_parents_sms_is_stored_read_and_answered_by_sms(
        client: TestClient, twilio_api: FakeTwilio) -> None:
    answer = signed_post(client, "/webhooks/twilio", sms())
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/xml")
    assert answer.text == '<?xml version="1.0" encoding="UTF-8"?><Response />'
    [reply] = eventually(twilio_api.messages)
    assert reply["To"] == SARAH and reply["From"] == SCHOOL_SMS
    assert reply["Body"].startswith("Thanks. Amelia Smith is recorded as absent today")
    assert reply["StatusCallback"] == f"{PUBLIC_URL}/webhooks/twilio/status"
    # The fake provider may answer before the outbox has recorded the send: wait for both.
    incoming, outgoing = eventually(lambda: (lambda done: done if len(done) == 2 else None)(
        [m for m in messages(engine_of(client)) if m.status != "queued"]))
    assert (incoming.channel, incoming.provider_id, incoming.status, incoming.body) == (
        "sms", "SM" + "1" * 32, "handled", ABSENCE)
    assert '"AccountSid"' in (incoming.raw or "")
    assert (outgoing.status, outgoing.body) == ("sent", reply["Body"])
    assert outgoing.provider_id and outgoing.provider_id.startswith("SM")


@pytest.mark.parametrize("signature", [
    pytest.param({}, id="missing"),
    pytest.param({"token": "not-the-auth-token"}, id="another-token"),
    pytest.param({"signed_url": "http://testserver/webhooks/twilio"}, id="the-internal-url"),
    pytest.param({"signed_url": PUBLIC_URL + "/webhooks/twilio/other"}, id="another-path"),
])
def test_an_unsigned_or_badly_signed_message_is_refused_unread(
        refusing: TestClient, signature: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fields = sms(body="secret about Millie")
    if signature:
        answer = signed_post(refusing, "/webhooks/twilio", fields, **signature)
    else:
        answer = refusing.post("/webhooks/twilio", data=fields)
    assert answer.status_code == 403
    assert messages(engine_of(refusing)) == []
    assert "signature" in caplog.text and "secret about Millie" not in caplog.text


def test_a_tampered_body_breaks_the_signature(refusing: TestClient) -> None:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(
        PUBLIC_URL + "/webhooks/twilio", sms(body="hello"))
    answer = refusing.post("/webhooks/twilio", data=sms(body="something else"),
                         headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 403 and messages(engine_of(refusing)) == []


def test_the_same_message_sid_twice_is_handled_once(
        client: TestClient, twilio_api: FakeTwilio) -> None:
    first = signed_post(client, "/webhooks/twilio", sms())
    again = signed_post(client, "/webhooks/twilio", sms())
    assert first.status_code == again.status_code == 200
    eventually(twilio_api.messages)
    # The fake answers before the outbox records the send: wait for the record too.
    stored = eventually(lambda: (lambda done: done if len(done) == 2 else None)(
        [m for m in messages(engine_of(client)) if m.status != "queued"]))
    assert [m.direction for m in stored] == ["incoming", "outgoing"]
    assert len(twilio_api.messages()) == 1


def test_whatsapp_messages_come_and_go_as_whatsapp(
        client: TestClient, twilio_api: FakeTwilio) -> None:
    fields = sms(sender=f"whatsapp:{SARAH}", to=f"whatsapp:{SCHOOL_WHATSAPP}",
                 sid="SM" + "2" * 32)
    assert signed_post(client, "/webhooks/twilio", fields).status_code == 200
    [reply] = eventually(twilio_api.messages)
    assert (reply["To"], reply["From"]) == (f"whatsapp:{SARAH}", f"whatsapp:{SCHOOL_WHATSAPP}")
    assert reply["Body"].startswith("Thanks. Amelia Smith") and "ContentSid" not in reply
    assert conversation(engine_of(client), SARAH).channel == "whatsapp"


def test_photos_sent_with_a_message_are_kept_in_order(client: TestClient) -> None:
    fields = sms(body="Here's the doctor's note", NumMedia="2",
                 MediaUrl1="https://api.twilio.com/media/second",
                 MediaContentType0="image/jpeg", MediaUrl0="https://api.twilio.com/media/first")
    assert signed_post(client, "/webhooks/twilio", fields).status_code == 200
    incoming = messages(engine_of(client))[0]
    assert incoming.media == ('["https://api.twilio.com/media/first", '
                              '"https://api.twilio.com/media/second"]')


def test_a_message_to_a_number_no_school_has_is_not_found(refusing: TestClient) -> None:
    answer = signed_post(refusing, "/webhooks/twilio", sms(to="+447700900599"))
    assert answer.status_code == 404 and messages(engine_of(refusing)) == []


@pytest.mark.parametrize("fields, status", [
    pytest.param({k: v for k, v in sms().items() if k != "From"}, 400, id="no-From"),
    pytest.param({k: v for k, v in sms().items() if k != "MessageSid"}, 400, id="no-sid"),
    pytest.param(sms(sender="hello"), 400, id="From-not-a-number"),
    pytest.param(sms(sender=f"whatsapp:{SARAH}"), 400, id="mixed-channels"),
    pytest.param(sms(sid="SM" + "9" * 100), 400, id="sid-too-long"),
    pytest.param({"Body": "x"}, 400, id="almost-empty"),
])
def test_a_signed_form_without_what_a_message_has_is_a_clear_400(
        refusing: TestClient, fields: dict[str, str], status: int) -> None:
    answer = signed_post(refusing, "/webhooks/twilio", fields)
    assert answer.status_code == status and answer.json()["detail"]
    assert messages(engine_of(refusing)) == []


@pytest.mark.parametrize("content, content_type, status", [
    pytest.param(b"Body=" + b"x" * 100_000, "application/x-www-form-urlencoded", 413,
                 id="100KB"),
    pytest.param(b'{"Body": "hi"}', "application/json", 415, id="json"),
    pytest.param(b"Body=%FF%FE&From=%2B447700900001", "application/x-www-form-urlencoded", 400,
                 id="escaped-latin-1"),
    pytest.param(b"Body=\xff\xfe", "application/x-www-form-urlencoded", 400, id="raw-latin-1"),
    pytest.param("&".join(f"f{i}=1" for i in range(500)).encode(),
                 "application/x-www-form-urlencoded", 400, id="500-fields"),
    pytest.param(b"", "", 415, id="nothing"),
])
def test_odd_bodies_get_a_4xx_before_anything_else(
        refusing: TestClient, content: bytes, content_type: str, status: int) -> None:
    answer = refusing.post("/webhooks/twilio", content=content,
                         headers={"Content-Type": content_type, "X-Twilio-Signature": "x"})
    assert answer.status_code == status
    assert messages(engine_of(refusing)) == []


def queue_sent_sms(engine: Engine, sid: str) -> int:
    """An SMS the outbox sent to Sarah, now waiting for Twilio's reports."""
    clock = monday_morning()
    with Session(engine) as session:
        school = session.get(School, 1)
        assert school is not None and school.id is not None
        thread = conversation_for(session, school.id, ChannelKind.sms, SARAH, clock())
        message = queue_reply(session, thread, "Which child is this about?", now=clock())
        message.status, message.provider_id = "sent", sid
        session.commit()
        assert message.id is not None
        return message.id


def status_of(engine: Engine, message_id: int) -> tuple[str, str | None]:
    with Session(engine) as session:
        message = session.get(Message, message_id)
        assert message is not None
        return message.status, message.error


def report(client: TestClient, sid: str, status: str, **extra: str) -> int:
    fields = {"MessageSid": sid, "MessageStatus": status, "AccountSid": ACCOUNT_SID,
              "From": SCHOOL_SMS, "To": SARAH, "ApiVersion": "2010-04-01", **extra}
    return signed_post(client, "/webhooks/twilio/status", fields).status_code


def test_delivery_reports_move_a_message_forward_and_never_back(client: TestClient) -> None:
    sid = "SM" + "3" * 32
    message_id = queue_sent_sms(engine_of(client), sid)
    assert report(client, sid, "sent") == 200
    assert status_of(engine_of(client), message_id) == ("sent", None)
    assert report(client, sid, "delivered") == 200
    for late in ("sent", "queued", "sending", "delivered"):  # out of order, or repeated
        assert report(client, sid, late) == 200
    assert status_of(engine_of(client), message_id) == ("delivered", None)
    assert conversation(engine_of(client), SARAH).status == "open"


@pytest.mark.parametrize("status", ["failed", "undelivered"])
def test_a_failed_delivery_puts_the_thread_in_front_of_staff(
        client: TestClient, status: str) -> None:
    sid = "SM" + "4" * 32
    message_id = queue_sent_sms(engine_of(client), sid)
    assert report(client, sid, status, ErrorCode="21610") == 200
    stored, error = status_of(engine_of(client), message_id)
    assert stored == status and error is not None and "21610" in error and "STOP" in error
    assert conversation(engine_of(client), SARAH).status == "needs_attention"
    assert report(client, sid, "delivered") == 200  # a failure is final
    assert status_of(engine_of(client), message_id)[0] == status


def test_a_report_on_a_message_we_do_not_know_is_acknowledged_and_ignored(
        client: TestClient) -> None:
    assert report(client, "SM" + "5" * 32, "delivered") == 200
    assert report(client, "SM" + "5" * 32, "something-new") == 200
    assert messages(engine_of(client)) == []


def test_reports_must_be_signed_and_complete(client: TestClient) -> None:
    sid = "SM" + "6" * 32
    message_id = queue_sent_sms(engine_of(client), sid)
    fields = {"MessageSid": sid, "MessageStatus": "failed"}
    assert client.post("/webhooks/twilio/status", data=fields).status_code == 403
    assert signed_post(client, "/webhooks/twilio/status",
                       {"MessageSid": sid}).status_code == 400
    assert status_of(engine_of(client), message_id) == ("sent", None)


def test_a_channel_without_its_credentials_stays_off_and_says_which(
        database: str, twilio_api: FakeTwilio, caplog: pytest.LogCaptureFixture) -> None:
    settings = twilio_settings(database, twilio_api.url, twilio_auth_token=None,
                               channels=["sms"])
    with caplog.at_level(logging.WARNING), TestClient(create_app(settings)) as client:
        answer = client.post("/webhooks/twilio", data=sms())
    assert "channel sms stays off: ROLLCALL_TWILIO_AUTH_TOKEN not set" in caplog.text
    assert answer.status_code == 404 and messages(engine_of(client)) == []


def test_whatsapp_is_refused_when_only_sms_is_on(database: str,
                                                 twilio_api: FakeTwilio) -> None:
    settings = twilio_settings(database, twilio_api.url, channels=["sms"])
    with TestClient(create_app(settings, clock=monday_morning())) as client:
        answer = signed_post(client, "/webhooks/twilio", sms(
            sender=f"whatsapp:{SARAH}", to=f"whatsapp:{SCHOOL_WHATSAPP}"))
    assert answer.status_code == 404 and messages(engine_of(client)) == []


@pytest.fixture
def racing(engine: Engine, twilio_api: FakeTwilio) -> Iterator[TestClient]:
    """The app on a seeded database of either kind (PostgreSQL under `-m postgres`), for
    deliveries that race each other."""
    url = seed(engine, monday_morning(), {ChannelKind.sms: SCHOOL_SMS})
    app = create_app(twilio_settings(url, twilio_api.url, channels=["sms"]),
                     clock=monday_morning())
    with TestClient(app) as client:
        yield client


def test_one_message_delivered_several_times_at_once_is_stored_and_answered_once(
        racing: TestClient, twilio_api: FakeTwilio) -> None:
    # Parents with a thread to start (the race is on beginning it), known and unknown.
    senders = [SARAH, JAMES, "+447700900601", "+447700900602"]
    for n, sender in enumerate(senders):
        fields = sms(sid=f"SM{n:032d}", sender=sender)
        answers = at_once(*[partial(signed_post, racing, "/webhooks/twilio", fields)] * 3)
        assert [a.status_code for a in answers] == [200, 200, 200]
    stored = messages(engine_of(racing))
    assert sorted(m.provider_id or "" for m in stored if m.direction == "incoming") == [
        f"SM{n:032d}" for n in range(len(senders))]
    replies = [m.conversation_id for m in stored if m.direction == "outgoing"]
    assert sorted(replies) == sorted(set(replies)) and len(replies) == len(senders)
    sent = eventually(lambda: (lambda done: done if len(done) >= 4 else None)(
        twilio_api.messages()))
    assert sorted(m["To"] for m in sent) == sorted(senders)


def test_a_delivery_report_that_overtakes_our_record_of_the_send_is_not_lost(
        client: TestClient, twilio_api: FakeTwilio) -> None:
    # Twilio can call back before its answer to our API call reaches us, so before the
    # outbox has written down the message's sid.
    sid = "SM" + "7" * 32
    twilio_api.then_answer(201, {"sid": sid, "status": "queued", "to": SARAH, "body": "",
                                 "account_sid": ACCOUNT_SID}, delay=0.5)
    assert signed_post(client, "/webhooks/twilio", sms()).status_code == 200
    eventually(twilio_api.messages)  # the send is on its way, its answer held back
    assert report(client, sid, "delivered") == 200
    [outgoing] = [m for m in messages(engine_of(client)) if m.direction == "outgoing"]
    assert outgoing.id is not None
    assert status_of(engine_of(client), outgoing.id) == ("delivered", None)
    assert report(client, sid, "sent") == 200  # and a late "sent" does not take it back
    assert status_of(engine_of(client), outgoing.id) == ("delivered", None)

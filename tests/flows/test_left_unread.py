"""Messages a process stored but never read, because it stopped between the two commits
(killed mid-batch, or its database gone for a moment), are read by the next tick: each as at
the moment it arrived, once, and never twice with a slow first reader; one left too long goes
to staff unanswered."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.handlers.telegram import inbound_from_raw
from bot.inbox import read_stored
from bot.unread import NOT_READ, OVERTAKEN, read_left_behind
from core.clock import FixedClock
from core.conversations import Stored
from core.inbound_batches import store_many
from core.models import ChannelKind, Contact, School
from core.schools import set_channel_address
from tests.flows.harness import BotHarness

SARAH, JAMES = "+447700900001", "+447700900002"
STRANGER = "+447700900999"


@pytest.fixture
def bot(session: Session, school: School, clock: FixedClock) -> BotHarness:
    return BotHarness(session, school, clock).at("2026-11-23 07:50")


def test_messages_a_stopped_process_stored_but_never_read_are_read_by_the_tick(
        bot: BotHarness) -> None:
    # The process stored the batch, then stopped before reading it (killed mid-batch).
    store_many(bot.session, [bot.text(SARAH, "Jack has a temp, back tomorrow"),
                             bot.text(STRANGER, "hello?")], bot.clock)
    assert read_left_behind(bot.session, bot.clock) == 0  # its reader may still be at it
    assert bot.replies(SARAH) == [] and bot.reports() == []
    bot.later(3)
    assert read_left_behind(bot.session, bot.clock) == 2
    assert bot.replies(SARAH) == [
        "Thanks. Jack Smith is recorded as absent today (Mon 23 Nov) with illness, expected "
        "back Tue 24 Nov. Reply CHANGE if that's wrong."]
    assert bot.replies(STRANGER)[0].startswith("Sorry, we could not match this number")
    assert [(name, status) for name, *_, status in bot.reports()] == [("Jack", "confirmed")]
    # Every process's tick looks: nobody is answered twice.
    assert read_left_behind(bot.session, bot.clock) == 0
    assert bot.replies(SARAH) == [] and bot.replies(STRANGER) == []


def test_a_message_read_by_the_tick_is_not_read_again_by_its_slow_first_reader(
        engine: Engine, bot: BotHarness) -> None:
    with Session(engine) as first:
        first.expire_on_commit = False
        stored = store_many(first, [bot.text(SARAH, "Jack has a temp, back tomorrow")],
                            bot.clock)
        bot.later(3)
        assert read_left_behind(bot.session, bot.clock) == 1  # the tick got there first
        assert len(bot.replies(SARAH)) == 1
        (item,) = stored
        assert isinstance(item, Stored)
        assert read_stored(first, [(item, bot.text(SARAH, item.message.body))],
                           bot.clock) == 0
    assert bot.replies(SARAH) == [] and len(bot.reports()) == 1


def test_a_message_left_unread_is_read_as_at_the_moment_it_arrived(bot: BotHarness) -> None:
    bot.at("2026-11-23 23:58")  # Monday, just before midnight
    bot.say(SARAH, "Jack is off sick today, back Wednesday")
    store_many(bot.session, [bot.text(JAMES, "Millie is off sick today, back Wednesday")],
               bot.clock)
    bot.later(3)  # Tuesday 00:01: the tick finds James's message unread
    assert read_left_behind(bot.session, bot.clock) == 1
    (jack, millie) = bot.reports()
    assert (millie[0], millie[3:5]) == ("Amelia", jack[3:5])  # the same days as Sarah's


def test_a_message_left_unread_too_long_goes_to_staff_unanswered(bot: BotHarness) -> None:
    store_many(bot.session, [bot.text(SARAH, "Jack is off sick today")], bot.clock)
    bot.later(45)
    assert read_left_behind(bot.session, bot.clock) == 1
    (message,) = bot.messages(SARAH)
    assert (message.status, message.error) == ("for_staff", NOT_READ)
    assert bot.conversation(SARAH).status == "needs_attention"
    assert bot.replies(SARAH) == [] and bot.reports() == []
    assert read_left_behind(bot.session, bot.clock) == 0


def test_left_unread_messages_count_towards_the_flood_limit_only_in_their_own_minute(
        bot: BotHarness) -> None:
    store_many(bot.session, [bot.text(STRANGER, "hello?")], bot.clock)
    for n in range(13):  # Sarah writes a lot over the next minutes, each read at once
        bot.later(0) if n % 5 else bot.later(1)
        bot.say(SARAH, f"note {n}")
    bot.later(2)
    store_many(bot.session, [bot.text(SARAH, "Jack is off sick today, back tomorrow")],
               bot.clock)
    bot.replies(SARAH)
    bot.later(3)
    assert read_left_behind(bot.session, bot.clock) == 2
    last = bot.messages(SARAH)[-2]  # the report, then the bot's answer to it
    assert (last.body, last.status) == ("Jack is off sick today, back tomorrow", "handled")
    assert len(bot.replies(SARAH)) == 1


def test_a_shared_number_left_unread_still_links_the_telegram_account(
        bot: BotHarness) -> None:
    set_channel_address(session=bot.session, school=bot.school, channel=ChannelKind.telegram,
                        address="777")
    bot.session.commit()
    chat = 5550002
    update = {"update_id": 41, "message": {
        "message_id": 41, "date": 1795420200,
        "from": {"id": chat, "is_bot": False, "first_name": "James"},
        "chat": {"id": chat, "first_name": "James", "type": "private"},
        "contact": {"phone_number": JAMES.removeprefix("+"), "first_name": "James",
                    "user_id": chat}}}
    inbound = inbound_from_raw(json.dumps(update))
    assert inbound is not None and inbound.shared_phone == JAMES
    store_many(bot.session, [replace(inbound, to="777")], bot.clock)
    bot.later(3)
    assert read_left_behind(bot.session, bot.clock) == 1
    james = bot.session.exec(select(Contact).where(Contact.mobile == JAMES)).one()
    assert james.telegram_chat_id == chat
    assert bot.replies(str(chat))[0].startswith("Welcome!")


def test_a_message_left_unread_after_which_the_parent_wrote_again_goes_to_staff(
        bot: BotHarness) -> None:
    store_many(bot.session, [bot.text(SARAH, "Jack is off sick today, back Wednesday")],
               bot.clock)  # its process stopped before reading it
    bot.later(1)
    bot.say(SARAH, "Jack is off sick today, back tomorrow")  # answered at once
    bot.replies(SARAH)
    bot.later(2)
    assert read_left_behind(bot.session, bot.clock) == 1
    first = bot.messages(SARAH)[0]
    assert (first.status, first.error) == ("for_staff", OVERTAKEN)
    assert bot.replies(SARAH) == []  # the correction the parent made stands
    assert [(name, back) for name, _, _, _, back, _ in bot.reports()] == [
        ("Jack", "2026-11-24")]
    assert bot.conversation(SARAH).status == "needs_attention"

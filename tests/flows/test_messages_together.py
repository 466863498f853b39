"""Messages that arrive at the same moment are stored and read as one batch (a busy web
process does this at 09:30): every parent is answered exactly as if they had written alone,
and nothing one message does wrong holds up or loses another. (What a process that stops
between storing and reading leaves behind: test_left_unread.py.)"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.delivery import InboundQueue
from bot.inbox import Received, receive_many
from bot.metrics import REGISTRY
from core.clock import FixedClock
from core.conversation_models import Message
from core.conversations import UnknownAddress
from core.models import School
from tests.flows.harness import BotHarness

SARAH, JAMES, ELENA = "+447700900001", "+447700900002", "+40712345678"
STRANGER = "+447700900999"
READ_FAILED = "the bot could not read this message"


@pytest.fixture
def bot(session: Session, school: School, clock: FixedClock) -> BotHarness:
    return BotHarness(session, school, clock).at("2026-11-23 07:50")


def test_parents_writing_at_once_are_each_answered_as_if_alone(bot: BotHarness) -> None:
    outcomes = bot.together(
        bot.text(SARAH, "Millie has a temperature, wont be in today. back weds hopefully"),
        bot.text(ELENA, "Stefan is sick today, he have fever"),
        bot.text(JAMES, "Jack has a dentist appointment at 10, will be in after"))
    assert all(isinstance(outcome, Received) for outcome in outcomes)
    assert bot.replies(SARAH) == [
        "Thanks. Amelia Smith is recorded as absent today (Mon 23 Nov) with illness, "
        "expected back Wed 25 Nov. Reply CHANGE if that's wrong."]
    assert bot.replies(ELENA)[0].startswith("Când se întoarce Stefan Radu la școală?")
    (james,) = bot.replies(JAMES)
    assert "Jack Smith" in james
    assert [(name, code) for name, _, code, *_ in bot.reports()] == [
        ("Amelia", "I"), ("Stefan", "I"), ("Jack", "M")]


def test_a_parents_second_message_in_the_batch_follows_on_from_the_first(
        bot: BotHarness) -> None:
    bot.together(bot.text(SARAH, "Not coming in today, poorly"), bot.text(SARAH, "2"))
    assert bot.replies(SARAH) == [
        "Which child is this about? Reply with the number:\n1. Amelia Smith\n2. Jack Smith\n"
        'Or reply "all" if it is all of them.',
        'When do you expect Jack Smith back in school? Reply with a day, such as "Thursday", '
        'or "don\'t know".']


def test_a_retry_a_stranger_and_a_wrong_address_in_one_batch(bot: BotHarness) -> None:
    report = "Jack has a temp, back tomorrow"
    outcomes = bot.together(
        bot.text(SARAH, report, provider_id="SM1"),
        bot.text(SARAH, report, provider_id="SM1"),  # the provider retried at once
        bot.text(STRANGER, "Is Amelia in today?"),
        bot.text(SARAH, report, to="no-such-school"))
    assert [type(outcome) for outcome in outcomes] == [
        Received, type(None), Received, UnknownAddress]
    assert [m.body for m in bot.messages(SARAH) if m.direction == "incoming"] == [report]
    assert len(bot.replies(SARAH)) == 1 and len(bot.reports()) == 1
    (reply,) = bot.replies(STRANGER)
    assert reply.startswith("Sorry, we could not match this number") and "Amelia" not in reply
    # Sent again later, the stored message is still recognised.
    assert bot.together(bot.text(SARAH, report, provider_id="SM1")) == [None]


def test_a_message_the_bot_fails_on_does_not_hold_up_the_others(bot: BotHarness) -> None:
    bot.say(SARAH, "Not coming in today, poorly")
    bot.replies(SARAH)
    thread = bot.conversation(SARAH)
    thread.flow_state = "{not json"  # a thread whose stored state is broken
    bot.session.add(thread)
    bot.session.commit()
    bot.together(bot.text(SARAH, "2"), bot.text(JAMES, "Jack has a temp, back tomorrow"))
    assert len(bot.replies(JAMES)) == 1
    assert [(name, status) for name, *_, status in bot.reports()] == [("Jack", "confirmed")]
    last = bot.messages(SARAH)[-1]
    assert (last.body, last.status, last.error) == ("2", "for_staff", READ_FAILED)
    assert bot.conversation(SARAH).status == "needs_attention"
    assert bot.replies(SARAH) == []


def test_a_message_another_process_stores_at_the_same_instant_is_stored_once(
        engine: Engine, bot: BotHarness) -> None:
    bot.say(SARAH, "Jack has a temp, back tomorrow")
    bot.say(JAMES, "Millie is off sick today")
    bot.replies(SARAH), bot.replies(JAMES)
    thread_id = bot.conversation(SARAH).id
    # Another process has the same message half-stored: not committed yet, so the batch
    # does not see it when it looks for retries, and its own insert then waits on it.
    other = Session(engine)
    other.add(Message(school_id=bot.school.id, conversation_id=thread_id,
                      direction="incoming", author="parent", channel="simulator",
                      provider_id="SM-race", body="back thursday", status="received",
                      created_at=bot.clock(), updated_at=bot.clock()))
    other.flush()
    outcomes: list[object] = []

    def batch() -> None:
        with Session(engine) as session:
            outcomes.extend(receive_many(session, [
                bot.text(SARAH, "back thursday", provider_id="SM-race"),
                bot.text(JAMES, "she's back tomorrow")], bot.clock))

    worker = threading.Thread(target=batch)
    worker.start()
    time.sleep(0.5)
    other.commit()
    other.close()
    worker.join(timeout=30)
    assert not worker.is_alive()
    assert [type(outcome) for outcome in outcomes] == [type(None), Received]
    bot.session.expire_all()
    stored = bot.session.exec(select(Message.body).where(
        Message.provider_id == "SM-race")).all()
    assert stored == ["back thursday"]
    assert len(bot.replies(JAMES)) == 1


def test_messages_a_web_process_has_in_hand_at_once_are_read_as_one_batch(
        engine: Engine, bot: BotHarness) -> None:
    parents = [SARAH, JAMES, ELENA] + [f"+4477009001{n:02d}" for n in range(7)]
    queue = InboundQueue(engine, bot.clock, threads=1)
    batches = _sample("rollcall_inbound_batch_messages_count")
    texts = _sample("rollcall_inbound_batch_messages_sum")

    async def everyone_at_once() -> list[object]:
        return await asyncio.gather(*(queue.read(bot.text(number, "off sick today"))
                                      for number in parents))

    outcomes = asyncio.run(everyone_at_once())
    assert all(isinstance(outcome, Received) for outcome in outcomes)
    assert all(len(bot.replies(number)) == 1 for number in parents)
    # One batch of ten, as /metrics shows an operator.
    assert _sample("rollcall_inbound_batch_messages_count") == batches + 1
    assert _sample("rollcall_inbound_batch_messages_sum") == texts + len(parents)


def _sample(name: str) -> float:
    return REGISTRY.get_sample_value(name) or 0.0


def test_a_message_sent_just_after_the_last_one_was_answered_is_read_too(
        engine: Engine, bot: BotHarness) -> None:
    queue = InboundQueue(engine, bot.clock, threads=1)

    async def one_then_another() -> list[object]:
        first = await queue.read(bot.text(SARAH, "Jack is off sick today"))
        # At once, in the step the first answer arrives: the reader is just finishing.
        second = await queue.read(bot.text(JAMES, "Millie too"))
        return [first, second]

    outcomes = asyncio.run(asyncio.wait_for(one_then_another(), 30))  # not left waiting
    assert all(isinstance(outcome, Received) for outcome in outcomes)

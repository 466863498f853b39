"""Two messages from one parent at the same instant are read one after the other: the second
sees the conversation as the first left it, never a copy from before it."""

from __future__ import annotations

import threading
import time

from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.inbox import _THREAD_LOCKS, receive
from core.clock import FixedClock
from core.conversation_models import Conversation
from core.conversations import Inbound
from core.models import ChannelKind, School
from tests.flows.harness import BotHarness

SARAH = "+447700900001"


def test_a_message_waits_for_the_one_before_it_to_finish(
        engine: Engine, session: Session, school: School, clock: FixedClock) -> None:
    bot = BotHarness(session, school, clock).at("2026-11-23 07:50")
    bot.say(SARAH, "Not coming in today, poorly")
    assert bot.replies(SARAH)[0].startswith("Which child is this about?")
    thread_id = bot.conversation(SARAH).id

    # Another message of Sarah's is being handled: it holds the conversation and, when it
    # commits, will have closed the question (she wrote CANCEL).
    first = Session(engine)
    held = first.exec(select(Conversation).where(
        Conversation.id == thread_id).with_for_update()).one()
    lock = None
    if engine.dialect.name == "sqlite":  # one process: the service's own lock stands in
        lock = _THREAD_LOCKS[thread_id % len(_THREAD_LOCKS)]
        lock.acquire()
    held.flow, held.flow_state, held.status = None, "{}", "open"
    first.add(held)

    answered = threading.Event()

    def second() -> None:
        with Session(engine) as other:
            receive(other, Inbound(channel=ChannelKind.simulator, sender=SARAH,
                                   to=school.slug, text="2", provider_id="sim-at-once"), clock)
        answered.set()

    worker = threading.Thread(target=second)
    worker.start()
    time.sleep(0.5)
    assert not answered.is_set()  # waiting for the first message's commit
    first.commit()
    if lock is not None:
        lock.release()
    first.close()
    worker.join(timeout=30)
    assert answered.is_set()
    # "2" arrived after the question was closed: it is not taken as "Jack".
    assert not any("Jack Smith" in reply for reply in bot.replies(SARAH))

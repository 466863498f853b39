"""Outbox leases on real databases (SQLite, and PostgreSQL where the engine fixture marks it):
several processes share one outbox and no row is ever handed to two of them at once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlmodel import Session, select

from core.clock import FixedClock
from core.conversation_models import Message
from core.conversations import conversation_for, queue_reply
from core.models import ChannelKind, School
from core.outbox_claims import claim, record, record_sent, release
from core.schools import add_school

LEASE = timedelta(seconds=60)


def queue(session: Session, school: School, now: datetime, count: int,
          channel: ChannelKind = ChannelKind.sms) -> list[int]:
    """`count` replies queued to as many parents; their ids, oldest first."""
    assert school.id is not None
    ids = []
    for n in range(count):
        thread = conversation_for(session, school.id, channel, f"+4477009{n:05d}", now)
        message = queue_reply(session, thread, f"reply {n}", now=now)
        session.flush()
        assert message.id is not None
        ids.append(message.id)
    session.commit()
    return ids


def take(engine: Engine, owner: str, now: datetime, limit: int = 100,
         channels: tuple[str, ...] = ("sms",), per_school: int | None = None,
         skip: dict[str, list[int]] | None = None) -> list[int]:
    with engine.begin() as connection:
        return claim(connection, owner=owner, channels=channels, now=now,
                     lease_until=now + LEASE, limit=limit, per_school=per_school, skip=skip)


def mark_sent(engine: Engine, message_id: int, owner: str, now: datetime,
              provider_id: str) -> bool:
    with engine.begin() as connection:
        return record(connection, message_id=message_id, owner=owner, now=now, status="sent",
                      provider_id=provider_id)


def row(engine: Engine, message_id: int) -> Message:
    with Session(engine) as session:
        found = session.get(Message, message_id)
        assert found is not None
        return found


def test_a_claim_takes_the_oldest_due_rows_and_leases_them(
        engine: Engine, session: Session, school: School, clock: FixedClock) -> None:
    ids = queue(session, school, clock(), 5)
    assert take(engine, "worker-a", clock(), limit=3) == ids[:3]
    leased = row(engine, ids[0])
    assert (leased.lease_owner, leased.lease_until) == ("worker-a", clock() + LEASE)
    assert take(engine, "worker-b", clock()) == ids[3:]  # the rest, not the leased three
    assert take(engine, "worker-c", clock()) == []


def test_only_due_queued_outgoing_rows_on_the_senders_channels_are_claimed(
        engine: Engine, session: Session, school: School, clock: FixedClock) -> None:
    waiting, sent, backing_off = queue(session, school, clock(), 3)
    [telegram] = queue(session, school, clock(), 1, ChannelKind.telegram)
    for message_id, change in ((sent, {"status": "sent"}),
                               (backing_off, {"next_attempt_at": clock() + timedelta(
                                   seconds=10)})):
        message = session.get(Message, message_id)
        assert message is not None
        for name, value in change.items():
            setattr(message, name, value)
        session.add(message)
    session.commit()
    assert take(engine, "worker-a", clock()) == [waiting]
    assert take(engine, "worker-b", clock(), channels=("telegram",)) == [telegram]
    clock.advance(timedelta(seconds=10))
    assert take(engine, "worker-a", clock()) == [backing_off]


def test_two_owners_claiming_at_once_never_get_the_same_row(
        engine: Engine, session: Session, school: School, clock: FixedClock) -> None:
    ids = queue(session, school, clock(), 120)
    owners = [f"worker-{n}" for n in range(4)]
    got: dict[str, list[int]] = {owner: [] for owner in owners}
    start = threading.Barrier(len(owners))

    def work(owner: str) -> None:
        for _ in range(5):  # rounds of four claims at the same instant: 5 x 4 x 7 > 120
            start.wait()
            got[owner].extend(take(engine, owner, clock(), limit=7))

    threads = [threading.Thread(target=work, args=(owner,)) for owner in owners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    everything = [message_id for batch in got.values() for message_id in batch]
    assert sorted(everything) == ids  # each row once, none missed
    assert all(got.values())  # every owner had a share
    with Session(engine) as check:
        holders = {m.id: m.lease_owner for m in check.exec(select(Message)).all()}
    assert all(holders[m] == owner for owner, batch in got.items() for m in batch)


def test_an_expired_lease_is_claimed_again_by_another_owner(
        engine: Engine, session: Session, school: School, clock: FixedClock) -> None:
    [message_id] = queue(session, school, clock(), 1)
    assert take(engine, "dead-worker", clock()) == [message_id]
    clock.advance(LEASE - timedelta(seconds=1))
    assert take(engine, "worker-b", clock()) == []  # still leased: left alone
    clock.advance(timedelta(seconds=2))
    assert take(engine, "worker-b", clock()) == [message_id]
    assert row(engine, message_id).lease_owner == "worker-b"


def test_a_stale_owner_cannot_record_over_the_new_owner(
        engine: Engine, session: Session, school: School, clock: FixedClock) -> None:
    [message_id] = queue(session, school, clock(), 1)
    take(engine, "slow-worker", clock())
    clock.advance(LEASE + timedelta(seconds=1))
    take(engine, "worker-b", clock())
    assert mark_sent(engine, message_id, "slow-worker", clock(), "SM-late") is False
    assert row(engine, message_id).status == "queued"  # nothing of the stale attempt written
    assert mark_sent(engine, message_id, "worker-b", clock(), "SM-b") is True
    sent = row(engine, message_id)
    assert (sent.status, sent.provider_id, sent.attempts) == ("sent", "SM-b", 1)
    assert (sent.lease_owner, sent.lease_until) == (None, None)
    assert mark_sent(engine, message_id, "worker-b", clock(), "SM-again") is False  # once


def test_a_lapsed_lease_nobody_took_is_still_its_owners_to_finish(
        engine: Engine, session: Session, school: School, clock: FixedClock) -> None:
    [message_id] = queue(session, school, clock(), 1)
    take(engine, "slow-worker", clock())
    clock.advance(LEASE * 2)
    assert mark_sent(engine, message_id, "slow-worker", clock(), "SM-slow") is True
    assert take(engine, "worker-b", clock()) == []  # sent: nothing to send twice


def test_a_retry_is_recorded_and_the_row_waits_for_its_next_attempt(
        engine: Engine, session: Session, school: School, clock: FixedClock) -> None:
    [message_id] = queue(session, school, clock(), 1)
    take(engine, "worker-a", clock())
    with engine.begin() as connection:
        assert record(connection, message_id=message_id, owner="worker-a", now=clock(),
                      error="HTTP 500", next_attempt_at=clock() + timedelta(seconds=10))
    waiting = row(engine, message_id)
    assert (waiting.status, waiting.attempts, waiting.lease_owner) == ("queued", 1, None)
    assert take(engine, "worker-b", clock()) == []
    clock.advance(timedelta(seconds=10))
    assert take(engine, "worker-b", clock()) == [message_id]


def test_a_released_row_goes_back_unsent_without_counting_an_attempt(
        engine: Engine, session: Session, school: School, clock: FixedClock) -> None:
    ids = queue(session, school, clock(), 2)
    take(engine, "stopping-worker", clock())
    with engine.begin() as connection:
        assert release(connection, message_ids=ids, owner="someone-else") == 0
        assert release(connection, message_ids=ids, owner="stopping-worker") == 2
    assert [row(engine, m).attempts for m in ids] == [0, 0]
    assert take(engine, "worker-b", clock()) == ids


def test_a_claim_takes_a_few_of_each_schools_texts_so_no_school_holds_up_the_rest(
        engine: Engine, session: Session, school: School, clock: FixedClock) -> None:
    other, _ = add_school(session=session, clock=clock, name="Other Primary", slug="other")
    first = queue(session, school, clock(), 5)  # the first school's morning, all together
    second = queue(session, other, clock(), 3)
    assert take(engine, "worker-a", clock(), per_school=2) == first[:2] + second[:2]
    assert take(engine, "worker-b", clock(), per_school=2) == first[2:4] + second[2:]
    # A school whose number this worker is already sending at its rate is passed over.
    assert take(engine, "worker-c", clock(), skip={"sms": [school.id or 0]}) == []
    assert take(engine, "worker-c", clock(), skip={"telegram": [school.id or 0]}) == first[4:]


def test_a_batch_of_sends_is_recorded_only_where_each_owner_still_holds_the_row(
        engine: Engine, session: Session, school: School, clock: FixedClock) -> None:
    ids = queue(session, school, clock(), 3)
    take(engine, "slow-worker", clock(), limit=1)
    take(engine, "worker-a", clock())
    clock.advance(LEASE + timedelta(seconds=1))
    take(engine, "worker-b", clock(), limit=1)  # the slow worker's row, its lease lapsed
    with engine.begin() as connection:
        written = record_sent(connection, [
            (ids[0], "slow-worker", "SM-0", "sent"), (ids[1], "worker-a", "SM-1", "sent"),
            (ids[2], "worker-a", "SM-2", "delivered")], now=clock())
    assert written == {ids[1], ids[2]}
    assert [(m.status, m.provider_id, m.lease_owner) for m in (row(engine, i) for i in ids)] == [
        ("queued", None, "worker-b"), ("sent", "SM-1", None), ("delivered", "SM-2", None)]

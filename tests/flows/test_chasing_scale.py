"""The batched tick over twenty schools at once: every unexplained absence is chased once, no
parent gets two texts, siblings share one, the vulnerable reach the DSL, and cutting the work
into smaller transactions changes nothing. The bench's seed (bot.bench_chase) makes the
morning: families of one to three children, a tenth of them absent a second day, some
parents opted out, five ladders among the schools. Real databases, SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import Engine, delete
from sqlmodel import Session, col, select

from bot.bench_chase import DAY, seed
from core.attendance_models import ChaseAction, RegisterMark, StaffTask
from core.chasing import UNREACHABLE
from core.chasing_runner import TickResult, run_tick
from core.conversation_models import Conversation, Direction, Message
from core.models import Pupil, PupilContact, School
from core.policy import StepAction
from core.schools import school_policy

HALF_NINE = datetime.combine(DAY, time(9, 30), tzinfo=UTC)  # GMT in November: London time


def morning(engine: Engine) -> None:
    seed(engine, schools=20, pupils=600, absences=120, seed=11)


def texting_schools(session: Session) -> set[int]:
    """Schools whose ladder texts parents on the first day by half past nine."""
    return {s.id for s in session.exec(select(School)).all() if any(
        step.action is StepAction.message and step.day == 1 and step.at <= time(9, 30)
        for step in school_policy(s).escalation)}


def first_day_absentees(session: Session) -> dict[int, Pupil]:
    today = set(session.exec(select(RegisterMark.pupil_id).where(
        RegisterMark.day == DAY, RegisterMark.mark == "N")).all())
    before = set(session.exec(select(RegisterMark.pupil_id).where(
        col(RegisterMark.day) < DAY, RegisterMark.mark == "N")).all())
    pupils = session.exec(select(Pupil).where(col(Pupil.id).in_(today - before))).all()
    return {p.id: p for p in pupils if p.id is not None}


def chases(session: Session) -> list[tuple[Message, Conversation]]:
    return [(m, c) for m, c in session.exec(select(Message, Conversation).join(
        Conversation, col(Conversation.id) == Message.conversation_id).where(
        Message.author == "bot").order_by(col(Message.id))).all()]


def outcome(engine: Engine) -> tuple[set[tuple[int, int, str]], list[tuple[int, str, str]]]:
    """Every key the tick wrote, and every text: (school, address, body)."""
    with Session(engine) as session:
        keys = {(k.school_id, k.pupil_id, k.step) for k in session.exec(select(ChaseAction))}
        texts = sorted((c.school_id, c.address, m.body) for m, c in chases(session))
    return keys, texts


def forget_the_tick(engine: Engine) -> None:
    """Back to the seeded morning: nothing chased, no task, no thread but the opted-out ones."""
    with engine.begin() as connection:
        for table in (ChaseAction, Message, StaffTask):
            connection.execute(delete(table))
        connection.execute(delete(Conversation).where(col(Conversation.opted_out).is_(False)))


def test_every_unexplained_absence_at_twenty_schools_is_chased_once(engine: Engine) -> None:
    morning(engine)
    result = run_tick(engine, HALF_NINE)
    with Session(engine) as session:
        texting, absent = texting_schools(session), first_day_absentees(session)
        keys = list(session.exec(select(ChaseAction)).all())
        sent = chases(session)
        tasks = list(session.exec(select(StaffTask)).all())
        links = {(link.pupil_id, link.contact_id) for link in session.exec(
            select(PupilContact)).all()}
        everyone = {p.id: p for p in session.exec(select(Pupil)).all()}
    assert 10 <= len(texting) < 20 and len(absent) > 80  # the seed made a real morning
    per_pupil = Counter(k.pupil_id for k in keys if k.kind == "message" or k.step == UNREACHABLE)
    due = [p for p in absent.values() if p.school_id in texting]
    assert {per_pupil[p.id] for p in due} == {1}  # each chased once, or a call task instead
    assert Counter(c.id for _, c in sent).most_common(1)[0][1] == 1  # nobody texted twice
    named = defaultdict(list)
    for key in keys:
        if key.message_id is not None:
            named[key.message_id].append(key)
    for message, thread in sent:
        for key in named[message.id]:  # the text names its children, all of them the thread's
            assert key.school_id == thread.school_id == message.school_id
            assert (key.pupil_id, thread.contact_id) in links
            assert everyone[key.pupil_id].legal_last_name in message.body
    assert any(len(keys_) > 1 for keys_ in named.values())  # siblings got one text between them
    vulnerable = {p.id for p in absent.values()
                  if p.child_protection_plan or p.child_in_need or p.looked_after}
    assert vulnerable and Counter(t.pupil_id for t in tasks if t.role == "dsl") == Counter(
        vulnerable)
    assert all(k.message_id is not None or k.task_id is not None for k in keys)
    assert (result.chases, result.tasks) == (len(sent), len(tasks))
    assert run_tick(engine, HALF_NINE + timedelta(minutes=1)) == TickResult(0, 0, 0)


def test_a_transaction_per_school_does_what_one_big_batch_does(engine: Engine) -> None:
    morning(engine)
    small = run_tick(engine, HALF_NINE, batch_cases=1)
    one_by_one = outcome(engine)
    forget_the_tick(engine)
    assert run_tick(engine, HALF_NINE) == small
    assert outcome(engine) == one_by_one
    assert small.chases > 50


def test_families_who_answer_hear_no_more_and_the_others_move_up_the_ladder(
        engine: Engine) -> None:
    morning(engine)
    run_tick(engine, HALF_NINE)
    with Session(engine) as session:
        threads = [c for _, c in chases(session)]
        for thread in threads[::2]:  # half the parents write back at 09:45
            at = HALF_NINE + timedelta(minutes=15)
            session.add(Message(school_id=thread.school_id, conversation_id=thread.id,
                                direction=Direction.incoming.value, author="parent",
                                channel=thread.channel, body="He's poorly, sorry",
                                status="handled", created_at=at, updated_at=at))
        session.commit()
        answered = {c.id for c in threads[::2]}
        heard = {k.pupil_id for k, c in session.exec(select(ChaseAction, Conversation).join(
            Message, col(Message.id) == ChaseAction.message_id).join(
            Conversation, col(Conversation.id) == Message.conversation_id)).all()
            if c.id in answered}
        with_noon_step = {s.id for s in session.exec(select(School)).all() if any(
            step.name == "no-contact-day-1" for step in school_policy(s).escalation)}
        silent = {p.id for p in first_day_absentees(session).values()
                  if p.school_id in with_noon_step} - heard
    ten = run_tick(engine, HALF_NINE + timedelta(minutes=30))
    noon = run_tick(engine, HALF_NINE + timedelta(hours=2, minutes=30))
    with Session(engine) as session:
        later = list(session.exec(select(ChaseAction).where(
            col(ChaseAction.created_at) > HALF_NINE)).all())
    assert heard and ten.chases > 0 and noon.tasks > 0
    assert not {k.pupil_id for k in later} & heard  # nothing more for families who answered
    noon_tasks = Counter(k.pupil_id for k in later if k.step == "no-contact-day-1")
    assert noon_tasks == Counter(silent)  # everyone else's on the noon list, once


def test_a_school_closed_today_is_left_alone(engine: Engine) -> None:
    morning(engine)
    saturday = HALF_NINE + timedelta(days=5)
    with Session(engine) as session:  # every school's register says N on a Saturday too
        for mark in session.exec(select(RegisterMark).where(
                RegisterMark.mark == "N", RegisterMark.day == DAY)).all():
            session.add(RegisterMark(school_id=mark.school_id, pupil_id=mark.pupil_id,
                                     day=saturday.date(), session="AM", mark="N", source="mis",
                                     created_at=saturday, updated_at=saturday))
        session.commit()
    assert run_tick(engine, saturday) == TickResult(0, 0, 0)

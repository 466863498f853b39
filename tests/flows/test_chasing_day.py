"""A school morning under a fake clock: the register at 09:15, chases at 09:30, one family
answers and another does not, the next contact at 10:00, a task at 12:00, a home visit on day
two. The real conversation service, the real tick, a real database.

The Smiths (Sarah, then James) have Amelia and Jack; Elena Radu is Stefan's only contact and
Stefan has a child protection plan. The calendar is the corpus calendar (Mon 23 Nov 2026 is a
school day).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from core.attendance_models import ChaseAction, RegisterMark, StaffTask
from core.chasing_runner import run_tick
from core.clock import FixedClock
from core.models import Pupil, School
from core.policy import load_policy
from core.register_tasks import complete_task
from tests.flows.harness import BotHarness

SARAH, JAMES, ELENA = "+447700900001", "+447700900002", "+40712345678"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def bot(session: Session, school: School, clock: FixedClock) -> BotHarness:
    return BotHarness(session, school, clock)


def mark_absent(bot: BotHarness, day: date, *first_names: str) -> None:
    for pupil in bot.session.exec(select(Pupil).where(
            col(Pupil.legal_first_name).in_(first_names))).all():
        for session_ in ("AM",):
            bot.session.add(RegisterMark(school_id=bot.school.id, pupil_id=pupil.id, day=day,
                                         session=session_, mark="N", source="mis",
                                         created_at=bot.clock(), updated_at=bot.clock()))
    bot.session.commit()


def tick(bot: BotHarness, local: str) -> tuple[int, int]:
    bot.at(local)
    result = run_tick(bot.session.get_bind(), bot.clock())  # type: ignore[arg-type]
    bot.session.expire_all()
    return result.chases, result.tasks


def tasks(bot: BotHarness) -> list[tuple[str, str, str]]:
    rows = bot.session.exec(select(StaffTask, Pupil).join(
        Pupil, col(Pupil.id) == StaffTask.pupil_id).order_by(col(StaffTask.id))).all()
    return [(p.legal_first_name, t.role, t.status) for t, p in rows]


def test_a_whole_morning_of_chasing(bot: BotHarness) -> None:
    mark_absent(bot, date(2026, 11, 23), "Amelia", "Jack", "Stefan")
    assert tick(bot, "2026-11-23 09:29") == (0, 0)  # before the chase time: nothing

    assert tick(bot, "2026-11-23 09:30") == (2, 1)  # Sarah (both children), Elena; DSL task
    (chase,) = bot.replies(SARAH)
    assert chase == ("Example Primary: Millie Smith and Jack Smith are not in school today "
                     "and we have no reason for the absence. Please reply with the reason and "
                     "when you expect them back.")
    assert bot.replies(ELENA)[0].startswith("Example Primary: Stefan Radu nu este astăzi")
    assert tasks(bot) == [("Stefan", "dsl", "open")]  # child protection plan: DSL at once

    assert tick(bot, "2026-11-23 09:31") == (0, 0)  # run again: nothing twice
    assert tick(bot, "2026-11-23 09:45") == (0, 0)  # still waiting for Sarah

    assert tick(bot, "2026-11-23 10:00") == (1, 0)  # Sarah silent 30 minutes: James
    assert bot.replies(JAMES)[0].startswith("Example Primary: Millie Smith and Jack Smith")
    assert bot.replies(SARAH) == []

    bot.at("2026-11-23 10:12").say(JAMES, "sorry both poorly, back tomorrow")
    assert bot.replies(JAMES) == [
        "Thanks. Amelia Smith and Jack Smith are recorded as absent today (Mon 23 Nov) with "
        "illness, expected back Tue 24 Nov. Reply CHANGE if that's wrong."]

    assert tick(bot, "2026-11-23 12:00") == (0, 1)  # only Stefan: nobody answered for him
    assert tasks(bot) == [("Stefan", "dsl", "open"), ("Stefan", "attendance_officer", "open")]
    task = bot.session.exec(select(StaffTask).order_by(col(StaffTask.id).desc())).first()
    assert task is not None and task.title == "No contact made: risk-assess, consider a home visit"

    # Day two: Stefan is still absent with no reason.
    mark_absent(bot, date(2026, 11, 24), "Stefan")
    assert tick(bot, "2026-11-24 09:30") == (0, 1)
    assert tasks(bot)[-1] == ("Stefan", "attendance_officer", "open")
    last = bot.session.exec(select(StaffTask).order_by(col(StaffTask.id).desc())).first()
    assert last is not None and last.title == "Home visit by two staff, one of them SLT"


def test_a_report_before_the_chase_means_no_chase(bot: BotHarness) -> None:
    bot.at("2026-11-23 08:10").say(SARAH, "Jack has a temp, back tomorrow")
    bot.replies(SARAH)
    mark_absent(bot, date(2026, 11, 23), "Jack")
    assert tick(bot, "2026-11-23 09:30") == (0, 0)
    assert bot.replies(SARAH) == []


def test_a_report_arriving_cancels_a_chase_not_yet_sent(bot: BotHarness) -> None:
    mark_absent(bot, date(2026, 11, 23), "Jack")
    tick(bot, "2026-11-23 09:30")  # queued; the outbox has not run in this test
    bot.at("2026-11-23 09:31").say(SARAH, "Jack has a temp, back tomorrow")
    tick(bot, "2026-11-23 09:32")
    statuses = [(m.template, m.status) for m in bot.messages(SARAH) if m.direction ==
                "outgoing"]
    assert ("chase_first_day", "cancelled") in statuses


def test_nothing_is_sent_on_a_day_without_school(bot: BotHarness) -> None:
    mark_absent(bot, date(2026, 11, 27), "Jack")  # an INSET day in the corpus calendar
    assert tick(bot, "2026-11-27 09:30") == (0, 0)


def test_an_opted_out_parent_is_not_texted_and_the_next_contact_is(bot: BotHarness) -> None:
    bot.at("2026-11-20 18:00").say(SARAH, "STOP")
    mark_absent(bot, date(2026, 11, 23), "Jack")
    tick(bot, "2026-11-23 09:30")
    assert [m.template for m in bot.messages(SARAH)].count("chase_first_day") == 0
    assert bot.replies(JAMES)[0].startswith("Example Primary: Jack Smith is not in school")


def test_every_action_has_a_natural_key(bot: BotHarness) -> None:
    mark_absent(bot, date(2026, 11, 23), "Jack", "Stefan")
    tick(bot, "2026-11-23 09:30")
    keys = [(a.pupil_id, a.day, a.step) for a in bot.session.exec(select(ChaseAction))]
    assert len(keys) == len(set(keys)) == 3  # Jack's chase, Stefan's chase, Stefan's DSL task


def test_a_letter_on_day_three_says_since_when_and_for_how_long(bot: BotHarness) -> None:
    leesons = load_policy(REPO / "examples" / "policies" / "leesons.toml")
    bot.school.policy_json = leesons.model_dump_json(by_alias=True)
    bot.session.add(bot.school)
    bot.session.commit()
    for day in (date(2026, 11, 23), date(2026, 11, 24), date(2026, 11, 25)):
        mark_absent(bot, day, "Jack")
    tick(bot, "2026-11-25 09:30")
    letter = bot.session.exec(select(StaffTask).where(StaffTask.kind == "letter")).one()
    assert letter.details is not None
    assert "not been in school since 23 November 2026 (3 school days)" in letter.details
    assert "Dear Sarah Smith" in letter.details


def test_a_call_that_reached_the_family_stops_the_no_contact_steps(bot: BotHarness) -> None:
    mark_absent(bot, date(2026, 11, 23), "Stefan")
    tick(bot, "2026-11-23 09:30")  # Elena texted; the DSL told (child protection plan)
    dsl_task = bot.session.exec(select(StaffTask)).one()
    complete_task(session=bot.session, school=bot.school, task_id=dsl_task.id or 0,
                  outcome="Spoke to mum: Stefan is with his grandmother today", staff="dsl@x.org",
                  clock=bot.clock, contact_made=True)
    bot.session.commit()
    assert tick(bot, "2026-11-23 12:00") == (0, 0)  # no "no contact made" task

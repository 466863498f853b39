"""The chase planner, pure: the morning's state in, the actions due out."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from core.chasing import (
    UNREACHABLE,
    Case,
    ChaseState,
    ContactRef,
    OpenTask,
    SendChase,
    plan,
)
from core.policy import LadderStep, Policy, StepAction

MONDAY = date(2026, 11, 23)
MUM, DAD = ContactRef(1, "sms"), ContactRef(2, "sms")
POLICY = Policy()


def at(hhmm: str) -> datetime:
    return datetime.combine(MONDAY, time.fromisoformat(hhmm))


def case(pupil: int = 7, day: int = 1, vulnerable: bool = False,
         contacts: tuple[ContactRef, ...] = (MUM, DAD)) -> Case:
    return Case(pupil, day, vulnerable, contacts)


def state(now: str, *cases: Case, done: dict | None = None, replied: frozenset[int] = frozenset(),
          failed: frozenset[int] = frozenset()) -> ChaseState:
    return ChaseState(MONDAY, at(now), cases, done or {}, replied, failed)


def test_the_first_contact_is_texted_at_the_chase_time_and_not_before() -> None:
    assert plan(state("09:29", case()), POLICY) == []
    assert plan(state("09:30", case()), POLICY) == [
        SendChase(1, "sms", (7,), "chase-contacts:c1", "chase_first_day")]


def test_the_next_contact_after_the_wait_or_at_once_when_the_text_failed() -> None:
    done = {(7, "chase-contacts:c1"): at("09:30")}
    assert plan(state("09:59", case(), done=done), POLICY) == []
    assert [a.contact_id for a in plan(state("10:00", case(), done=done), POLICY)] == [2]
    failed = plan(state("09:35", case(), done=done, failed=frozenset({1})), POLICY)
    assert [a.contact_id for a in failed] == [2]  # undelivered: no point waiting


def test_a_reply_stops_the_chase_and_the_no_contact_steps() -> None:
    done = {(7, "chase-contacts:c1"): at("09:30")}
    assert plan(state("12:00", case(), done=done, replied=frozenset({1})), POLICY) == []


def test_siblings_sharing_a_parent_get_one_message() -> None:
    actions = plan(state("09:30", case(7), case(8)), POLICY)
    assert actions == [SendChase(1, "sms", (7, 8), "chase-contacts:c1", "chase_first_day")]


def test_a_vulnerable_pupil_raises_a_task_for_the_dsl_at_chase_time() -> None:
    actions = plan(state("09:30", case(vulnerable=True)), POLICY)
    assert [(a.role, a.step) for a in actions if isinstance(a, OpenTask)] == [
        ("dsl", "dsl-vulnerable")]


def test_no_contact_by_noon_is_a_task_and_day_two_a_home_visit() -> None:
    done = {(7, "chase-contacts:c1"): at("09:30"), (7, "chase-contacts:c2"): at("10:00")}
    (noon,) = plan(state("12:00", case(), done=done), POLICY)
    assert isinstance(noon, OpenTask) and noon.role == "attendance_officer"
    (visit,) = plan(state("09:30", case(day=2)), POLICY)
    assert isinstance(visit, OpenTask) and visit.title.startswith("Home visit")


@pytest.mark.parametrize("now", ["20:00", "23:59", "06:59"])
def test_no_texts_in_quiet_hours(now: str) -> None:
    assert not [a for a in plan(state(now, case()), POLICY) if isinstance(a, SendChase)]


def test_nobody_we_may_text_means_a_phone_call_task() -> None:
    opted_out = (ContactRef(1, "sms", opted_out=True), ContactRef(2, None))
    (task,) = [a for a in plan(state("09:30", case(contacts=opted_out)), POLICY)]
    assert isinstance(task, OpenTask) and (task.step, task.kind) == (UNREACHABLE, "call")


def test_a_step_that_texts_everyone_and_repeats_daily() -> None:
    policy = Policy(escalation=(LadderStep(name="text-all", day=1, until_day=5, at=time(9, 30),
                                           action=StepAction.message, contacts="all"),))
    assert [a.contact_id for a in plan(state("09:30", case(day=3)), policy)] == [1, 2]
    assert plan(state("09:30", case(day=6)), policy) == []

"""The report flow as a pure state machine: state and text in, state and replies out."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.flows.report_absence import ChildRef, FlowContext, is_change_request, start, step
from core.calendar import SchoolCalendar, load_calendar
from core.parsing.pupils import Child
from tests.conftest import CORPUS_CALENDAR

AMELIA = ChildRef(11, Child("Amelia", "Smith", "Millie", 3))
JACK = ChildRef(12, Child("Jack", "Smith", None, 5))
MONDAY = datetime(2026, 11, 23, 9, 40)


@pytest.fixture(scope="module")
def calendar() -> SchoolCalendar:
    return load_calendar(CORPUS_CALENDAR)


def context(calendar: SchoolCalendar, **extra: object) -> FlowContext:
    return FlowContext(MONDAY, (AMELIA, JACK), calendar, **extra)  # type: ignore[arg-type]


def test_a_reply_to_a_chase_needs_no_which_child(calendar: SchoolCalendar) -> None:
    # The school chased this parent about Jack: "she's ill" is about the chased child.
    result = start("sorry he's ill, back tomorrow", context(calendar, chased=(12,)))
    (draft,) = result.drafts
    assert (draft["pupils"], draft["reason"], draft["status"]) == ([12], "illness", "confirmed")
    assert [r.template for r in result.replies] == ["confirm"]


def test_without_a_chase_the_same_reply_asks_which_child(calendar: SchoolCalendar) -> None:
    result = start("sorry he's ill, back tomorrow", context(calendar))
    assert [r.template for r in result.replies] == ["ask_pupil"]


@pytest.mark.parametrize("answer, pupils", [
    ("1", [11]), ("2", [12]), ("both", [11, 12]), ("all", [11, 12]), ("Jack", [12]),
    ("millie", [11]), ("1 and 2", [11, 12]), ("wszystkie", [11, 12]), ("joi", None),
    ("3", None), ("the usual", None),
])
def test_which_child_answers(calendar: SchoolCalendar, answer: str,
                             pupils: list[int] | None) -> None:
    ctx = context(calendar)
    asked = start("not in today, poorly", ctx)
    result = step(asked.state, answer, ctx)
    if pupils is None:
        assert result.state["asking"] == "pupil" and result.state["misses"] == 1
    else:
        assert result.drafts[0]["pupils"] == pupils


@pytest.mark.parametrize("answer, back", [
    ("thursday", "2026-11-26"), ("Thurs", "2026-11-26"), ("monday week", "2026-12-07"),
    ("tomorrow hopefully", "2026-11-24"), ("czwartek", "2026-11-26"),
    ("friday", "2026-11-30"),  # Fri 27 Nov is an INSET day: back Monday
])
def test_day_back_answers(calendar: SchoolCalendar, answer: str, back: str) -> None:
    ctx = context(calendar)
    asked = start("Jack has a temp", ctx)
    assert asked.state["asking"] == "return"
    assert step(asked.state, answer, ctx).drafts[0]["return_day"] == back


@pytest.mark.parametrize("answer", ["don't know", "not sure yet", "nie wiem", "nu știu"])
def test_not_knowing_the_day_back_is_an_answer(calendar: SchoolCalendar, answer: str) -> None:
    ctx = context(calendar)
    asked = start("Jack has a temp", ctx)
    result = step(asked.state, answer, ctx)
    assert result.state["stage"] == "confirmed" and result.drafts[0]["return_day"] is None


def test_only_a_correction_after_the_confirmation_changes_the_report(
        calendar: SchoolCalendar) -> None:
    ctx = context(calendar)
    done = start("Jack has a temp, back Wednesday", ctx)
    assert is_change_request(done.state, "no, back Thursday")
    assert is_change_request(done.state, "CHANGE")
    assert not is_change_request(done.state, "Amelia is off too with the same")

"""Reading the dates parents write: "back weds", "Monday week", "the 3rd", "13-15 July"."""

from __future__ import annotations

from datetime import date, datetime
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.calendar import SchoolCalendar, load_calendar
from core.date_eval import evaluate_peer_dates
from core.dates import find_dates, resolve_first
from tests.conftest import CORPUS_CALENDAR

PEER_DATES = Path(__file__).resolve().parents[3] / "shared" / "data" / "peer_dates.jsonl"


def _day(written: str) -> date:
    """"2026-11-23 (Mon)" -> 23 November 2026; the weekday in brackets is for the reader."""
    return date.fromisoformat(written[:10])


@pytest.fixture(scope="module")
def corpus() -> SchoolCalendar:
    return load_calendar(CORPUS_CALENDAR)


@pytest.mark.parametrize("text, said_on, expected", [
    ("back weds", "2026-11-23 (Mon)", "2026-11-25"),
    ("back Monday", "2026-11-23 (Mon)", "2026-11-30"),  # not today: next week's Monday
    ("kian not well wont be in back mon", "2026-11-20 (Fri)", "2026-11-23"),
    ("he'll be back Monday week", "2026-11-19 (Thu)", "2026-11-30"),
    ("back mon wk", "2026-11-19 (Thu)", "2026-11-30"),
    ("he'll be back a week on Tuesday", "2026-11-19 (Thu)", "2026-12-01"),
    ("back a week tomorrow", "2026-12-01 (Tue)", "2026-12-09"),
    ("friday after next", "2026-11-24 (Tue)", "2026-12-04"),
    ("next Friday", "2026-11-26 (Thu)", "2026-12-04"),  # Friday of next week
    ("this Friday", "2026-11-26 (Thu)", "2026-11-27"),
    ("last Wednesday", "2026-11-26 (Thu)", "2026-11-18"),  # Wednesday of last week
    ("Tuesday next week", "2026-11-23 (Mon)", "2026-12-01"),
    ("next week on Friday", "2026-11-23 (Mon)", "2026-12-04"),
    ("off Thursday and Friday next week", "2026-11-23 (Mon)", "2026-12-03"),
    ("back on 03/12", "2026-11-23 (Mon)", "2026-12-03"),  # UK order: 3 December
    ("back 14/12", "2026-11-23 (Mon)", "2026-12-14"),
    ("back on 1.12", "2026-11-23 (Mon)", "2026-12-01"),
    ("flight back is on the 3rd", "2026-11-23 (Mon)", "2026-12-03"),
    ("on the 6th", "2026-12-30 (Wed)", "2027-01-06"),
    ("back in school Weds 2nd", "2026-11-25 (Wed)", "2026-12-02"),
    ("Weds 25th", "2026-11-23 (Mon)", "2026-11-25"),
    ("on Tuesday 8th", "2026-12-04 (Fri)", "2026-12-08"),
    ("back Thursday 3rd Dec", "2026-12-01 (Tue)", "2026-12-03"),
    ("back on Tuesday 5th January", "2026-12-04 (Fri)", "2027-01-05"),
    ("back tommorow", "2026-11-23 (Mon)", "2026-11-24"),
    ("back 2moro hopefully", "2026-11-25 (Wed)", "2026-11-26"),
    ("wont b in 2day", "2026-11-16 (Mon)", "2026-11-16"),
    ("Im hoping tmrw", "2026-12-10 (Thu)", "2026-12-11"),
    ("back wensday", "2026-11-23 (Mon)", "2026-11-25"),
    ("back thrusday", "2026-11-23 (Mon)", "2026-11-26"),
    ("on 3rd febuary", "2026-11-23 (Mon)", "2027-02-03"),
    ("the day after tomorrow", "2026-11-23 (Mon)", "2026-11-25"),
    ("in 3 days", "2026-11-23 (Mon)", "2026-11-26"),
    ("in a fortnight's time", "2026-11-23 (Mon)", "2026-12-07"),
    ("sick since Saturday", "2026-11-29 (Sun)", "2026-11-28"),  # a past cue
    ("grandad died on Tuesday", "2027-01-07 (Thu)", "2027-01-05"),
    ("going on sat", "2026-11-23 (Mon)", "2026-11-28"),
    ("the 20th of next month", "2026-11-23 (Mon)", "2026-12-20"),
    ("the first Monday of next month", "2026-11-23 (Mon)", "2026-12-07"),
    ("Sunday, Feb 10", "2013-02-12 (Tue)", "2013-02-10"),  # only last year's is a Sunday
])
def test_reads_the_day_a_parent_means(text: str, said_on: str, expected: str) -> None:
    found = resolve_first(text, _day(said_on))
    assert found is not None
    assert (found.start, found.end) == (_day(expected), _day(expected))


@pytest.mark.parametrize("text, said_on, first, last", [
    ("off for the rest of the week", "2026-11-25 (Wed)", "2026-11-25", "2026-11-29"),
    ("all week", "2026-11-25 (Wed)", "2026-11-23", "2026-11-29"),
    ("next week", "2026-11-25 (Wed)", "2026-11-30", "2026-12-06"),
    ("the week after next", "2026-11-25 (Wed)", "2026-12-07", "2026-12-13"),
    ("this working week", "2026-11-25 (Wed)", "2026-11-23", "2026-11-27"),
    ("this weekend", "2026-11-25 (Wed)", "2026-11-28", "2026-11-29"),
    ("w/c 14th Dec", "2026-11-25 (Wed)", "2026-12-14", "2026-12-20"),
    ("the week starting on february 4", "2019-11-07 (Thu)", "2020-02-03", "2020-02-09"),
    ("next 3 days", "2026-11-25 (Wed)", "2026-11-26", "2026-11-28"),
    ("off for the next two weeks", "2026-11-25 (Wed)", "2026-11-26", "2026-12-09"),
    ("last two weeks", "2026-11-25 (Wed)", "2026-11-09", "2026-11-22"),
    ("from 13th to 15th July", "2026-11-25 (Wed)", "2027-07-13", "2027-07-15"),
    ("13-15 July", "2026-11-25 (Wed)", "2027-07-13", "2027-07-15"),
    ("leave from 5th to 8th January", "2026-12-07 (Mon)", "2027-01-05", "2027-01-08"),
    ("1-8 september", "2026-11-25 (Wed)", "2027-09-01", "2027-09-08"),
    ("between 4 and 22 this month", "2016-11-07 (Mon)", "2016-11-04", "2016-11-22"),
    ("off Monday to Wednesday", "2026-11-25 (Wed)", "2026-11-30", "2026-12-02"),
    ("off Mon-Wed", "2026-11-25 (Wed)", "2026-11-30", "2026-12-02"),
    ("today till tomorrow", "2026-11-25 (Wed)", "2026-11-25", "2026-11-26"),
    ("from Monday 14 December to Friday 18 December", "2026-11-18 (Wed)", "2026-12-14",
     "2026-12-18"),
    ("for 3 days from today", "2026-11-25 (Wed)", "2026-11-25", "2026-11-27"),
    ("3 days starting from next Monday", "2026-11-25 (Wed)", "2026-11-30", "2026-12-02"),
])
def test_reads_runs_of_days(text: str, said_on: str, first: str, last: str) -> None:
    found = resolve_first(text, _day(said_on))
    assert found is not None and found.is_range
    assert (found.start, found.end) == (_day(first), _day(last))


@pytest.mark.parametrize("text", [
    "dentist appointment at 9 so he'll be in about 10:30",
    "vaccination at 9.40, she will come after, around 10.30",
    "CAMHS at half 1, I'll collect her at 12.15",
    "orthodontist at 8.50, be there by 10",
    "a bit late in, about 10ish",
    "temperature 38.5",
    "be there in 20",
    "Running 10 mins late",
    "he'll be off 2-3 days",
    "he sat his test",
    "playing in the sun",
    "You may get a message from me",
    "it's his 7th birthday",
    "the 2 of them",
    "New number is 07700 900123",
])
def test_clock_times_and_lookalikes_are_not_dates(text: str) -> None:
    assert find_dates(text, date(2026, 11, 23)) == []


def test_a_sum_of_money_is_not_a_day() -> None:
    found = resolve_first("I bought it for $12 December 27", date(2019, 7, 4))
    assert found is not None and found.text == "December 27"


@pytest.mark.parametrize("text, cue", [
    ("won't be in till Friday", "until"),
    ("off 'til thurs", "until"),
    ("back weds", "back"),
    ("back in school Weds 2nd", "back"),
    ("he'll be in on Monday", "back"),
    ("off from Tuesday", "from"),
    ("on Friday", "on"),
    ("won't be in today", None),  # "in" after a negation is no return
    ("Friday", None),
])
def test_the_word_before_a_date_gives_its_role(text: str, cue: str | None) -> None:
    found = resolve_first(text, date(2026, 11, 23))
    assert found is not None and found.cue == cue


def test_the_friday_is_the_one_after_the_date_before_it() -> None:
    text = "leave for Sam on Thursday 17th December. He'll be back on the Friday."
    assert [m.start for m in find_dates(text, date(2026, 12, 8))] == [
        date(2026, 12, 17), date(2026, 12, 18)]


def test_spans_point_at_the_words_in_the_text() -> None:
    text = "Jordan off today and tomorrow. Back Thursday"
    found = find_dates(text, datetime(2026, 11, 24, 7, 10))
    assert [(m.text, text[m.span[0]:m.span[1]]) for m in found] == [
        ("today", "today"), ("tomorrow", "tomorrow"), ("Thursday", "Thursday")]


@pytest.mark.parametrize("text, said_on, expected", [
    ("sorry she's got a bug, back after xmas now", "2026-12-17 (Thu)", "2027-01-05"),
    ("back after Christmas", "2026-12-10 (Thu)", "2027-01-05"),
    ("back after the Christmas holidays", "2026-12-10 (Thu)", "2027-01-05"),
    ("back in January after holidays", "2026-12-09 (Wed)", "2027-01-05"),
    ("back for the new term", "2026-11-18 (Wed)", "2027-01-05"),
    ("back after half term", "2026-12-10 (Thu)", "2027-02-22"),
    ("back after the weekend", "2026-11-26 (Thu)", "2026-11-30"),
])
def test_school_phrases_follow_the_calendar(corpus: SchoolCalendar, text: str, said_on: str,
                                            expected: str) -> None:
    found = resolve_first(text, _day(said_on), calendar=corpus)
    assert found is not None and found.start == _day(expected)


@pytest.mark.parametrize("text", ["back after Christmas", "back after half term",
                                  "back next term"])
def test_school_phrases_without_a_calendar_are_not_guessed(text: str) -> None:
    assert find_dates(text, date(2026, 12, 10)) == []


def test_only_the_date_of_a_datetime_counts() -> None:
    late = resolve_first("won't be in tomorrow", datetime(2026, 11, 22, 20, 15))
    assert late is not None and late.start == date(2026, 11, 23)


def test_the_peer_benchmark_stays_above_its_targets() -> None:
    summary, predictions = evaluate_peer_dates(PEER_DATES)
    assert len(predictions) == summary["cases"] == 427
    assert summary["accuracy"] >= 0.90
    assert summary["by_source"]["duckling"]["accuracy"] >= 0.95


DATE_WORDS = st.sampled_from([
    "the", "on", "from", "to", "-", "/", ".", ",", ":", "until", "next", "last", "this",
    "week", "weeks", "weekend", "day", "days", "a", "after", "of", "for", "starting", "and",
    "between", "ago", "in", "1st", "3", "15", "31", "2016", "tmrw", "weds", "sat", "sun",
    "March", "may", "Dec", "month", "half", "term", "w/c", "monday", "fortnight", "🙈", "\u2019",
])


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=5000), st.lists(DATE_WORDS, max_size=200).map(" ".join)),
       st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)), st.booleans())
def test_never_raises_and_spans_stay_inside_the_text(corpus: SchoolCalendar, text: str,
                                                     today: date, with_calendar: bool) -> None:
    found = find_dates(text, today, calendar=corpus if with_calendar else None)
    for mention in found:
        assert 0 <= mention.span[0] < mention.span[1] <= len(text)
        assert mention.text == text[mention.span[0]:mention.span[1]]
        assert mention.start <= mention.end
    assert all(a.span[1] <= b.span[0] for a, b in pairwise(found))

"""School days: weekends, half terms, INSET days, bank holidays, and wall-clock time across DST."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.calendar import NoSchoolDay, SchoolCalendar, load_calendar
from core.configfile import ConfigError
from tests.conftest import CORPUS_CALENDAR

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "calendars" / "oakfield-2026-27.toml"


@pytest.fixture(scope="module")
def corpus() -> SchoolCalendar:
    return load_calendar(CORPUS_CALENDAR)


@pytest.fixture(scope="module")
def oakfield() -> SchoolCalendar:
    return load_calendar(EXAMPLE)


@pytest.mark.parametrize("day, reason", [
    (date(2026, 11, 23), None),  # an ordinary Monday
    (date(2026, 11, 21), "weekend"),
    (date(2026, 11, 22), "weekend"),
    (date(2026, 10, 28), "Autumn half term"),
    (date(2026, 11, 27), "INSET day"),
    (date(2026, 12, 21), "school holiday"),  # Christmas holidays, between the terms
    (date(2026, 12, 25), "Christmas Day"),
    (date(2027, 1, 4), "INSET day"),
    (date(2027, 1, 5), None),
    (date(2026, 9, 2), "school holiday"),  # before the corpus calendar's autumn term
])
def test_why_a_day_has_no_school(corpus: SchoolCalendar, day: date, reason: str | None) -> None:
    assert corpus.closed_because(day) == reason
    assert corpus.is_school_day(day) is (reason is None)


def test_bank_holidays_come_from_the_holidays_package_without_being_listed(
        oakfield: SchoolCalendar) -> None:
    # Early May bank holiday 2027 falls in the summer term and is not in the file.
    assert oakfield.closed_because(date(2027, 5, 3)) == "May Day"
    assert oakfield.is_school_day(date(2027, 5, 4))


def test_next_school_day_skips_an_inset_day_and_the_weekend(corpus: SchoolCalendar) -> None:
    assert corpus.next_school_day(date(2026, 11, 26)) == date(2026, 11, 30)


def test_a_return_on_an_inset_day_moves_to_the_next_school_day(corpus: SchoolCalendar) -> None:
    assert corpus.school_day_on_or_after(date(2026, 11, 27)) == date(2026, 11, 30)
    assert corpus.school_day_on_or_after(date(2026, 11, 26)) == date(2026, 11, 26)


def test_add_school_days_crosses_half_term(oakfield: SchoolCalendar) -> None:
    assert oakfield.add_school_days(date(2026, 10, 23), 1) == date(2026, 11, 2)
    assert oakfield.add_school_days(date(2026, 11, 2), -1) == date(2026, 10, 23)
    assert oakfield.add_school_days(date(2026, 11, 2), 0) == date(2026, 11, 2)


def test_school_days_between_leaves_out_the_inset_day(corpus: SchoolCalendar) -> None:
    assert corpus.school_days_between(date(2026, 11, 23), date(2026, 11, 30)) == 4
    assert corpus.school_days_between(date(2026, 11, 30), date(2026, 12, 7)) == 5


def test_back_after_christmas_is_the_first_school_day_of_the_spring_term(
        oakfield: SchoolCalendar) -> None:
    # The spring term starts with an INSET day, so pupils are back the day after.
    assert oakfield.next_term_start(date(2026, 12, 10)) == date(2027, 1, 5)
    assert oakfield.next_term_start(date(2026, 12, 24)) == date(2027, 1, 5)


def test_running_off_the_end_of_the_calendar_says_what_to_do(corpus: SchoolCalendar) -> None:
    with pytest.raises(NoSchoolDay, match="load next year's term dates"):
        corpus.next_school_day(date(2027, 3, 26))


@pytest.mark.parametrize("day, expected_utc", [
    (date(2026, 10, 23), datetime(2026, 10, 23, 8, 30, tzinfo=UTC)),  # last Friday in BST
    (date(2026, 11, 2), datetime(2026, 11, 2, 9, 30, tzinfo=UTC)),  # first Monday in GMT
    (date(2027, 3, 26), datetime(2027, 3, 26, 9, 30, tzinfo=UTC)),  # GMT, clocks go forward 28th
    (date(2027, 3, 29), datetime(2027, 3, 29, 8, 30, tzinfo=UTC)),  # BST
])
def test_half_past_nine_stays_half_past_nine_across_the_clock_changes(
        corpus: SchoolCalendar, day: date, expected_utc: datetime) -> None:
    assert corpus.at_local(day, time(9, 30)) == expected_utc


def test_a_late_evening_message_in_summer_belongs_to_the_next_local_day(
        corpus: SchoolCalendar) -> None:
    assert corpus.local_date(datetime(2026, 9, 10, 23, 30, tzinfo=UTC)) == date(2026, 9, 11)
    assert corpus.local_date(datetime(2026, 12, 10, 23, 30, tzinfo=UTC)) == date(2026, 12, 10)


def test_the_project_format_and_the_corpus_format_read_the_same(tmp_path: Path) -> None:
    toml = tmp_path / "calendar.toml"
    toml.write_text("""
timezone = "Europe/London"
[[terms]]
name = "Autumn 2026"
start = 2026-09-03
end = 2026-12-18
breaks = [{ name = "Autumn half term", start = 2026-10-26, end = 2026-10-30 }]
[[closures]]
date = 2026-11-27
reason = "INSET day"
""")
    from_toml = load_calendar(toml)
    from_json = load_calendar(CORPUS_CALENDAR)
    autumn = [date(2026, 9, 1) + timedelta(days=n) for n in range(120)]
    assert [from_toml.is_school_day(d) for d in autumn] == \
        [from_json.is_school_day(d) for d in autumn]


def test_a_stored_calendar_reads_back_the_same(corpus: SchoolCalendar) -> None:
    again = SchoolCalendar.from_json(corpus.to_json())
    assert again.spec == corpus.spec


@pytest.mark.parametrize("change, key, problem", [
    (lambda d: d["terms"][0].update(end="2026-08-01"), "terms.0", "ends (2026-08-01) before"),
    (lambda d: d["terms"][1].update(start="2026-12-01"), "", "overlap"),
    (lambda d: d["terms"][0]["breaks"][0].update(end="2027-06-01"), "terms.0",
     "outside the term"),
    (lambda d: d["closures"][0].update(date="27/11/2026"), "closures.0.date", "valid date"),
    (lambda d: d.update(timezone="Europe/Londn"), "timezone", "unknown time zone"),
    (lambda d: d.pop("terms"), "terms", "required but missing"),
])
def test_a_bad_calendar_file_names_the_file_the_key_and_the_problem(
        tmp_path: Path, change, key: str, problem: str) -> None:  # type: ignore[no-untyped-def]
    document = json.loads(CORPUS_CALENDAR.read_text())
    change(document)
    path = tmp_path / "bad_calendar.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ConfigError) as raised:
        load_calendar(path)
    message = str(raised.value)
    assert message.startswith("bad_calendar.json: ")
    assert key in message and problem in message


def test_a_calendar_that_is_not_valid_toml_says_where(tmp_path: Path) -> None:
    path = tmp_path / "calendar.toml"
    path.write_text("[[terms]]\nstart = 2026-09-03\nend = \n")
    with pytest.raises(ConfigError, match=r"calendar.toml: invalid TOML.*line 3"):
        load_calendar(path)


@given(st.dates(date(2026, 9, 1), date(2027, 1, 31)), st.integers(0, 20))
def test_adding_n_school_days_spans_n_school_days(start: date, count: int) -> None:
    calendar = load_calendar(CORPUS_CALENDAR)
    first = calendar.school_day_on_or_after(start)
    later = calendar.add_school_days(first, count)
    assert calendar.school_days_between(first, later) == count
    assert calendar.is_school_day(later)

"""Reading parents' messages: who, why, what kind, which part of the day, what to ask."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.calendar import SchoolCalendar, load_calendar
from core.parsing.message import parse_message
from core.parsing.pupils import Child
from tests.conftest import CORPUS_CALENDAR

MONDAY = datetime(2026, 11, 23, 7, 45)
SMITHS = [Child("Amelia", "Smith", "Millie", 3), Child("Jack", "Smith", None, 5)]
HARRISON = [Child("Harrison", "Bell", None, 5)]
THREE = [Child("Ella", "Platt"), Child("Ellie", "Platt"), Child("Teddy", "Platt")]


@pytest.fixture(scope="module")
def calendar() -> SchoolCalendar:
    return load_calendar(CORPUS_CALENDAR)


def read(text: str, children: list[Child], calendar: SchoolCalendar,
         now: datetime = MONDAY) -> dict[str, object]:
    return parse_message(text, now, children, calendar).expect()


@pytest.mark.parametrize("text, pupils", [
    ("Jack won't be in today, he's poorly", ["Jack Smith"]),
    ("Millie has a temperature", ["Amelia Smith"]),  # known-as name
    ("Ameila is poorly today", ["Amelia Smith"]),  # typo
    ("jacks got d&v", ["Jack Smith"]),  # no apostrophe, lower case
    ("Both have the sickness bug, won't be in", ["Amelia Smith", "Jack Smith"]),
    ("the kids are both poorly today", ["Amelia Smith", "Jack Smith"]),
    ("Amelia and Jack won't be in today, d&v", ["Amelia Smith", "Jack Smith"]),
    ("Jack is poorly, sorry I mean Amelia", ["Amelia Smith"]),  # a corrected name
    ("Jack has a temp, Amelia is in as normal", ["Jack Smith"]),  # the other is in school
    ("Not coming in today, temperature and sore throat", []),  # which one? ask
    ("My nephew Leo is staying with us and he's poorly", []),  # not linked: staff decide
])
def test_which_children_a_message_is_about(calendar: SchoolCalendar, text: str,
                                           pupils: list[str]) -> None:
    assert sorted(read(text, SMITHS, calendar)["pupils"]) == sorted(pupils)


def test_with_one_child_an_unnamed_message_is_about_that_child(
        calendar: SchoolCalendar) -> None:
    assert read("wont b in 2day got a bad cold", HARRISON, calendar)["pupils"] == [
        "Harrison Bell"]


def test_several_children_and_no_name_asks_which(calendar: SchoolCalendar) -> None:
    assert "pupil" in read("Won't be in today, poorly", SMITHS, calendar)["ask"]
    assert read("both of them are poorly", THREE, calendar)["pupils"] == []  # "both" of 3?


def test_all_three_means_every_child(calendar: SchoolCalendar) -> None:
    assert len(read("all three have the vomiting bug", THREE, calendar)["pupils"]) == 3
    assert len(read("none of the three are coming in, bug", THREE, calendar)["pupils"]) == 3
    # "neither" of three: which two? ask.
    assert read("Neither of them will be in, sick bug", THREE, calendar)["pupils"] == []
    # the writer, not the children
    assert read("hi its the kids nan, teddy has a bad belly", THREE, calendar)["pupils"] == [
        "Teddy Platt"]


@pytest.mark.parametrize("text, now, first, back", [
    ("can he have leave 17 and 18 December?", datetime(2026, 11, 27, 18, 0), "2026-12-17",
     "2027-01-05"),  # the last two days of term: back when the next term starts
    ("poorly, off today and probably monday too", datetime(2027, 1, 29, 7, 30),
     "2027-01-29", "2027-02-02"),
    ("concussion, he'll be off for a couple of days", datetime(2027, 3, 8, 8, 30),
     "2027-03-08", "2027-03-10"),
    ("Oskar is ill, fever. Today stay at home. Monday I think he come",
     datetime(2026, 11, 6, 7, 55), "2026-11-06", "2026-11-09"),
])
def test_lists_of_days_seconds_days_off_and_durations(calendar: SchoolCalendar, text: str,
                                                     now: datetime, first: str,
                                                     back: str) -> None:
    result = read(text, HARRISON, calendar, now)
    assert (result["first_day"], result["return"]) == (first, back)


@pytest.mark.parametrize("text, reason, code", [
    ("Harrison has a temprature", "illness", "I"),  # typo
    ("harrison has d&v", "illness", "I"),
    ("Harrison is in hospital with appendicitis", "illness", "I"),
    ("Harrison has a hospital appointment at 10, in after", "medical", "M"),
    ("dr appt at 9 then I'll bring him in", "medical", "M"),
    ("Harrison has the orthodontist at 9.15", "medical", "M"),
    ("off today for Eid, back tomorrow", "religious", "R"),
    ("We are going to Tenerife on holiday, he won't be in", "holiday", "G"),
    ("his grandad's funeral is today so he won't be in", "exceptional", "C"),
    ("overslept sorry he won't make it in today", "other", "O"),
    ("car has broken down, can't get him in today", "other", "O"),
    ("Harrison won't be in today", None, "N"),
    ("harrison has come up in hives, keeping him off", "illness", "I"),
    ("He's having grommets put in today for his glue ear", "medical", "M"),  # booked care
    ("had his op yesterday, home recovering for the week", "illness", "I"),
    ("strep A, confirmed yesterday at the walk in clinic, keeping him off", "illness", "I"),
    ("I am very sick with fever and can't walk him to school", "other", "O"),  # the parent
    ("the baby's got a temperature so I can't get him in today", "other", "O"),
    ("shoes fell apart and nothing else that fits, not in today", "other", "O"),
    ("he's got glue ear and a water infection, not in today", "illness", "I"),
    ("still not 100% after the bug so keeping him home", "illness", "I"),
    ("Harrison has an operation on his tonsils today so won't be in", "medical", "M"),
    ("ECG at the hospital this morning, in after", "medical", "M"),
])
def test_the_reason_and_the_code_it_suggests(calendar: SchoolCalendar, text: str,
                                             reason: str | None, code: str) -> None:
    result = read(text, HARRISON, calendar)
    assert (result["reason"], result["code"]) == (reason, code)


@pytest.mark.parametrize("text, kind, part", [
    ("Harrison is poorly, won't be in", "absence", "full"),
    ("Running 10 mins late, traffic is awful", "late", "am"),
    ("Harrison overslept, he'll be late, on our way now", "late", "am"),
    ("Dentist at 9 so he'll be in about 10:30", "absence", "am"),  # not a late
    ("Harrison will be late in, he has a dentist check up at 8.30", "absence", "am"),
    ("I'm collecting him at 12.15 for his physio appointment", "absence", "pm"),
    ("Could I please request leave for Harrison from 5th to 8th January?", "leave_request",
     "full"),
    ("What time does school finish on Friday?", "other", None),
    ("Thank you for the phone call", "other", None),
    ("Harrison is in school, I dropped him at the gate??", "other", None),
    ("I'm getting him at half 1 today, hearing test at 2.15", "absence", "pm"),
    ("please have him ready in reception at 1:15, ENT at 2", "absence", "pm"),
    ("Harrison will come at 11, he has speech therapy at 9.30. Thank you", "absence", "am"),
    ("keep him home this morning, I'll bring him in after lunch", "absence", "am"),
    ("Running behind, lost his shoe! In by 9.15", "late", "am"),
    ("we're stuck on the bypass, be there as soon as we can", "late", "am"),
    ("Harrison is not well, cold and fever. Back Monday. Thank you", "absence", "full"),
    ("Not sending him in tomorrow, earache all night", "absence", "full"),
    ("would Harrison be able to have Friday 9th July off for a wedding?", "leave_request",
     "full"),
])
def test_the_kind_of_message_and_the_part_of_the_day(calendar: SchoolCalendar, text: str,
                                                     kind: str, part: str | None) -> None:
    result = read(text, HARRISON, calendar)
    assert (result["kind"], result["part"]) == (kind, part)


def test_a_late_arrival_has_the_late_code(calendar: SchoolCalendar) -> None:
    result = read("Harrison is running late, sorry", HARRISON, calendar)
    assert (result["reason"], result["code"], result["return"]) == ("late", "L", None)


def test_an_other_message_asks_nothing_and_has_no_code(calendar: SchoolCalendar) -> None:
    result = read("Please could someone check lost property for his jumper?", HARRISON,
                  calendar)
    assert (result["kind"], result["code"], result["first_day"], result["ask"]) == (
        "other", None, None, [])


@pytest.mark.parametrize("text, flags", [
    ("Harrison is poorly. Can someone call me please?", ["callback"]),
    ("He won't be in, the police were round last night", ["safeguarding"]),
    ("she's been self harming again, I need to speak to someone", ["callback",
                                                                   "safeguarding"]),
    ("Harrison has a cold", []),
])
def test_flags_reach_staff_even_when_the_rest_parses(calendar: SchoolCalendar, text: str,
                                                     flags: list[str]) -> None:
    assert read(text, HARRISON, calendar)["flags"] == flags


def test_evidence_points_at_the_words_the_parent_wrote(calendar: SchoolCalendar) -> None:
    text = "hiya harison wont b in 2day hes got a temprature xx"
    report = parse_message(text, MONDAY, HARRISON, calendar).primary
    assert [text[a:b] for a, b in report.evidence["reason"]] == ["temprature"]
    assert [text[a:b] for a, b in report.evidence["pupils"]] == ["harison"]
    assert [text[a:b] for a, b in report.evidence["first_day"]] == ["2day"]
    assert [text[a:b] for a, b in report.evidence["kind"]] == ["wont b in"]


def test_two_children_with_different_news_make_two_reports(calendar: SchoolCalendar) -> None:
    parsed = parse_message("Jack has a temp and Millie has the dentist at 10, she'll be in "
                           "after", MONDAY, SMITHS, calendar)
    assert [(r.pupils, r.reason, r.part) for r in parsed.reports] == [
        (("Jack Smith",), "illness", "full"), (("Amelia Smith",), "medical", "am")]


def test_a_message_after_school_covers_the_next_school_day(calendar: SchoolCalendar) -> None:
    evening = datetime(2026, 11, 23, 19, 30)
    result = read("Harrison has been sick, he won't be in", HARRISON, calendar, evening)
    assert result["first_day"] == date(2026, 11, 24).isoformat()


# A generous deadline: it catches runaway regex backtracking, not ordinary slowness
# (speed is measured by `rollcall bench parse`).
@settings(max_examples=200, deadline=timedelta(seconds=2))
@given(st.text(max_size=5000))
def test_any_text_at_all_parses_without_error(text: str) -> None:
    calendar = load_calendar(CORPUS_CALENDAR)
    parsed = parse_message(text, MONDAY, SMITHS, calendar)
    assert parsed.primary.kind in {"absence", "late", "leave_request", "other"}


@pytest.mark.parametrize("text", ["", "   ", "🙈🙈🙈", "👍", "?!"])
def test_empty_or_emoji_only_messages_are_other(calendar: SchoolCalendar, text: str) -> None:
    assert read(text, SMITHS, calendar)["kind"] == "other"


@settings(max_examples=30, deadline=timedelta(seconds=2))
@given(st.lists(st.sampled_from(["in", "not", "back", "sorry", "i mean", "monday", "the 3rd",
                                 "both", "late", "at 9", "Amelia", "Jack", ",", ".", "off",
                                 "till", "week", "tmrw", "d&v", "appointment"]),
                min_size=200, max_size=900))
def test_long_runs_of_the_words_rules_look_for_stay_quick(words: list[str]) -> None:
    calendar = load_calendar(CORPUS_CALENDAR)
    parsed = parse_message(" ".join(words)[:5000], MONDAY, SMITHS, calendar)
    assert all(set(r.ask) <= {"pupil", "reason", "return"} for r in parsed.reports)


@pytest.mark.parametrize("text, now, first, back", [
    ("Harrison has a chest infection, off for the rest of term", datetime(2027, 3, 22, 8),
     date(2027, 3, 22), date(2027, 4, 13)),  # Easter; 12 April is an INSET day
    ("Harrison is poorly, off today, back after the bank holiday", datetime(2027, 4, 28, 8),
     date(2027, 4, 28), date(2027, 5, 4)),
    ("Harrison has a temperature so he'll miss the last day", datetime(2026, 12, 17, 19),
     date(2026, 12, 18), date(2027, 1, 5)),
])
def test_school_phrases_set_the_days_from_the_calendar(text: str, now: datetime, first: date,
                                                       back: date) -> None:
    oakfield = load_calendar(Path(__file__).resolve().parents[2] / "examples" / "calendars"
                             / "oakfield-2026-27.toml")
    result = read(text, HARRISON, oakfield, now)
    assert (result["first_day"], result["return"]) == (first.isoformat(), back.isoformat())

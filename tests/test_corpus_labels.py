"""The hand-labelled corpora in tests/data/ are internally consistent.

These tests check the labels against each other and against the Oakfield calendar the corpus
assumes; they do not run any parser. A failure here is a labelling error in the corpus.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from core.calendar import SchoolCalendar, load_calendar

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
# Each corpus, its id prefix and the fewest cases it should hold.
CORPORA = {
    "messages_own.jsonl": ("o", 320),
    "messages_own_2.jsonl": ("p", 300),
    "messages_own_3.jsonl": ("q", 300),
    "messages_own_4.jsonl": ("r", 300),
    "messages_holdout.jsonl": ("h", 150),
}
CALENDAR = ROOT / "examples" / "calendars" / "oakfield-2026-27.toml"

TOP_FIELDS = {"id", "now", "channel", "children", "text", "expect"}
OPTIONAL_FIELDS = {"note"}
EXPECT_FIELDS = {"kind", "pupils", "reason", "code", "first_day", "return", "part", "ask", "flags"}
CHILD_FIELDS = {"first", "last", "known_as", "year"}
KINDS = {"absence", "late", "leave_request", "other"}
CHANNELS = {"sms", "whatsapp", "telegram"}
CODES: dict[str | None, str] = {
    "illness": "I",
    "medical": "M",
    "religious": "R",
    "holiday": "G",
    "exceptional": "C",
    "late": "L",
    "other": "O",
    None: "N",
}
PARTS = {"full", "am", "pm"}
ASKS = {"pupil", "reason", "return"}
FLAGS = {"callback", "safeguarding"}
# Share of each kind, as (lowest, highest): the dev file has about 75/11/6/7 per cent.
KIND_SHARES = {
    "absence": (0.65, 0.85),
    "late": (0.07, 0.16),
    "leave_request": (0.03, 0.10),
    "other": (0.04, 0.12),
}


@cache
def calendar() -> SchoolCalendar:
    return load_calendar(CALENDAR)


@cache
def lines(name: str) -> tuple[str, ...]:
    text = (DATA / name).read_text(encoding="utf-8")
    return tuple(line for line in text.splitlines() if line.strip())


@cache
def cases(name: str) -> tuple[dict[str, Any], ...]:
    return tuple(json.loads(line) for line in lines(name))


def case_ids(name: str) -> list[str]:
    return [str(case.get("id")) for case in cases(name)]


def every_case() -> list[tuple[str, dict[str, Any]]]:
    return [(name, case) for name in CORPORA for case in cases(name)]


by_corpus = pytest.mark.parametrize("name", list(CORPORA))


def parse_day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None


def shape_problems(case: dict[str, Any]) -> list[str]:
    """Missing or unknown fields, and values of the wrong type."""
    problems = []
    keys = set(case)
    if TOP_FIELDS - keys or keys - TOP_FIELDS - OPTIONAL_FIELDS:
        problems.append(f"fields {sorted(keys)}")
    if case.get("channel") not in CHANNELS:
        problems.append(f"channel {case.get('channel')!r}")
    if not isinstance(case.get("text"), str) or not case["text"].strip():
        problems.append("text is empty")
    try:
        datetime.fromisoformat(case["now"])
    except (KeyError, TypeError, ValueError):
        problems.append(f"now {case.get('now')!r}")
    children = case.get("children")
    if not isinstance(children, list) or not children:
        problems.append("children must be a non-empty list")
    else:
        for child in children:
            if set(child) != CHILD_FIELDS:
                problems.append(f"child fields {sorted(child)}")
            elif child["year"] not in range(7) or not (
                child["known_as"] is None or isinstance(child["known_as"], str)
            ):
                problems.append(f"child {child}")
    expect = case.get("expect")
    if not isinstance(expect, dict) or set(expect) != EXPECT_FIELDS:
        problems.append(f"expect fields {sorted(expect) if isinstance(expect, dict) else expect}")
    return problems


def label_problems(case: dict[str, Any], cal: SchoolCalendar) -> list[str]:
    """Labels that contradict each other, the calendar or ABSENCE_MESSAGES.md."""
    problems: list[str] = []
    expect = case["expect"]
    kind, reason, code, part = expect["kind"], expect["reason"], expect["code"], expect["part"]
    pupils, ask, flags = expect["pupils"], expect["ask"], expect["flags"]
    first, back = parse_day(expect["first_day"]), parse_day(expect["return"])
    sent = datetime.fromisoformat(case["now"])
    names = [f"{child['first']} {child['last']}" for child in case["children"]]

    if kind not in KINDS:
        return [f"kind {kind!r}"]
    if not isinstance(pupils, list) or not set(pupils) <= set(names):
        problems.append(f"pupils {pupils} are not all linked children {names}")
    elif pupils != [name for name in names if name in pupils]:
        problems.append(f"pupils {pupils} are not in the family's order {names}")
    if len(set(pupils)) != len(pupils):
        problems.append("a pupil is listed twice")
    if not isinstance(ask, list) or not set(ask) <= ASKS or len(set(ask)) != len(ask):
        problems.append(f"ask {ask}")
    if not isinstance(flags, list) or not set(flags) <= FLAGS or len(set(flags)) != len(flags):
        problems.append(f"flags {flags}")
    if "pupil" in ask and pupils:
        problems.append("asks for the pupil but pupils are known")
    if "pupil" in ask and len(names) < 2:
        problems.append("asks for the pupil of a sender with one child")
    if len(names) == 1 and pupils not in ([], names):
        problems.append("one linked child, but pupils is someone else")

    if kind == "other":
        for field in ("reason", "code", "first_day", "return", "part"):
            if expect[field] is not None:
                problems.append(f"{field} should be null for kind other")
        if ask:
            problems.append("an other message asks nothing")
        return problems

    if reason not in CODES:
        problems.append(f"reason {reason!r}")
    elif code != CODES[reason]:
        problems.append(f"code {code!r} does not match reason {reason!r}")
    if part not in PARTS:
        problems.append(f"part {part!r}")
    if first is None:
        problems.append("first_day missing")
    else:
        if not cal.is_school_day(first):
            problems.append(f"first_day {first} is not a school day ({cal.closed_because(first)})")
        if first < sent.date():
            problems.append(f"first_day {first} is before the message was sent")
    if back is not None:
        if not cal.is_school_day(back):
            problems.append(f"return {back} is not a school day ({cal.closed_because(back)})")
        if first is not None and back <= first:
            problems.append(f"return {back} is not after first_day {first}")
    if part in ("am", "pm") and back is not None:
        problems.append("a part-day case has a return")
    if part in ("am", "pm") and "return" in ask:
        problems.append("a part-day case asks for a return")

    if kind == "late":
        if (reason, part, back) != ("late", "am", None):
            problems.append("a late is reason late, part am, return null")
        if first != sent.date():
            problems.append("a late is for the day it is sent")
    elif reason == "late":
        problems.append("reason late belongs to kind late")

    if kind == "absence":
        if ("reason" in ask) != (reason is None):
            problems.append("'reason' in ask exactly when the reason is null")
        if part == "full" and ("return" in ask) != (back is None):
            problems.append("a full-day absence asks 'return' exactly when return is null")
    if kind == "leave_request":
        if "reason" in ask and reason is not None:
            problems.append("asks for a reason that is given")
        if part == "full" and back is None and "return" not in ask:
            problems.append("a full-day leave request without a return should ask for it")
    return problems


@by_corpus
def test_every_line_is_a_json_object_with_the_documented_fields(name: str) -> None:
    problems = []
    for number, line in enumerate(lines(name), 1):
        try:
            case = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"line {number}: {error}")
            continue
        if not isinstance(case, dict):
            problems.append(f"line {number}: not an object")
            continue
        problems += [f"line {number} ({case.get('id')}): {p}" for p in shape_problems(case)]
    assert problems == []


@by_corpus
def test_ids_are_unique_numbered_and_in_date_order(name: str) -> None:
    ids = case_ids(name)
    prefix = CORPORA[name][0]
    assert len(ids) == len(set(ids))
    assert ids == [f"{prefix}-{number:03d}" for number in range(1, len(ids) + 1)]
    times = [datetime.fromisoformat(case["now"]) for case in cases(name)]
    assert times == sorted(times)


@pytest.mark.parametrize("case", [case for _, case in every_case()],
                         ids=[str(case.get("id")) for _, case in every_case()])
def test_labels_are_consistent(case: dict[str, Any]) -> None:
    assert shape_problems(case) == []
    assert label_problems(case, calendar()) == []


@by_corpus
def test_there_are_enough_cases(name: str) -> None:
    assert len(cases(name)) >= CORPORA[name][1]


@by_corpus
def test_kinds_come_in_sensible_proportions(name: str) -> None:
    counts = Counter(case["expect"]["kind"] for case in cases(name))
    total = sum(counts.values())
    shares = {kind: counts[kind] / total for kind in KINDS}
    outside = {
        kind: round(share, 3)
        for kind, share in shares.items()
        if not KIND_SHARES[kind][0] <= share <= KIND_SHARES[kind][1]
    }
    assert outside == {}


@by_corpus
def test_the_corpus_covers_the_whole_school_year(name: str) -> None:
    months = {case["now"][:7] for case in cases(name)}
    expected = {f"2026-{m:02d}" for m in range(9, 13)} | {f"2027-{m:02d}" for m in range(1, 8)}
    assert expected <= months


@pytest.mark.parametrize("name", ["messages_own.jsonl"])
def test_every_reason_and_part_and_flag_occurs(name: str) -> None:
    expects = [case["expect"] for case in cases(name)]
    assert {e["reason"] for e in expects} >= set(CODES)
    assert {e["part"] for e in expects} >= PARTS
    assert {flag for e in expects for flag in e["flags"]} == FLAGS
    assert {item for e in expects for item in e["ask"]} == ASKS

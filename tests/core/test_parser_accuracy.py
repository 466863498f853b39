"""Regression guard: the parser's accuracy on the labelled corpora stays at its targets.

The shared dev file is a check we do not tune to; our own corpus (tests/data) is larger and
written the same way. Targets: every field >= 95% and whole cases >= 88% on the dev file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.calendar import load_calendar
from core.evaluation import FIELDS, evaluate_messages
from tests.conftest import CORPUS_CALENDAR, SHARED

REPO = Path(__file__).resolve().parents[2]
DEV = SHARED / "data" / "absence_messages_dev.jsonl"
OWN = REPO / "tests" / "data" / "messages_own.jsonl"
HOLDOUT = REPO / "tests" / "data" / "messages_holdout.jsonl"
OAKFIELD = REPO / "examples" / "calendars" / "oakfield-2026-27.toml"


def test_the_dev_corpus_meets_the_targets() -> None:
    scores, _ = evaluate_messages(DEV, load_calendar(CORPUS_CALENDAR))
    summary = scores.summary()
    low = {f: round(v, 3) for f, v in summary["fields"].items() if v < 0.95}
    assert low == {}
    assert summary["whole_case"] >= 0.88


@pytest.mark.parametrize("field", FIELDS)
def test_our_own_corpus_stays_at_its_measured_accuracy(field: str) -> None:
    scores, _ = evaluate_messages(OWN, load_calendar(OAKFIELD))
    assert scores.summary()["fields"][field] >= OWN_FLOORS[field]


def test_our_own_corpus_whole_cases_and_flags() -> None:
    scores, _ = evaluate_messages(OWN, load_calendar(OAKFIELD))
    summary = scores.summary()
    assert summary["whole_case"] >= OWN_FLOORS["whole_case"]
    assert summary["flags"] >= OWN_FLOORS["flags"]


# Measured figures less about a point, so a change that makes reading worse fails here.
OWN_FLOORS = {"kind": 0.985, "pupils": 0.99, "reason": 0.98, "code": 0.98, "first_day": 0.95,
              "return": 0.92, "part": 0.975, "ask": 0.935, "whole_case": 0.885, "flags": 0.98}


def test_the_held_out_corpus_stays_at_its_measured_accuracy() -> None:
    # Written apart from the parser and never read while changing it: only these aggregate
    # figures are looked at, so it stays an honest measure of unseen messages.
    scores, _ = evaluate_messages(HOLDOUT, load_calendar(OAKFIELD))
    summary = scores.summary()
    low = {f: round(v, 3) for f, v in summary["fields"].items() if v < HOLDOUT_FLOORS[f]}
    assert low == {}
    assert summary["whole_case"] >= HOLDOUT_FLOORS["whole_case"]


HOLDOUT_FLOORS = {"kind": 0.95, "pupils": 0.97, "reason": 0.90, "code": 0.90, "first_day": 0.95,
                  "return": 0.97, "part": 0.91, "ask": 0.90, "whole_case": 0.82}

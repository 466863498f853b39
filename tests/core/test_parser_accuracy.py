"""Regression guard: the parser's accuracy on the labelled corpora stays at its targets.

The shared dev file is a check we do not tune to; our own corpus (tests/data) is larger and
written the same way. Targets: every field >= 95% and whole cases >= 88% on the dev file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from core.calendar import load_calendar
from core.evaluation import evaluate_messages
from tests.conftest import CORPUS_CALENDAR, SHARED

REPO = Path(__file__).resolve().parents[2]
DEV = SHARED / "data" / "absence_messages_dev.jsonl"
OWN = REPO / "tests" / "data" / "messages_own.jsonl"
OWN_2 = REPO / "tests" / "data" / "messages_own_2.jsonl"
OWN_3 = REPO / "tests" / "data" / "messages_own_3.jsonl"
OWN_4 = REPO / "tests" / "data" / "messages_own_4.jsonl"
HOLDOUT = REPO / "tests" / "data" / "messages_holdout.jsonl"
OAKFIELD = REPO / "examples" / "calendars" / "oakfield-2026-27.toml"


def test_the_dev_corpus_meets_the_targets() -> None:
    scores, _ = evaluate_messages(DEV, load_calendar(CORPUS_CALENDAR))
    summary = scores.summary()
    low = {f: round(v, 3) for f, v in summary["fields"].items() if v < 0.95}
    assert low == {}
    assert summary["whole_case"] >= 0.88


@pytest.mark.parametrize("corpus, floors", [
    (OWN, {"kind": 0.99, "pupils": 0.99, "reason": 0.985, "code": 0.985, "first_day": 0.975,
           "return": 0.965, "part": 0.985, "ask": 0.98, "whole_case": 0.95, "flags": 0.985}),
    (OWN_2, {"kind": 0.985, "pupils": 0.99, "reason": 0.98, "code": 0.98, "first_day": 0.965,
             "return": 0.975, "part": 0.985, "ask": 0.98, "whole_case": 0.95, "flags": 0.975}),
    (OWN_3, {"kind": 0.98, "pupils": 0.98, "reason": 0.97, "code": 0.965, "first_day": 0.98,
             "return": 0.96, "part": 0.965, "ask": 0.97, "whole_case": 0.93, "flags": 0.98}),
    (OWN_4, {"kind": 0.98, "pupils": 0.99, "reason": 0.97, "code": 0.965, "first_day": 0.965,
             "return": 0.97, "part": 0.965, "ask": 0.965, "whole_case": 0.95, "flags": 0.97}),
], ids=["own", "own_2", "own_3", "own_4"])
def test_our_tuning_corpora_stay_at_their_measured_accuracy(corpus: Path,
                                                            floors: dict[str, float]) -> None:
    # Measured figures less about a point, so a change that makes reading worse fails here.
    scores, _ = evaluate_messages(corpus, load_calendar(OAKFIELD))
    summary = scores.summary()
    figures = summary["fields"] | {"whole_case": summary["whole_case"],
                                   "flags": summary["flags"]}
    assert {f: round(v, 3) for f, v in figures.items() if v < floors[f]} == {}


def test_the_held_out_corpus_stays_at_its_measured_accuracy() -> None:
    # Written apart from the parser and never read while changing it: only these aggregate
    # figures are looked at, so it stays an honest measure of unseen messages.
    scores, _ = evaluate_messages(HOLDOUT, load_calendar(OAKFIELD))
    summary = scores.summary()
    low = {f: round(v, 3) for f, v in summary["fields"].items() if v < HOLDOUT_FLOORS[f]}
    assert low == {}
    assert summary["whole_case"] >= HOLDOUT_FLOORS["whole_case"]


HOLDOUT_FLOORS = {"kind": 0.97, "pupils": 0.97, "reason": 0.955, "code": 0.955,
                  "first_day": 0.975, "return": 0.98, "part": 0.95, "ask": 0.95,
                  "whole_case": 0.895}

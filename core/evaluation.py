"""Scoring the message parser on a labelled corpus (the format of ABSENCE_MESSAGES.md)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from core.calendar import SchoolCalendar
from core.parsing.message import parse_message
from core.parsing.pupils import Child

FIELDS = ("kind", "pupils", "reason", "code", "first_day", "return", "part", "ask")
UNORDERED = {"pupils", "ask", "flags"}


@dataclass
class Scores:
    cases: int = 0
    whole: int = 0
    right: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    flags_cases: int = 0
    flags_right: int = 0
    failures: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        per_field = {f: self.right[f] / self.cases for f in FIELDS} if self.cases else {}
        result: dict[str, Any] = {"cases": self.cases, "fields": per_field,
                                  "whole_case": self.whole / max(1, self.cases)}
        if self.flags_cases:
            result["flags"] = self.flags_right / self.flags_cases
        return result


def read_cases(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as error:
                    raise ValueError(f"{path.name} line {number}: not JSON ({error.msg})") from None


def children_of(case: dict[str, Any]) -> list[Child]:
    return [Child(c["first"], c["last"], c.get("known_as"), c.get("year"))
            for c in case["children"]]


def predict(case: dict[str, Any], calendar: SchoolCalendar) -> dict[str, Any]:
    parsed = parse_message(case["text"], datetime.fromisoformat(case["now"]),
                           children_of(case), calendar)
    return parsed.expect()


def _same(name: str, got: Any, want: Any) -> bool:
    if name in UNORDERED:
        return sorted(got or []) == sorted(want or [])
    return bool(got == want)


def evaluate_messages(path: Path, calendar: SchoolCalendar
                      ) -> tuple[Scores, list[dict[str, Any]]]:
    """Accuracy per field and per whole case, and one prediction per case."""
    scores, predictions = Scores(), []
    for case in read_cases(path):
        got = predict(case, calendar)
        want = case["expect"]
        predictions.append({"id": case["id"], **got})
        scores.cases += 1
        wrong = [f for f in FIELDS if not _same(f, got.get(f), want.get(f))]
        for name in FIELDS:
            scores.right[name] += name not in wrong
        scores.whole += not wrong
        if "flags" in want:
            scores.flags_cases += 1
            scores.flags_right += _same("flags", got["flags"], want["flags"])
        if wrong:
            scores.failures.append({"id": case["id"], "text": case["text"], "wrong": {
                f: {"got": got.get(f), "want": want.get(f)} for f in wrong}})
    return scores, predictions

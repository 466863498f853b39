"""Score the date resolver on the peer-written benchmark (`peer_dates.jsonl`).

Each case's whole `input` sentence is read with its `reference` as now and no school calendar;
a case is right when the first date found starts on `expected_start`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from core.dates import resolve_first


def evaluate_peer_dates(path: Path) -> tuple[dict, list[dict]]:
    """Accuracy overall, by source and by tag, and one prediction per case."""
    cases = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    predictions = [_predict(case) for case in cases]
    tally: dict[str, dict[str, list[bool]]] = {"by_source": defaultdict(list),
                                               "by_tag": defaultdict(list)}
    hits = []
    for case, prediction in zip(cases, predictions, strict=True):
        hit = prediction["start"] == case["expected_start"]
        hits.append(hit)
        tally["by_source"][case["source"]].append(hit)
        for tag in case.get("tags") or ():
            tally["by_tag"][tag].append(hit)
    summary = {**_score(hits), **{
        group: {name: _score(marks) for name, marks in sorted(tally[group].items())}
        for group in ("by_source", "by_tag")}}
    return summary, predictions


def _predict(case: dict) -> dict:
    found = resolve_first(case["input"], datetime.fromisoformat(case["reference"]))
    return {"id": case["id"],
            "start": found.start.isoformat() if found else None,
            "end": found.end.isoformat() if found else None}


def _score(hits: list[bool]) -> dict:
    correct = sum(hits)
    return {"cases": len(hits), "correct": correct,
            "accuracy": round(correct / len(hits), 4) if hits else 0.0}

"""Commands for reading messages: `rollcall parse`, `rollcall eval ...`, `rollcall bench parse`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from core.calendar import SchoolCalendar, load_calendar
from core.configfile import ConfigError
from core.parsing.pupils import Child
from core.term_dates import typical_calendar

eval_app = typer.Typer(help="Measure the parser on labelled files.", no_args_is_help=True)

REPO = Path(__file__).resolve().parents[1]
OWN_CORPUS = REPO / "tests" / "data" / "messages_own.jsonl"
OWN_CALENDAR = REPO / "examples" / "calendars" / "oakfield-2026-27.toml"


def _calendar(path: Path | None, now: datetime) -> SchoolCalendar:
    if path is None:
        return typical_calendar(now.date())
    try:
        return load_calendar(path)
    except ConfigError as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None


def _children(spec: str) -> list[Child]:
    """'Amelia Smith:Millie,Jack Smith' -> two children, the first known as Millie."""
    children = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, known_as = item.partition(":")
        first, _, last = name.strip().partition(" ")
        children.append(Child(first, last.strip(), known_as.strip() or None))
    return children


def parse_command(
    text: Annotated[str, typer.Argument(help="The parent's message.")],
    now: Annotated[str, typer.Option(help="When it arrived, local time: 2026-11-23T08:00")],
    children: Annotated[str, typer.Option(
        help="The sender's children: 'Amelia Smith:Millie,Jack Smith' (':' adds a known-as "
             "name).")],
    calendar: Annotated[Path | None, typer.Option(
        help="School calendar file [default: the typical English school year]")] = None,
) -> None:
    """Show how one message is read: kind, pupils, reason, code, dates, what to ask, and why."""
    from core.parsing.message import parse_message

    arrived = datetime.fromisoformat(now)
    parsed = parse_message(text, arrived, _children(children), _calendar(calendar, arrived))
    typer.echo(f"message: {text}")
    for number, report in enumerate(parsed.reports, start=1):
        typer.echo(f"report {number}:")
        values = report.expect()
        for name, value in values.items():
            confidence = report.confidence.get(
                {"return": "return", "pupils": "pupils"}.get(name, name))
            sure = f"  ({confidence:.0%} sure)" if confidence is not None else ""
            typer.echo(f"  {name:<10} {_show(value)}{sure}")
        for name, spans in report.evidence.items():
            if spans:
                quoted = ", ".join(repr(text[a:b]) for a, b in spans)
                typer.echo(f"  {name} from: {quoted}")
    typer.echo(f"flags: {', '.join(parsed.flags) or 'none'}")


def _show(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    return str(value)


@eval_app.command("messages")
def eval_messages(
    file: Annotated[Path, typer.Argument(help="Labelled messages (JSON lines).", exists=True)],
    calendar: Annotated[Path, typer.Option(help="The calendar the cases assume.", exists=True)],
    predictions: Annotated[Path | None, typer.Option(
        help="Write one prediction a line (id plus the expect fields) here.")] = None,
    failures: Annotated[bool, typer.Option(help="List every case not wholly right.")] = False,
) -> None:
    """Accuracy per field and per whole case on a labelled file."""
    from core.evaluation import evaluate_messages

    scores, predicted = evaluate_messages(file, _calendar(calendar, datetime.now()))
    summary = scores.summary()
    typer.echo(f"{file.name}: {summary['cases']} cases")
    for name, value in summary["fields"].items():
        typer.echo(f"  {name:<10} {value:6.1%}")
    if "flags" in summary:
        typer.echo(f"  {'flags':<10} {summary['flags']:6.1%}")
    typer.echo(f"  {'whole case':<10} {summary['whole_case']:6.1%}")
    _write(predictions, predicted)
    if failures:
        for failure in scores.failures:
            typer.echo(f"{failure['id']}: {failure['text']}")
            for name, pair in failure["wrong"].items():
                typer.echo(f"    {name}: got {pair['got']!r}, want {pair['want']!r}")


@eval_app.command("dates")
def eval_dates(
    file: Annotated[Path, typer.Argument(help="peer_dates.jsonl-style cases.", exists=True)],
    predictions: Annotated[Path | None, typer.Option(
        help="Write one prediction a line (id, start, end) here.")] = None,
) -> None:
    """Start-date accuracy on the peer-written date expressions, reading each whole input."""
    from core.date_eval import evaluate_peer_dates

    summary, predicted = evaluate_peer_dates(file)
    typer.echo(f"{file.name}: {summary['cases']} cases, {summary['accuracy']:.1%} right")
    for source, figures in summary.get("by_source", {}).items():
        typer.echo(f"  {source:<18} {figures['accuracy']:6.1%} of {figures['cases']}")
    for tag, figures in sorted(summary.get("by_tag", {}).items()):
        typer.echo(f"  tag {tag:<14} {figures['accuracy']:6.1%} of {figures['cases']}")
    _write(predictions, predicted)


def _write(path: Path | None, rows: list[dict[str, Any]]) -> None:
    if path is not None:
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        typer.echo(f"predictions written to {path}")


_COLD = """
import time
started = time.perf_counter()
from datetime import datetime
from core.calendar import load_calendar
from core.parsing.message import parse_message
from core.parsing.pupils import Child
calendar = load_calendar(__import__("pathlib").Path({calendar!r}))
parse_message("Amelia is poorly, back Weds", datetime(2026, 11, 23, 8), [Child("Amelia", "Smith")],
              calendar)
print(time.perf_counter() - started)
"""


def bench_parse(
    file: Annotated[Path, typer.Argument(help="Messages to read (JSON lines).")] = OWN_CORPUS,
    calendar: Annotated[Path, typer.Option(help="Their calendar.")] = OWN_CALENDAR,
    rounds: Annotated[int, typer.Option(help="Times through the file.")] = 5,
) -> None:
    """Per-message p50 and p99 and the cold start (import plus first message, new process)."""
    from core.evaluation import children_of, read_cases
    from core.parsing.message import parse_message

    cases = list(read_cases(file))
    school = load_calendar(calendar)
    prepared = [(c["text"], datetime.fromisoformat(c["now"]), children_of(c)) for c in cases]
    timings = []
    for _ in range(rounds):
        for text, now, kids in prepared:
            started = time.perf_counter()
            parse_message(text, now, kids, school)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    cold = subprocess.run([sys.executable, "-c", _COLD.format(calendar=str(calendar))],
                          capture_output=True, text=True, check=True, cwd=REPO)
    typer.echo(f"parse, {len(cases)} messages x {rounds}: p50 {_pct(timings, 50):.3f} ms, "
               f"p99 {_pct(timings, 99):.3f} ms, max {timings[-1]:.3f} ms; cold start "
               f"{float(cold.stdout.strip()) * 1000:.0f} ms")


def _pct(sorted_values: list[float], pct: int) -> float:
    return sorted_values[min(len(sorted_values) - 1, len(sorted_values) * pct // 100)]

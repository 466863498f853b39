"""`rollcall bench inbound` at a tiny scale: it runs the real app in its own process, fires
signed webhooks at it, and prints figures a script can read. No figure is judged here
(benchmarks print, tests do not time); only that every text was stored and answered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app as cli


def test_the_inbound_benchmark_stores_and_answers_every_text(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's reaches the app
    result = CliRunner().invoke(cli, ["bench", "inbound", "--messages", "50", "--concurrency",
                                      "10", "--processes", "1", "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"throughput_per_s", "p50_ms", "p99_ms", "seconds", "peak_mb", "errors",
            "lost"} <= set(figures)
    assert figures["messages"] == figures["stored"] == figures["answered"] == 50
    assert (figures["lost"], figures["errors"], figures["read_failed"]) == (0, 0, 0)
    assert figures["database"] == "sqlite" and figures["peak_mb"] > 0

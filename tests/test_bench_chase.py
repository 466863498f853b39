"""`rollcall bench chase`, run tiny: it seeds a morning, runs one tick in a process of its own,
and reports figures whose counts agree with what the database holds (timings are printed,
never asserted)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from bot.cli import app

FIGURES = {"throughput_per_s", "seconds", "cpu_seconds", "peak_mb", "baseline_mb",
           "chases_queued", "tasks_opened", "cancelled", "schools", "pupils", "contacts",
           "absences", "seed_seconds", "database", "outbox_queued", "tasks_in_database",
           "keys_written"}


def bench(*args: str) -> Result:
    return CliRunner().invoke(app, ["bench", "chase", "--schools", "3", "--pupils", "90",
                                    "--absences", "15", *args])


def test_the_bench_reports_one_tick_over_a_seeded_morning() -> None:
    result = bench("--json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) == FIGURES
    assert (figures["schools"], figures["pupils"], figures["absences"]) == (3, 90, 15)
    assert figures["database"] == "sqlite"
    assert 0 < figures["chases_queued"] == figures["outbox_queued"]
    assert figures["tasks_opened"] == figures["tasks_in_database"]
    assert figures["keys_written"] >= figures["chases_queued"] + figures["tasks_opened"]
    assert figures["peak_mb"] >= figures["baseline_mb"] > 0


def test_the_bench_speaks_plainly_without_json() -> None:
    result = bench()
    assert result.exit_code == 0, result.output
    assert "chase tick, 3 schools, 90 pupils, 15 unexplained absences (sqlite)" in result.output
    assert "chases/s" in result.output and "peak memory" in result.output


@pytest.mark.parametrize("engine", [pytest.param("postgres", marks=pytest.mark.postgres)],
                         indirect=True)
def test_the_bench_runs_on_postgresql_and_only_on_an_empty_database(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    first = bench("--json", "--database-url", url)
    assert first.exit_code == 0, first.output
    figures = json.loads(first.output)
    assert figures["database"] == "postgresql"
    assert 0 < figures["chases_queued"] == figures["outbox_queued"]
    again = bench("--database-url", url)
    assert again.exit_code == 2
    assert "needs an empty database" in again.output

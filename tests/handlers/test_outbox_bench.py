"""`rollcall bench outbound`, run tiny: it sends everything once and prints its figures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_the_outbound_benchmark_prints_its_figures_and_sends_each_text_once(
        tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "bench", "outbound",
         "--messages", "200", "--processes", "2", "--schools", "20", "--json"],
        cwd=tmp_path, capture_output=True, text=True, timeout=180, check=False)
    assert run.returncode == 0, run.stderr
    figures = json.loads(run.stdout)
    assert {"throughput_per_s", "p50_ms", "p99_ms", "seconds", "peak_mb", "duplicates",
            "max_number_rate_per_s", "number_rate_limit_per_s"} <= set(figures)
    assert (figures["sent"], figures["duplicates"], figures["missing"]) == (200, 0, 0)
    assert figures["exit_codes"] == [0, 0]  # both workers stopped cleanly on SIGTERM
    assert figures["p50_ms"] <= figures["p99_ms"]

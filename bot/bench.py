"""Benchmarks that print figures (never timed tests): `rollcall bench ...`."""

from __future__ import annotations

import resource
import tempfile
import time
from itertools import islice
from pathlib import Path

from sqlmodel import Session

from core import db
from core.clock import system_clock
from core.demo import demo_roster
from core.roster import import_roster
from core.schools import add_school


def bench_roster(rows: int, database_url: str | None = None) -> dict[str, float]:
    """Import a synthetic roster of `rows` rows into an empty database, then again."""
    # Families average about 2.9 rows each, so rows // 2 families always give enough.
    data = list(islice(demo_roster(seed=7, families=rows // 2 + 1), rows))
    with tempfile.TemporaryDirectory() as folder:
        engine = db.make_engine(database_url or f"sqlite:///{Path(folder) / 'bench.db'}")
        db.upgrade(engine)
        figures: dict[str, float] = {"rows": len(data)}
        for label in ("first_import_s", "reimport_s"):
            started = time.perf_counter()
            with Session(engine) as session:
                school, _ = add_school(session=session, clock=system_clock, name="Bench School")
                import_roster(session=session, school=school, rows=data, clock=system_clock)
                session.commit()
            figures[label] = time.perf_counter() - started
        engine.dispose()
    figures["rows_per_s"] = len(data) / figures["first_import_s"]
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures

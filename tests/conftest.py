"""Shared fixtures: a real, migrated database per test (SQLite always, PostgreSQL when marked)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlmodel import Session

import core.attendance_models  # (its tables are part of the schema)
import core.conversation_models  # noqa: F401
from core import db
from core.clock import FixedClock
from core.models import School
from core.schools import add_school

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS_CALENDAR = SHARED / "data" / "corpus_calendar.json"
POSTGRES_URL = os.environ.get(
    "ROLLCALL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file taken through every migration; each test gets a copy of it."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.upgrade(engine)
    engine.dispose()
    return path


def _sqlite_engine(template: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "rollcall.db"
    shutil.copy(template, path)
    engine = db.make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """One PostgreSQL database taken through every migration; each test gets a copy of it
    (CREATE DATABASE ... TEMPLATE), which is much quicker than migrating each time."""
    name = f"rollcall_template_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = db.make_engine(POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}")
    db.upgrade(engine)
    engine.dispose()  # a template may have no connections when it is copied
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _postgres_engine(template: str) -> Iterator[Engine]:
    """A database of its own for one test, migrated, dropped afterwards."""
    name = f"rollcall_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = db.make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path,
           migrated_sqlite: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        yield from _sqlite_engine(migrated_sqlite, tmp_path)
    else:
        yield from _postgres_engine(request.getfixturevalue("postgres_template"))


@pytest.fixture
def sqlite_engine(tmp_path: Path, migrated_sqlite: Path) -> Iterator[Engine]:
    yield from _sqlite_engine(migrated_sqlite, tmp_path)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def clock() -> FixedClock:
    """Monday 23 November 2026, 08:00 in London (GMT)."""
    return FixedClock(datetime(2026, 11, 23, 8, 0, tzinfo=UTC))


@pytest.fixture
def school(session: Session, clock: FixedClock) -> School:
    school, _ = add_school(session=session, clock=clock, name="Example Primary",
                           slug="example", calendar_file=CORPUS_CALENDAR)
    session.commit()
    return school

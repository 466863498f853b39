"""Database engine and schema migrations, applied at start-up and by `rollcall db upgrade`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event

logger = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# Connections a process keeps open. SQLAlchemy's default of 5 (and 10 more opened when busy)
# closed a busy web process's extra connections as each request returned them, so under load
# PostgreSQL forked a backend for most requests; 10 covers a web process's inbound threads
# (bot.delivery.INBOUND_THREADS) and the outbox's and tick's work beside them.
POOL_SIZE = 10


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for the URL; SQLite gets foreign keys on, WAL and a busy timeout."""
    if not url.startswith("sqlite"):
        kwargs.setdefault("pool_size", POOL_SIZE)
        return create_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        # SQLite leaves foreign keys off unless asked on every connection; the school
        # isolation of pupil-contact links depends on them.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 5000")
        if ":memory:" not in url:
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    return engine


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision`; a no-op when it is already there."""
    command.upgrade(_alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_alembic_config(make_engine("sqlite://"))).get_current_head()

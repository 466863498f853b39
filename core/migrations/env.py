"""Alembic environment: runs against the engine the caller hands over in config.attributes."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import core.attendance_models
import core.conversation_models
import core.models  # noqa: F401

config = context.config
engine = config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=SQLModel.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()

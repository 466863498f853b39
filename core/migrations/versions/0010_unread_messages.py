"""A partial index on messages stored but not yet read, for the tick's look for any a stopped
process left behind: a handful among millions, found without reading the table

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 04:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNREAD = "status = 'received'"


def upgrade() -> None:
    op.create_index('ix_message_unread', 'message', ['created_at', 'id'], unique=False,
                    sqlite_where=sa.text(UNREAD), postgresql_where=sa.text(UNREAD))


def downgrade() -> None:
    op.drop_index('ix_message_unread', table_name='message')

"""Outbox leases: several worker processes share one outbox, each row claimed by one of them
for a while; a worker that dies leaves its lease to run out, and another takes the row

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 00:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lease_until', sa.DateTime(timezone=True),
                                      nullable=True))
    # The outbox is the few queued outgoing rows among millions of messages: a partial index
    # keeps finding them cheap on both databases.
    op.create_index('ix_message_outbox', 'message', ['next_attempt_at', 'id'], unique=False,
                    sqlite_where=sa.text("status = 'queued' AND direction = 'outgoing'"),
                    postgresql_where=sa.text("status = 'queued' AND direction = 'outgoing'"))


def downgrade() -> None:
    op.drop_index('ix_message_outbox', table_name='message')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')

"""A natural key for tasks that scheduled jobs open (an outbreak flagged, a report on a
persistent absentee, a ladder step due): two processes running the same job at once write
the same key, and the database keeps one

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 00:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=128), nullable=True))
        batch_op.create_unique_constraint('uq_staff_task_dedupe_key',
                                          ['school_id', 'dedupe_key'])


def downgrade() -> None:
    with op.batch_alter_table('staff_task', schema=None) as batch_op:
        batch_op.drop_constraint('uq_staff_task_dedupe_key', type_='unique')
        batch_op.drop_column('dedupe_key')

"""Staff record whether a call reached a parent (it stops the no-contact steps)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 18:24:45.821637
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table('staff_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_made', sa.Boolean(), nullable=True))




def downgrade() -> None:

    with op.batch_alter_table('staff_task', schema=None) as batch_op:
        batch_op.drop_column('contact_made')



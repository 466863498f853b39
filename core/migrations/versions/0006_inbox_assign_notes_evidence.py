"""Staff inbox: who looks after a conversation, safeguarding notes, where in the message each
part of a report was read, and the conversation a task is about

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 21:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('assigned_to', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_conversation_assigned_to'), ['assigned_to'],
                              unique=False)
        batch_op.create_foreign_key('fk_conversation_assigned_to_staff_user', 'staff_user',
                                    ['assigned_to'], ['id'])
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('restricted', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('absence_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('evidence', sa.Text(), server_default='{}',
                                      nullable=False))
    with op.batch_alter_table('staff_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conversation_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_staff_task_conversation_id_conversation',
                                    'conversation', ['conversation_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('staff_task', schema=None) as batch_op:
        batch_op.drop_constraint('fk_staff_task_conversation_id_conversation',
                                 type_='foreignkey')
        batch_op.drop_column('conversation_id')
    with op.batch_alter_table('absence_report', schema=None) as batch_op:
        batch_op.drop_column('evidence')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('restricted')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_constraint('fk_conversation_assigned_to_staff_user', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_conversation_assigned_to'))
        batch_op.drop_column('assigned_to')

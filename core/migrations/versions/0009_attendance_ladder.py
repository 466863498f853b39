"""The attendance intervention ladder: each pupil's steps (proposed, approved, dismissed,
done) with the figures behind them and their letters, and the weekly run of each school

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.dbtypes

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "'proposed', 'approved', 'dismissed', 'done'"


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        'intervention',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('pupil_id', sa.Integer(), nullable=False),
        sa.Column('step', _text(64), nullable=False),
        sa.Column('action', _text(16), nullable=False),
        sa.Column('title', _text(150), nullable=False),
        sa.Column('role', _text(32), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('status', _text(16), nullable=False),
        sa.Column('reason', _text(500), nullable=False),
        sa.Column('figures', sa.Text(), nullable=False),
        sa.Column('anchor_id', sa.Integer(), nullable=True),
        sa.Column('medical_evidence', sa.Boolean(), nullable=True),
        sa.Column('target', sa.Float(), nullable=True),
        sa.Column('review_due', sa.Date(), nullable=True),
        sa.Column('letter', sa.Text(), nullable=True),
        sa.Column('note', _text(500), nullable=True),
        sa.Column('decided_by', _text(254), nullable=True),
        sa.Column('decided_at', core.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column('done_by', _text(254), nullable=True),
        sa.Column('done_at', core.dbtypes.UTCDateTime(timezone=True), nullable=True),
        sa.Column('task_id', sa.Integer(), nullable=True),
        sa.Column('created_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status IN ({STATUSES})", name='ck_intervention_status'),
        sa.ForeignKeyConstraint(['school_id', 'pupil_id'], ['pupil.school_id', 'pupil.id'],
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['school_id'], ['school.id']),
        sa.ForeignKeyConstraint(['anchor_id'], ['intervention.id']),
        sa.ForeignKeyConstraint(['task_id'], ['staff_task.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('school_id', 'pupil_id', 'step', 'week', name='uq_intervention_key'),
    )
    with op.batch_alter_table('intervention', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intervention_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_school_id'), ['school_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_intervention_status'), ['status'], unique=False)

    op.create_table(
        'ladder_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('as_of', sa.Date(), nullable=False),
        sa.Column('proposed', sa.Integer(), nullable=False),
        sa.Column('ran_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['school_id'], ['school.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('school_id', 'week', name='uq_ladder_run_week'),
    )
    with op.batch_alter_table('ladder_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ladder_run_school_id'), ['school_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ladder_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ladder_run_school_id'))
    op.drop_table('ladder_run')
    with op.batch_alter_table('intervention', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_intervention_status'))
        batch_op.drop_index(batch_op.f('ix_intervention_school_id'))
        batch_op.drop_index(batch_op.f('ix_intervention_pupil_id'))
    op.drop_table('intervention')

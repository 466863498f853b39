"""Conversations, messages, absence reports, Telegram link codes; the medical evidence flag

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 17:31:30.051551
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.dbtypes

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('bot_paused', sa.Boolean(), nullable=False),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('flow', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('flow_state', sa.Text(), nullable=False),
    sa.Column('last_incoming_at', core.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("channel IN ('simulator', 'sms', 'whatsapp', 'telegram')", name='ck_conversation_channel'),
    sa.CheckConstraint("status IN ('open', 'waiting_parent', 'needs_attention', 'resolved')", name='ck_conversation_status'),
    sa.ForeignKeyConstraint(['school_id', 'contact_id'], ['contact.school_id', 'contact.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('school_id', 'channel', 'address', name='uq_conversation_address')
    )
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversation_school_id'), ['school_id'], unique=False)

    op.create_table('telegram_link_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', core.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['school_id', 'contact_id'], ['contact.school_id', 'contact.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('telegram_link_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_link_code_code'), ['code'], unique=True)
        batch_op.create_index(batch_op.f('ix_telegram_link_code_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_telegram_link_code_school_id'), ['school_id'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('direction', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('author', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('provider_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('template', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('media', sa.Text(), nullable=False),
    sa.Column('raw', sa.Text(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("direction IN ('incoming', 'outgoing', 'note')", name='ck_message_direction'),
    sa.CheckConstraint("status IN ('received', 'handled', 'for_staff', 'queued', 'sent', 'delivered', 'failed', 'undelivered')", name='ck_message_status'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'provider_id', name='uq_message_provider_id')
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_status'), ['status'], unique=False)

    op.create_table('absence_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('suggested_code', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
    sa.Column('first_day', sa.Date(), nullable=True),
    sa.Column('return_day', sa.Date(), nullable=True),
    sa.Column('part', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('details', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('collecting', 'confirmed', 'for_head', 'withdrawn')", name='ck_absence_report_status'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversation.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.ForeignKeyConstraint(['school_id', 'pupil_id'], ['pupil.school_id', 'pupil.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('absence_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_absence_report_conversation_id'), ['conversation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_absence_report_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_absence_report_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_absence_report_status'), ['status'], unique=False)

    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.add_column(sa.Column('medical_evidence', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))




def downgrade() -> None:

    with op.batch_alter_table('pupil', schema=None) as batch_op:
        batch_op.drop_column('medical_evidence')

    with op.batch_alter_table('absence_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_absence_report_status'))
        batch_op.drop_index(batch_op.f('ix_absence_report_school_id'))
        batch_op.drop_index(batch_op.f('ix_absence_report_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_absence_report_conversation_id'))

    op.drop_table('absence_report')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_status'))
        batch_op.drop_index(batch_op.f('ix_message_school_id'))
        batch_op.drop_index(batch_op.f('ix_message_conversation_id'))

    op.drop_table('message')
    with op.batch_alter_table('telegram_link_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_link_code_school_id'))
        batch_op.drop_index(batch_op.f('ix_telegram_link_code_contact_id'))
        batch_op.drop_index(batch_op.f('ix_telegram_link_code_code'))

    op.drop_table('telegram_link_code')
    with op.batch_alter_table('conversation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_school_id'))
        batch_op.drop_index(batch_op.f('ix_conversation_contact_id'))

    op.drop_table('conversation')


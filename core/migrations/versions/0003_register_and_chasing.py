"""Register marks, the amendment trail (append-only), chase actions, staff tasks; outbox backoff

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 17:59:07.999018
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.dbtypes

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


MESSAGE_STATUSES = ("received", "handled", "for_staff", "queued", "sent", "delivered", "failed",
                    "undelivered", "cancelled")
REPORT_STATUSES = ("collecting", "confirmed", "for_head", "withdrawn", "approved")
# The amendment trail is append-only: the database itself refuses to change or remove a row.
PG_APPEND_ONLY = """
CREATE FUNCTION mark_amendment_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the amendment trail is append-only'; END $$;
CREATE TRIGGER mark_amendment_append_only BEFORE UPDATE OR DELETE ON mark_amendment
FOR EACH ROW EXECUTE FUNCTION mark_amendment_append_only();
"""
SQLITE_APPEND_ONLY = (
    "CREATE TRIGGER mark_amendment_no_update BEFORE UPDATE ON mark_amendment "
    "BEGIN SELECT RAISE(ABORT, 'the amendment trail is append-only'); END",
    "CREATE TRIGGER mark_amendment_no_delete BEFORE DELETE ON mark_amendment "
    "BEGIN SELECT RAISE(ABORT, 'the amendment trail is append-only'); END",
)


def _set_check(table: str, name: str, column: str, values: tuple[str, ...]) -> None:
    allowed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(name, type_="check")
        batch_op.create_check_constraint(name, f"{column} IN ({allowed})")


def upgrade() -> None:

    op.create_table('register_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('session', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('mark', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("session IN ('AM', 'PM')", name='ck_register_mark_session'),
    sa.ForeignKeyConstraint(['school_id', 'pupil_id'], ['pupil.school_id', 'pupil.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pupil_id', 'day', 'session', name='uq_register_mark_session')
    )
    with op.batch_alter_table('register_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_mark_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_mark_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_register_mark_school_id'), ['school_id'], unique=False)

    op.create_table('staff_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('due_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('completed_at', core.dbtypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('created_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('office', 'attendance_officer', 'dsl', 'headteacher', 'admin')", name='ck_staff_task_role'),
    sa.CheckConstraint("status IN ('open', 'done', 'cancelled')", name='ck_staff_task_status'),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('staff_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_task_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_task_school_id'), ['school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_task_status'), ['status'], unique=False)

    op.create_table('chase_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('step', sqlmodel.sql.sqltypes.AutoString(length=96), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], ),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], ),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['staff_task.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('school_id', 'pupil_id', 'day', 'step', name='uq_chase_action_key')
    )
    with op.batch_alter_table('chase_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_chase_action_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chase_action_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_chase_action_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_chase_action_school_id'), ['school_id'], unique=False)

    op.create_table('mark_amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('pupil_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('session', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('old_mark', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
    sa.Column('new_mark', sqlmodel.sql.sqltypes.AutoString(length=4), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('changed_at', core.dbtypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['pupil_id'], ['pupil.id'], ),
    sa.ForeignKeyConstraint(['report_id'], ['absence_report.id'], ),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mark_amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mark_amendment_day'), ['day'], unique=False)
        batch_op.create_index(batch_op.f('ix_mark_amendment_pupil_id'), ['pupil_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mark_amendment_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', core.dbtypes.UTCDateTime(timezone=True), nullable=True))

    _set_check("message", "ck_message_status", "status", MESSAGE_STATUSES)
    _set_check("absence_report", "ck_absence_report_status", "status", REPORT_STATUSES)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_APPEND_ONLY)
    else:
        for statement in SQLITE_APPEND_ONLY:
            op.execute(statement)




def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS mark_amendment_append_only ON mark_amendment")
        op.execute("DROP FUNCTION IF EXISTS mark_amendment_append_only()")
    _set_check("message", "ck_message_status", "status", MESSAGE_STATUSES[:-1])
    _set_check("absence_report", "ck_absence_report_status", "status", REPORT_STATUSES[:-1])

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_column('next_attempt_at')

    with op.batch_alter_table('mark_amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mark_amendment_school_id'))
        batch_op.drop_index(batch_op.f('ix_mark_amendment_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_mark_amendment_day'))

    op.drop_table('mark_amendment')
    with op.batch_alter_table('chase_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_chase_action_school_id'))
        batch_op.drop_index(batch_op.f('ix_chase_action_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_chase_action_day'))
        batch_op.drop_index(batch_op.f('ix_chase_action_contact_id'))

    op.drop_table('chase_action')
    with op.batch_alter_table('staff_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_task_status'))
        batch_op.drop_index(batch_op.f('ix_staff_task_school_id'))
        batch_op.drop_index(batch_op.f('ix_staff_task_pupil_id'))

    op.drop_table('staff_task')
    with op.batch_alter_table('register_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_mark_school_id'))
        batch_op.drop_index(batch_op.f('ix_register_mark_pupil_id'))
        batch_op.drop_index(batch_op.f('ix_register_mark_day'))

    op.drop_table('register_mark')


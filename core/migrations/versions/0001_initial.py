"""Schools, their numbers, pupils, contacts, links and staff

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-22 10:29:33.225096
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import core.dbtypes

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "school",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("policy_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("policy_source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("calendar_json", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("calendar_source", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", core.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_slug"), ["slug"], unique=True)

    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("mobile", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("whatsapp", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("telegram_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("preferred_language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("created_at", core.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "id", name="uq_contact_school_id"),
    )
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_mobile"), ["mobile"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_school_id"), ["school_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contact_telegram_chat_id"), ["telegram_chat_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_contact_whatsapp"), ["whatsapp"], unique=False)

    op.create_table(
        "pupil",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("upn", sqlmodel.sql.sqltypes.AutoString(length=13), nullable=False),
        sa.Column("legal_first_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("legal_last_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column(
            "preferred_first_name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True
        ),
        sa.Column("year_group", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("reg_group", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("child_protection_plan", sa.Boolean(), nullable=False),
        sa.Column("child_in_need", sa.Boolean(), nullable=False),
        sa.Column("looked_after", sa.Boolean(), nullable=False),
        sa.Column("send", sa.Boolean(), nullable=False),
        sa.Column("eal", sa.Boolean(), nullable=False),
        sa.Column("fsm", sa.Boolean(), nullable=False),
        sa.Column("on_roll", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", core.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "id", name="uq_pupil_school_id"),
        sa.UniqueConstraint("school_id", "upn", name="uq_pupil_school_upn"),
    )
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pupil_school_id"), ["school_id"], unique=False)

    op.create_table(
        "school_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.CheckConstraint(
            "channel IN ('simulator', 'sms', 'whatsapp', 'telegram')", name="ck_school_channel_kind"
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "address", name="uq_school_channel_address"),
    )
    with op.batch_alter_table("school_channel", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_school_channel_school_id"), ["school_id"], unique=False
        )

    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", core.dbtypes.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('office', 'attendance_officer', 'dsl', 'headteacher', 'admin')",
            name="ck_staff_user_role",
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("school_id", "email", name="uq_staff_user_school_email"),
    )
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_user_school_id"), ["school_id"], unique=False)

    op.create_table(
        "pupil_contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("school_id", sa.Integer(), nullable=False),
        sa.Column("pupil_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("relationship", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("parental_responsibility", sa.Boolean(), nullable=True),
        sa.CheckConstraint("priority >= 1", name="ck_pupil_contact_priority"),
        sa.ForeignKeyConstraint(
            ["school_id", "contact_id"], ["contact.school_id", "contact.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["school_id", "pupil_id"], ["pupil.school_id", "pupil.id"], ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["school_id"],
            ["school.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pupil_id", "contact_id", name="uq_pupil_contact"),
    )
    with op.batch_alter_table("pupil_contact", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pupil_contact_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pupil_contact_pupil_id"), ["pupil_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pupil_contact_school_id"), ["school_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pupil_contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pupil_contact_school_id"))
        batch_op.drop_index(batch_op.f("ix_pupil_contact_pupil_id"))
        batch_op.drop_index(batch_op.f("ix_pupil_contact_contact_id"))

    op.drop_table("pupil_contact")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_user_school_id"))

    op.drop_table("staff_user")
    with op.batch_alter_table("school_channel", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_channel_school_id"))

    op.drop_table("school_channel")
    with op.batch_alter_table("pupil", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pupil_school_id"))

    op.drop_table("pupil")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_whatsapp"))
        batch_op.drop_index(batch_op.f("ix_contact_telegram_chat_id"))
        batch_op.drop_index(batch_op.f("ix_contact_school_id"))
        batch_op.drop_index(batch_op.f("ix_contact_mobile"))

    op.drop_table("contact")
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_slug"))

    op.drop_table("school")

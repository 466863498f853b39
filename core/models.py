"""The tables. Every row that concerns a child belongs to exactly one school.

Cross-school leaks are prevented by the database, not only by queries: a pupil-contact link
carries its school id and references both the pupil and the contact through (school_id, id),
so a link between a pupil of one school and a contact of another cannot be written.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.dbtypes import UTCDateTime


class StaffRole(StrEnum):
    office = "office"
    attendance_officer = "attendance_officer"
    dsl = "dsl"
    headteacher = "headteacher"
    admin = "admin"


class ChannelKind(StrEnum):
    simulator = "simulator"
    sms = "sms"
    whatsapp = "whatsapp"
    telegram = "telegram"


class PupilFlag(StrEnum):
    """Flags as MIS exports write them, mapped to the pupil's columns."""

    CP = "child_protection_plan"
    CIN = "child_in_need"
    LAC = "looked_after"
    SEND = "send"
    EAL = "eal"
    FSM = "fsm"
    EVIDENCE = "medical_evidence"  # the school asks for evidence with each illness report


def _in(values: type[StrEnum]) -> str:
    return "(" + ", ".join(f"'{v.value}'" for v in values) + ")"


def _timestamp(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class School(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    timezone: str = Field(default="Europe/London", max_length=64)
    policy_json: str = Field(description="The school's policy, validated, as JSON.")
    policy_source: str = Field(max_length=200, description="Where the policy came from.")
    calendar_json: str = Field(description="The school calendar, normalised to JSON.")
    calendar_source: str = Field(max_length=200, description="Where the calendar came from.")
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())


class SchoolChannel(SQLModel, table=True):
    """A number or bot that parents write to; it tells which school a message is for."""

    __tablename__ = "school_channel"
    __table_args__ = (
        UniqueConstraint("channel", "address", name="uq_school_channel_address"),
        CheckConstraint(f"channel IN {_in(ChannelKind)}", name="ck_school_channel_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64)


class Pupil(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("school_id", "upn", name="uq_pupil_school_upn"),
        UniqueConstraint("school_id", "id", name="uq_pupil_school_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    upn: str = Field(max_length=13)
    legal_first_name: str = Field(max_length=100)
    legal_last_name: str = Field(max_length=100)
    preferred_first_name: str | None = Field(default=None, max_length=100)
    year_group: str = Field(max_length=3)
    reg_group: str | None = Field(default=None, max_length=32)
    child_protection_plan: bool = False
    child_in_need: bool = False
    looked_after: bool = False
    send: bool = False
    eal: bool = False
    fsm: bool = False
    medical_evidence: bool = False
    on_roll: bool = True
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())

    @property
    def display_name(self) -> str:
        return f"{self.preferred_first_name or self.legal_first_name} {self.legal_last_name}"

    @property
    def is_vulnerable(self) -> bool:
        """Pupils whose unexplained absence goes to the DSL at once."""
        return self.child_protection_plan or self.child_in_need or self.looked_after


class Contact(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("school_id", "id", name="uq_contact_school_id"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    name: str = Field(max_length=200)
    mobile: str | None = Field(default=None, max_length=16, index=True, description="E.164")
    whatsapp: str | None = Field(default=None, max_length=16, index=True, description="E.164")
    telegram_chat_id: int | None = Field(default=None, sa_column=Column(BigInteger, index=True))
    email: str | None = Field(default=None, max_length=254)
    preferred_language: str = Field(default="en", max_length=8)
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())


class PupilContact(SQLModel, table=True):
    __tablename__ = "pupil_contact"
    __table_args__ = (
        UniqueConstraint("pupil_id", "contact_id", name="uq_pupil_contact"),
        ForeignKeyConstraint(
            ["school_id", "pupil_id"], ["pupil.school_id", "pupil.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["school_id", "contact_id"], ["contact.school_id", "contact.id"], ondelete="CASCADE"
        ),
        CheckConstraint("priority >= 1", name="ck_pupil_contact_priority"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(index=True)
    contact_id: int = Field(index=True)
    relationship: str | None = Field(default=None, max_length=64)
    priority: int = 1
    parental_responsibility: bool | None = None


class StaffUser(SQLModel, table=True):
    __tablename__ = "staff_user"
    __table_args__ = (
        UniqueConstraint("school_id", "email", name="uq_staff_user_school_email"),
        CheckConstraint(f"role IN {_in(StaffRole)}", name="ck_staff_user_role"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    role: str = Field(max_length=32)
    password_hash: str | None = Field(default=None, max_length=255)
    active: bool = True
    failed_signins: int = Field(default=0, sa_column_kwargs={"server_default": "0"},
                                description="Failed sign-ins in a row; reset by a good one.")
    locked_until: datetime | None = Field(
        default=None, sa_column=_timestamp(True),
        description="Too many failed sign-ins: no sign-in before this instant.")
    created_at: datetime = Field(sa_column=_timestamp())

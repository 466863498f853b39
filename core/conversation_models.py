"""Tables for conversations with parents: threads, every message in and out, and the reports
they produce. Like every row about a child, each belongs to one school.

A message is stored before anything reads it; provider retries are refused by the unique
(channel, provider_id) pair, so a webhook delivered twice is handled once.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKeyConstraint,
    Index,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

from core.dbtypes import UTCDateTime
from core.models import ChannelKind


def _in(values: type[StrEnum]) -> str:
    return "(" + ", ".join(f"'{v.value}'" for v in values) + ")"


_OUTBOX = text("status = 'queued' AND direction = 'outgoing'")
_UNREAD = text("status = 'received'")  # stored, not yet read (bot.unread)


def _timestamp(nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class ConversationStatus(StrEnum):
    open = "open"  # the bot is handling it
    waiting_parent = "waiting_parent"  # the bot asked the parent something
    needs_attention = "needs_attention"  # staff must look: unknown sender, not understood...
    resolved = "resolved"


class Direction(StrEnum):
    incoming = "incoming"  # from a parent
    outgoing = "outgoing"  # to a parent, from the bot or staff
    note = "note"  # staff's private note or the bot's note for staff; never sent


class MessageStatus(StrEnum):
    received = "received"  # stored, not yet read
    handled = "handled"  # read and answered by the bot
    for_staff = "for_staff"  # left for staff (not understood, unknown sender, handed off)
    queued = "queued"  # waiting in the outbox
    sent = "sent"
    delivered = "delivered"
    failed = "failed"
    undelivered = "undelivered"
    cancelled = "cancelled"  # withdrawn before sending (the chase it belonged to closed)


class ReportStatus(StrEnum):
    collecting = "collecting"  # the bot is still asking the parent
    confirmed = "confirmed"  # the parent has the confirmation; staff approve the code
    for_head = "for_head"  # a leave request, queued for the head
    withdrawn = "withdrawn"  # the parent cancelled it
    approved = "approved"  # staff approved the code (or changed it); it is in the register


class Conversation(SQLModel, table=True):
    """One thread per school and sender address; the bot's flow state lives on it."""

    __table_args__ = (
        UniqueConstraint("school_id", "channel", "address", name="uq_conversation_address"),
        CheckConstraint(f"channel IN {_in(ChannelKind)}", name="ck_conversation_channel"),
        CheckConstraint(f"status IN {_in(ConversationStatus)}", name="ck_conversation_status"),
        ForeignKeyConstraint(["school_id", "contact_id"], ["contact.school_id", "contact.id"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64, description="E.164 number or Telegram chat id")
    contact_id: int | None = Field(default=None, index=True)
    status: str = Field(default=ConversationStatus.open, max_length=16)
    bot_paused: bool = Field(default=False, description="Staff have taken over the thread.")
    opted_out: bool = Field(default=False, description="STOP: no automated messages.")
    flow: str | None = Field(default=None, max_length=32)
    flow_state: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    last_incoming_at: datetime | None = Field(default=None, sa_column=_timestamp(True))
    assigned_to: int | None = Field(default=None, foreign_key="staff_user.id", index=True,
                                    description="The member of staff looking after it.")
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())


class Message(SQLModel, table=True):
    """Every message in and out, and staff notes; outgoing ones are the outbox."""

    __table_args__ = (
        UniqueConstraint("channel", "provider_id", name="uq_message_provider_id"),
        CheckConstraint(f"direction IN {_in(Direction)}", name="ck_message_direction"),
        CheckConstraint(f"status IN {_in(MessageStatus)}", name="ck_message_status"),
        Index("ix_message_outbox", "next_attempt_at", "id", sqlite_where=_OUTBOX,
              postgresql_where=_OUTBOX),
        Index("ix_message_unread", "created_at", "id", sqlite_where=_UNREAD,
              postgresql_where=_UNREAD),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    direction: str = Field(max_length=16)
    author: str = Field(max_length=16, description="parent, bot, staff or system")
    channel: str = Field(max_length=16)
    provider_id: str | None = Field(default=None, max_length=128)
    body: str = Field(sa_column=Column(Text, nullable=False))
    template: str | None = Field(default=None, max_length=64)
    media: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    raw: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    status: str = Field(max_length=16, index=True)
    error: str | None = Field(default=None, max_length=500)
    restricted: bool = Field(default=False, description=(
        "A safeguarding note: only the DSL and the head may read it."))
    attempts: int = 0
    next_attempt_at: datetime | None = Field(
        default=None, sa_column=_timestamp(True),
        description="Outbox: not before this instant (backoff after a provider error).")
    lease_owner: str | None = Field(default=None, max_length=64, description=(
        "Outbox: the worker process sending it now (core.outbox_claims)."))
    lease_until: datetime | None = Field(default=None, sa_column=_timestamp(True), description=(
        "Outbox: the claim lapses at this instant, so a row a dead worker held is sent again."))
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())


class AbsenceReport(SQLModel, table=True):
    """What a parent told us about one child, with the code the bot suggests."""

    __tablename__ = "absence_report"
    __table_args__ = (
        CheckConstraint(f"status IN {_in(ReportStatus)}", name="ck_absence_report_status"),
        ForeignKeyConstraint(["school_id", "pupil_id"], ["pupil.school_id", "pupil.id"],
                             ondelete="CASCADE"),
    )

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    pupil_id: int = Field(index=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    message_id: int = Field(foreign_key="message.id", description="The message it came from.")
    kind: str = Field(max_length=16)
    reason: str | None = Field(default=None, max_length=16)
    suggested_code: str | None = Field(default=None, max_length=4)
    first_day: date | None = None
    return_day: date | None = None
    part: str = Field(max_length=4)
    details: str | None = Field(default=None, max_length=500, description="Symptoms and such.")
    evidence: str = Field(default="{}", sa_column=Column(Text, nullable=False), description=(
        "JSON: for each field read (pupils, reason, first_day...), the [start, end) character "
        "spans of the source message that said it, shown highlighted to staff."))
    status: str = Field(default=ReportStatus.collecting, max_length=16, index=True)
    created_at: datetime = Field(sa_column=_timestamp())
    updated_at: datetime = Field(sa_column=_timestamp())


class TelegramLinkCode(SQLModel, table=True):
    """A one-time code from the school that links a Telegram account to a contact."""

    __tablename__ = "telegram_link_code"
    __table_args__ = (
        ForeignKeyConstraint(["school_id", "contact_id"], ["contact.school_id", "contact.id"],
                             ondelete="CASCADE"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    contact_id: int = Field(index=True)
    expires_at: datetime = Field(sa_column=_timestamp())
    used_at: datetime | None = Field(default=None, sa_column=_timestamp(True))

"""The tick's reads: every school's morning in a handful of set-based queries.

Whatever the number of schools, a tick reads today's unexplained pupils, their earlier marks
and their parents' reports, their contacts, the schools' channels, opted-out threads, what the
tick did today (with each text's delivery and whether the parent answered), and calls that
reached a family. Each query is bounded by today or by today's unexplained pupils, never by
the length of a school's history. On PostgreSQL they run two at a time, each on a connection
of its own, so the server answers one while the other's rows are read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cached_property
from typing import Any

from sqlalchemy import ARRAY, Connection, Engine, Integer, any_, bindparam, cast, exists, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from core.attendance_models import ChaseAction, RegisterMark, StaffTask
from core.chasing_rules import LIVE_REPORTS, UNEXPLAINED, Explanation, SchoolDay, lookback_start
from core.conversation_models import AbsenceReport, Conversation, Direction, Message, MessageStatus
from core.models import Contact, Pupil, PupilContact, SchoolChannel

READERS = 2
UNDELIVERED = (MessageStatus.failed.value, MessageStatus.undelivered.value)


@dataclass(frozen=True)
class PupilRow:
    id: int
    school_id: int
    name: str  # the name the school uses in texts
    year_group: str
    vulnerable: bool


@dataclass(frozen=True)
class ContactRow:
    id: int
    name: str
    relationship: str | None
    priority: int
    mobile: str | None
    whatsapp: str | None
    telegram_chat_id: int | None
    language: str


@dataclass(frozen=True)
class DoneRow:
    """A key the tick wrote today, with what became of its text or task."""

    pupil_id: int
    step: str
    created_at: datetime
    contact_id: int | None
    message_id: int | None
    message_status: str | None
    task_id: int | None
    task_status: str | None
    task_kind: str | None
    replied: bool  # the parent wrote in the thread after this text


class Absent:
    """Today's unexplained pupils, as a filter: on PostgreSQL the ids themselves, read once
    (an array parameter); elsewhere the query that finds them."""

    def __init__(self, connection: Connection, today: date) -> None:
        query = select(RegisterMark.pupil_id).where(
            RegisterMark.day == today, RegisterMark.mark == UNEXPLAINED)
        self.query: Any = query
        self.ids: list[int] | None = None
        if connection.dialect.name == "postgresql":
            self.ids = sorted(set(connection.execute(query).scalars()))

    def among(self, column: Any) -> Any:
        if self.ids is None:
            return column.in_(self.query)
        return column == any_(cast(bindparam(None, self.ids, type_=ARRAY(Integer)),
                                   ARRAY(Integer)))


@dataclass
class DayRows:
    """What the reads found for the schools on one local date."""

    contacts: dict[int, list[ContactRow]]
    pupils: list[PupilRow]
    done: dict[int, list[DoneRow]]
    marks: set[tuple[int, date]]
    reports: dict[int, list[Explanation]]
    reached: dict[int, set[int]]
    opted_out: set[tuple[int, str, str]]
    channels: dict[int, set[str]]

    @cached_property
    def pupils_by_school(self) -> dict[int, list[PupilRow]]:
        found: dict[int, list[PupilRow]] = defaultdict(list)
        for pupil in self.pupils:
            found[pupil.school_id].append(pupil)
        return found


def read_day(engine: Engine, today: date, schools: dict[int, SchoolDay]) -> DayRows:
    """Every read for the day, two at a time on PostgreSQL (the slowest first)."""
    with engine.connect() as connection:
        absent = Absent(connection, today)
        reads: list[Callable[[Connection], Any]] = [
            lambda c: contacts(c, absent), lambda c: pupils(c, absent),
            lambda c: done(c, today), lambda c: earlier_marks(c, absent, today),
            lambda c: reports(c, absent, today), lambda c: reached(c, absent, schools),
            opted_out, channels]
        if engine.dialect.name != "postgresql":  # one writer, and :memory: is one thread's
            return DayRows(*(read(connection) for read in reads))
    with ThreadPoolExecutor(READERS, thread_name_prefix="tick-read") as pool:
        return DayRows(*pool.map(lambda read: _on_its_own(engine, read), reads))


def _on_its_own(engine: Engine, read: Callable[[Connection], Any]) -> Any:
    with engine.connect() as connection:
        return read(connection)


def pupils(connection: Connection, absent: Absent) -> list[PupilRow]:
    rows = connection.execute(select(
        Pupil.id, Pupil.school_id, Pupil.legal_first_name, Pupil.preferred_first_name,
        Pupil.legal_last_name, Pupil.year_group, Pupil.child_protection_plan,
        Pupil.child_in_need, Pupil.looked_after).where(
        absent.among(col(Pupil.id)), col(Pupil.on_roll)).order_by(col(Pupil.id)))
    return [PupilRow(r.id, r.school_id, f"{r.preferred_first_name or r.legal_first_name} "
                     f"{r.legal_last_name}", r.year_group,
                     r.child_protection_plan or r.child_in_need or r.looked_after)
            for r in rows]


def earlier_marks(connection: Connection, absent: Absent, today: date) -> set[tuple[int, date]]:
    """(pupil, day) of the unexplained marks before today of pupils unexplained today."""
    rows = connection.execute(select(RegisterMark.pupil_id, RegisterMark.day).where(
        absent.among(col(RegisterMark.pupil_id)), RegisterMark.mark == UNEXPLAINED,
        col(RegisterMark.day) >= lookback_start(today), col(RegisterMark.day) < today))
    return {(r.pupil_id, r.day) for r in rows}


def reports(connection: Connection, absent: Absent,
            today: date) -> dict[int, list[Explanation]]:
    """Live reports that may explain some day of the look-back, by pupil."""
    report = AbsenceReport
    rows = connection.execute(select(
        report.pupil_id, report.first_day, report.return_day).where(
        absent.among(col(report.pupil_id)),
        col(report.status).in_([s.value for s in LIVE_REPORTS]),
        col(report.first_day) <= today,
        col(report.return_day).is_(None) | (col(report.return_day) > lookback_start(today))))
    found: dict[int, list[Explanation]] = defaultdict(list)
    for row in rows:
        found[row.pupil_id].append(row)
    return found


def contacts(connection: Connection, absent: Absent) -> dict[int, list[ContactRow]]:
    """Each absent pupil's contacts in the school's priority order."""
    link = PupilContact
    rows = connection.execute(select(
        link.pupil_id, link.priority, link.relationship, Contact.id, Contact.name,
        Contact.mobile, Contact.whatsapp, Contact.telegram_chat_id,
        Contact.preferred_language).join(Contact, col(Contact.id) == link.contact_id).where(
        absent.among(col(link.pupil_id))).order_by(
        col(link.pupil_id), col(link.priority), col(link.id)))
    found: dict[int, list[ContactRow]] = defaultdict(list)
    for r in rows:
        found[r.pupil_id].append(ContactRow(
            r.id, r.name, r.relationship, r.priority, r.mobile, r.whatsapp,
            r.telegram_chat_id, r.preferred_language))
    return found


def channels(connection: Connection) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    for row in connection.execute(select(SchoolChannel.school_id, SchoolChannel.channel)):
        found[row.school_id].add(row.channel)
    return found


def opted_out(connection: Connection) -> set[tuple[int, str, str]]:
    """(school, channel, address) of every thread whose parent sent STOP."""
    rows = connection.execute(select(
        Conversation.school_id, Conversation.channel, Conversation.address).where(
        col(Conversation.opted_out)))
    return {(r.school_id, r.channel, r.address) for r in rows}


def done(connection: Connection, today: date) -> dict[int, list[DoneRow]]:
    """Today's keys at every school, with their text's delivery and any answer to it."""
    answer = aliased(Message)
    replied = exists().where(
        answer.conversation_id == Message.conversation_id,
        answer.direction == Direction.incoming.value,
        col(answer.created_at) > Message.created_at)
    rows = connection.execute(select(
        ChaseAction.school_id, ChaseAction.pupil_id, ChaseAction.step, ChaseAction.created_at,
        ChaseAction.contact_id, ChaseAction.message_id, Message.status, ChaseAction.task_id,
        col(StaffTask.status).label("task_status"), StaffTask.kind,
        replied.label("replied")).outerjoin(
        Message, col(Message.id) == ChaseAction.message_id).outerjoin(
        StaffTask, col(StaffTask.id) == ChaseAction.task_id).where(
        ChaseAction.day == today))
    found: dict[int, list[DoneRow]] = defaultdict(list)
    for r in rows:
        found[r.school_id].append(DoneRow(
            r.pupil_id, r.step, r.created_at, r.contact_id, r.message_id, r.status,
            r.task_id, r.task_status, r.kind, bool(r.replied) and r.message_id is not None))
    return found


def reached(connection: Connection, absent: Absent,
            schools: dict[int, SchoolDay]) -> dict[int, set[int]]:
    """Pupils whose family a member of staff reached by phone today (local midnight on)."""
    midnight = {s.id: s.calendar.at_local(s.today, time(0, 0)) for s in schools.values()}
    rows = connection.execute(select(
        StaffTask.school_id, StaffTask.pupil_id, StaffTask.completed_at).where(
        absent.among(col(StaffTask.pupil_id)), col(StaffTask.contact_made),
        col(StaffTask.completed_at) >= min(midnight.values())))
    found: dict[int, set[int]] = defaultdict(set)
    for r in rows:
        if r.school_id in midnight and r.completed_at >= midnight[r.school_id]:
            found[r.school_id].add(r.pupil_id)
    return found

"""Carrying the plans of many schools out in one transaction, set-based.

First the keys: every action's ChaseAction row (unique per school, pupil, day and step) goes in
with INSERT ... ON CONFLICT DO NOTHING RETURNING, so the tick learns which keys it won. Only
for those does it queue texts and open tasks, in the same transaction as the keys: a crash
leaves both or neither, and of two ticks at once only one acts on each key. Rows are written
in key order, so two ticks lock the same rows in the same order and never deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, select, tuple_, update

from core.attendance_models import ChaseAction, StaffTask, TaskStatus
from core.chasing import Action, OpenTask, SendChase
from core.chasing_rules import address_on
from core.chasing_sql import chunks, insert_returning_ids, insert_rows, set_column
from core.chasing_state import ContactRow, Morning
from core.chasing_tasks import task_row
from core.conversation_models import Conversation, Direction, Message, MessageStatus
from core.messages import names_list, render

KEYS: Table = ChaseAction.__table__  # type: ignore[attr-defined]
THREADS: Table = Conversation.__table__  # type: ignore[attr-defined]
MESSAGES: Table = Message.__table__  # type: ignore[attr-defined]
TASKS: Table = StaffTask.__table__  # type: ignore[attr-defined]
KEY_COLUMNS = ["school_id", "pupil_id", "day", "step"]
Thread = tuple[int, str, str]  # school, channel, address


@dataclass
class Done:
    """What one batch did."""

    chases: int = 0
    tasks: int = 0
    cancelled: int = 0


def carry_out(connection: Connection, plans: list[tuple[Morning, list[Action]]],
              now: datetime) -> Done:
    """Stand down closed cases, then take the plans' keys and act on the ones won (each
    key once: `won` is emptied as keys are used)."""
    done = Done(cancelled=stand_down(connection, [m for m, _ in plans], now))
    won = _claim(connection, plans, now)
    done.chases = _queue_chases(connection, plans, won, now)
    done.tasks = _open_tasks(connection, plans, won, now)
    return done


def stand_down(connection: Connection, mornings: list[Morning], now: datetime) -> int:
    """A report closed the case: cancel its texts still queued and its no-contact tasks (a
    DSL's task about a vulnerable pupil stands even when the parent has reported)."""
    messages, tasks = [], []
    for morning in mornings:
        open_cases = {c.pupil_id for c in morning.state.cases}
        for_dsl = {s.name for s in morning.school.policy.escalation
                   if s.when.value == "vulnerable"}
        for row in morning.done:
            if row.pupil_id in open_cases:
                continue
            if row.message_id is not None and row.message_status == MessageStatus.queued:
                messages.append(row.message_id)
            if row.task_id is not None and row.task_status == TaskStatus.open \
                    and row.task_kind != "letter" and row.step not in for_dsl:
                tasks.append(row.task_id)
    cancelled = 0
    for ids in chunks(sorted(messages)):  # the status test: the outbox may have sent it since
        cancelled += connection.execute(update(MESSAGES).where(
            MESSAGES.c.id.in_(ids), MESSAGES.c.status == MessageStatus.queued.value).values(
            status=MessageStatus.cancelled.value, updated_at=now)).rowcount
    for ids in chunks(sorted(tasks)):
        connection.execute(update(TASKS).where(
            TASKS.c.id.in_(ids), TASKS.c.status == TaskStatus.open.value).values(
            status=TaskStatus.cancelled.value, outcome="The parent reported the absence.",
            completed_at=now))
    return cancelled


def _claim(connection: Connection, plans: list[tuple[Morning, list[Action]]],
           now: datetime) -> dict[tuple[int, int, str], int]:
    """Write every action's key; (school, pupil, step) -> key id of those this tick won."""
    rows: dict[tuple[int, int, str], dict[str, Any]] = {}
    for morning, actions in plans:
        school, today = morning.school.id, morning.school.today
        for action in actions:
            for pupil_id in _pupils_of(action):
                rows.setdefault((school, pupil_id, action.step), {
                    "school_id": school, "pupil_id": pupil_id, "day": today,
                    "step": action.step, "created_at": now,
                    "kind": "message" if isinstance(action, SendChase) else action.kind,
                    "contact_id": action.contact_id if isinstance(action, SendChase) else None})
    ordered = [rows[key] for key in sorted(rows)]
    written = insert_rows(connection, KEYS, ordered, conflict=KEY_COLUMNS,
                          returning=["id", "school_id", "pupil_id", "step"])
    return {(r.school_id, r.pupil_id, r.step): r.id for r in written}


def _pupils_of(action: Action) -> tuple[int, ...]:
    return action.pupil_ids if isinstance(action, SendChase) else (action.pupil_id,)


def _queue_chases(connection: Connection, plans: list[tuple[Morning, list[Action]]],
                  won: dict[tuple[int, int, str], int], now: datetime) -> int:
    """One text per contact naming the children whose keys this tick won."""
    chases: list[tuple[Morning, SendChase, ContactRow, list[tuple[int, int]]]] = []
    for morning, actions in plans:
        for action in actions:
            if not isinstance(action, SendChase):
                continue
            keys = [(p, won.pop((morning.school.id, p, action.step), None))
                    for p in action.pupil_ids]
            pupils = [(p, key) for p, key in keys if key is not None]
            if pupils:
                chases.append((morning, action, _contact(morning, action, pupils[0][0]),
                               pupils))
    if not chases:
        return 0
    threads = _threads(connection, {
        (m.school.id, a.channel, address_on(c, a.channel)): c.id for m, a, c, _ in chases}, now)
    rows = [_message_row(m, a, c, p, threads[(m.school.id, a.channel, address_on(c, a.channel))],
                         now) for m, a, c, p in chases]
    ids = insert_returning_ids(connection, MESSAGES, rows)
    set_column(connection, KEYS, "message_id", sorted(
        (key, message_id)
        for (*_, pupils), message_id in zip(chases, ids, strict=True) for _, key in pupils))
    return len(ids)


def _contact(morning: Morning, action: SendChase, pupil_id: int) -> ContactRow:
    return next(c for c in morning.contacts[pupil_id] if c.id == action.contact_id)


def _message_row(morning: Morning, action: SendChase, contact: ContactRow,
                 pupils: list[tuple[int, int]], thread: int, now: datetime) -> dict[str, Any]:
    """A chase text in the outbox, as core.conversations.queue_reply writes one."""
    names = [morning.pupils[p].name for p, _ in pupils]
    body = render(action.template, contact.language, school=morning.school.name,
                  names=names_list(names), plural=len(names) > 1,
                  office_phone=morning.school.policy.messages.office_phone)
    return {"school_id": morning.school.id, "conversation_id": thread,
            "direction": Direction.outgoing.value, "author": "bot", "channel": action.channel,
            "provider_id": None, "body": body, "template": action.template, "media": "[]",
            "raw": None, "status": MessageStatus.queued.value, "error": None,
            "restricted": False, "attempts": 0, "next_attempt_at": None, "lease_owner": None,
            "lease_until": None, "created_at": now, "updated_at": now}


def _threads(connection: Connection, wanted: dict[Thread, int], now: datetime
             ) -> dict[Thread, int]:
    """The conversation for each (school, channel, address), begun where there is none; a
    thread begun by a chase belongs to the contact texted."""
    rows = [{"school_id": s, "channel": ch, "address": a, "contact_id": contact,
             "status": "open", "bot_paused": False, "opted_out": False, "flow": None,
             "flow_state": "{}", "last_incoming_at": None, "assigned_to": None,
             "created_at": now, "updated_at": now}
            for (s, ch, a), contact in sorted(wanted.items())]
    written = insert_rows(connection, THREADS, rows, conflict=["school_id", "channel", "address"],
                          returning=["id", "school_id", "channel", "address"])
    found = {(r.school_id, r.channel, r.address): r.id for r in written}
    unlinked = []
    for row in _existing(connection, sorted(set(wanted) - set(found))):
        found[(row.school_id, row.channel, row.address)] = row.id
        if row.contact_id is None:
            unlinked.append((row.id, wanted[(row.school_id, row.channel, row.address)]))
    set_column(connection, THREADS, "contact_id", unlinked)
    return found


def _existing(connection: Connection, keys: list[Thread]) -> Iterable[Any]:
    for part in chunks(keys, 300):
        yield from connection.execute(select(
            THREADS.c.id, THREADS.c.school_id, THREADS.c.channel, THREADS.c.address,
            THREADS.c.contact_id).where(tuple_(
                THREADS.c.school_id, THREADS.c.channel, THREADS.c.address).in_(part)))


def _open_tasks(connection: Connection, plans: list[tuple[Morning, list[Action]]],
                won: dict[tuple[int, int, str], int], now: datetime) -> int:
    """A staff task (a call, a home visit, a letter) for each task key this tick won."""
    tasks = []
    for morning, actions in plans:
        for action in actions:
            if isinstance(action, OpenTask):
                key = won.pop((morning.school.id, action.pupil_id, action.step), None)
                if key is not None:
                    tasks.append((key, task_row(morning, action, now)))
    ids = insert_returning_ids(connection, TASKS, [row for _, row in tasks])
    set_column(connection, KEYS, "task_id", sorted(
        (key, task_id) for (key, _), task_id in zip(tasks, ids, strict=True)))
    return len(ids)


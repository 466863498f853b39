"""What reading a parent's message looks up about the sender, for a batch of senders at once.

Reading a report needs the sender's children on roll, the children the school chased them
about today, and which children the attendance ladder says need medical evidence. Asked
sender by sender, that is three queries a message; a batch of messages (bot.inbox) asks once
for all its senders, the first time any of them is needed. A sender the batch did not know of
at the start (a Telegram account linked while its message was read) is asked for alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from core.attendance_models import ChaseAction
from core.conversations import linked_pupils
from core.ladder_alerts import evidence_required
from core.models import Pupil, PupilContact

# Built once with bound parameters, as every batch runs them (see core.conversations).
_PUPILS = select(PupilContact.contact_id, Pupil).join(
    PupilContact, col(PupilContact.pupil_id) == Pupil.id).where(
    col(PupilContact.contact_id).in_(bindparam("contacts", expanding=True)),
    col(Pupil.on_roll)).order_by(col(Pupil.legal_first_name))
_CHASED = select(ChaseAction.contact_id, ChaseAction.pupil_id).where(
    col(ChaseAction.contact_id).in_(bindparam("contacts", expanding=True)),
    ChaseAction.day == bindparam("day"), ChaseAction.kind == "message").order_by(
    col(ChaseAction.id))


class SenderLookups:
    """Lookups about the contacts behind a batch of messages, each made once for them all."""

    def __init__(self, session: Session, contact_ids: Iterable[int | None]) -> None:
        self.session = session
        self.contacts = sorted({c for c in contact_ids if c is not None})
        self._pupils: dict[int, list[Pupil]] | None = None
        self._chased: dict[date, dict[int, list[int]]] = {}
        self._evidence: dict[tuple[int, date], tuple[set[int], set[int]]] = {}  # asked, needed

    def pupils(self, contact_id: int) -> list[Pupil]:
        """The pupils on roll the contact is linked to (core.conversations.linked_pupils)."""
        if contact_id not in self.contacts:
            return linked_pupils(self.session, contact_id)
        if self._pupils is None:
            self._pupils = {contact: [] for contact in self.contacts}
            for contact, pupil in self.session.exec(
                    _PUPILS, params={"contacts": self.contacts}).all():
                self._pupils[contact].append(pupil)
        return list(self._pupils[contact_id])

    def chased(self, contact_id: int, day: date) -> tuple[int, ...]:
        """The pupils the school messaged this contact about on `day`, each once."""
        contacts = self.contacts if contact_id in self.contacts else [contact_id]
        if day not in self._chased or contact_id not in self._chased[day]:
            found: dict[int, list[int]] = {contact: [] for contact in contacts}
            for contact, pupil in self.session.exec(
                    _CHASED, params={"contacts": contacts, "day": day}).all():
                found[contact].append(pupil)
            self._chased.setdefault(day, {}).update(found)
        return tuple(dict.fromkeys(self._chased[day][contact_id]))

    def evidence_required(self, school_id: int, pupil_ids: list[int], since: date) -> set[int]:
        """Which of these pupils need medical evidence with illness reports
        (core.ladder_alerts.evidence_required). The first time, every sender's children are
        asked about at once; a pupil not among them is asked about when needed."""
        key = (school_id, since)
        asked, needed = self._evidence.get(key, (set(), set()))
        new = set(pupil_ids) - asked
        if new:
            if not asked:
                new |= {p.id for c in self.contacts for p in self.pupils(c) if p.id is not None}
            needed = needed | evidence_required(self.session, school_id, sorted(new), since)
            self._evidence[key] = (asked | new, needed)
        return needed & set(pupil_ids)

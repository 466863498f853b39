"""Importing a school's roster: pupils, contacts and the links between them, in one transaction.

Re-importing the same export changes nothing. For every pupil in the file, the file is the
truth about who their contacts are: a contact the MIS no longer lists for a pupil is unlinked,
so they stop being messaged about that child (a court order, a change of carer). A pupil with
a rejected row keeps their existing links, so a typing error never removes a contact.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from core.clock import Clock
from core.models import Contact, Pupil, PupilContact, PupilFlag, School
from core.roster_rows import RosterRow, RowProblem, clean_row


@dataclass
class Counts:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    rows: Counts = field(default_factory=Counts)
    pupils: Counts = field(default_factory=Counts)
    contacts: Counts = field(default_factory=Counts)
    links_removed: int = 0
    pupils_left: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


class _Roster:
    """The school's pupils, contacts and links, indexed for matching rows against them."""

    def __init__(self, session: Session, school_id: int) -> None:
        self.pupils = {p.upn: p for p in session.exec(
            select(Pupil).where(Pupil.school_id == school_id))}
        contacts = {c.id: c for c in session.exec(
            select(Contact).where(Contact.school_id == school_id))}
        self.links = {(link.pupil_id, link.contact_id): link for link in session.exec(
            select(PupilContact).where(PupilContact.school_id == school_id))}
        self.linked: dict[int, dict[str, Contact]] = {}
        for pupil_id, contact_id in self.links:
            contact = contacts[contact_id]
            self.linked.setdefault(pupil_id, {})[_name_key(contact.name)] = contact
        self.by_address: dict[tuple[str, str], Contact] = {}
        for contact in contacts.values():
            self.remember(contact)

    def remember(self, contact: Contact) -> None:
        key = _name_key(contact.name)
        for address in (contact.mobile, contact.email):
            if address:
                self.by_address[(key, address)] = contact

    def find_contact(self, row: RosterRow, pupil_id: int | None) -> Contact | None:
        """The same person: already linked to this pupil under this name, or anywhere in the
        school with this name and the same mobile or email (siblings share parents)."""
        key = _name_key(row.contact_name)
        linked = self.linked.get(pupil_id, {}).get(key) if pupil_id is not None else None
        return linked or next((self.by_address[(key, a)] for a in (row.mobile, row.email)
                               if a and (key, a) in self.by_address), None)

    def link(self, link: PupilContact, contact: Contact) -> None:
        self.links[(link.pupil_id, link.contact_id)] = link
        self.linked.setdefault(link.pupil_id, {})[_name_key(contact.name)] = contact


def _assign(target: object, values: dict[str, object]) -> bool:
    """Set the fields that differ; True when anything changed."""
    changed = False
    for name, value in values.items():
        if getattr(target, name) != value:
            setattr(target, name, value)
            changed = True
    return changed


def _bump(counts: Counts, outcome: str) -> None:
    setattr(counts, outcome, getattr(counts, outcome) + 1)


def import_roster(
    *,
    session: Session,
    school: School,
    rows: Iterable[tuple[int, dict[str, str]]],
    clock: Clock,
    full: bool = False,
) -> ImportReport:
    """Apply an MIS export to the school; the caller commits (or rolls back) the session.

    With `full`, pupils on roll who are not in the file are marked as having left.
    """
    assert school.id is not None
    importer = _Importer(session, school.id, clock())
    for line, raw in rows:
        importer.take(line, raw)
    importer.unlink_missing()
    if full:
        importer.mark_leavers()
    session.flush()
    return importer.report


class _Importer:
    def __init__(self, session: Session, school_id: int, now: datetime) -> None:
        self.session, self.school_id, self.now = session, school_id, now
        self.roster = _Roster(session, school_id)
        self.report = ImportReport()
        self.first_line: dict[tuple[str, str], int] = {}
        self.pupil_rows: dict[str, RosterRow] = {}
        self.seen_links: dict[int, set[int]] = {}
        self.held_back: set[str] = set()  # pupils with a rejected row keep their links

    def take(self, line: int, raw: dict[str, str]) -> None:
        row = clean_row(line, raw)
        if isinstance(row, RowProblem):
            self.report.rejected.append(row)
            self.held_back.add(raw.get("upn", "").replace(" ", "").upper())
            return
        pair = (row.upn, _name_key(row.contact_name))
        if pair in self.first_line:
            self.report.rejected.append(RowProblem(
                line, f"repeats line {self.first_line[pair]} (same pupil and contact)"))
            return
        self.first_line[pair] = line
        self.report.warnings.extend(RowProblem(line, w) for w in row.warnings)
        outcomes = [self.upsert_pupil(row)]
        pupil = self.roster.pupils[row.upn]
        contact, outcome = self.upsert_contact(row, pupil)
        _bump(self.report.contacts, outcome)
        outcomes += [outcome, self.upsert_link(row, pupil, contact)]
        _bump(self.report.rows, next((o for o in ("added", "updated") if o in outcomes),
                                     "unchanged"))

    def upsert_pupil(self, row: RosterRow) -> str:
        values = _pupil_values(row)
        first = self.pupil_rows.get(row.upn)
        if first is not None:  # another contact of a pupil already read from this file
            if _pupil_values(first) != values:
                self.report.warnings.append(RowProblem(
                    row.line, f"pupil details differ from line {first.line}; that line kept"))
            return "unchanged"
        self.pupil_rows[row.upn] = row
        pupil = self.roster.pupils.get(row.upn)
        if pupil is None:
            pupil = Pupil(school_id=self.school_id, upn=row.upn, created_at=self.now,
                          updated_at=self.now, **values)
            self.session.add(pupil)
            self.session.flush()
            self.roster.pupils[row.upn] = pupil
            outcome = "added"
        elif _assign(pupil, values):
            pupil.updated_at = self.now
            outcome = "updated"
        else:
            outcome = "unchanged"
        _bump(self.report.pupils, outcome)
        return outcome

    def upsert_contact(self, row: RosterRow, pupil: Pupil) -> tuple[Contact, str]:
        values: dict[str, object] = {"name": row.contact_name, "mobile": row.mobile,
                                     "email": row.email, "preferred_language": row.language}
        if row.whatsapp:
            values["whatsapp"] = row.whatsapp
        contact = self.roster.find_contact(row, pupil.id)
        if contact is None:
            contact = Contact(school_id=self.school_id, created_at=self.now,
                              updated_at=self.now, **values)
            self.session.add(contact)
            self.session.flush()
            outcome = "added"
        elif _assign(contact, values):
            contact.updated_at = self.now
            outcome = "updated"
        else:
            return contact, "unchanged"
        self.roster.remember(contact)
        return contact, outcome

    def upsert_link(self, row: RosterRow, pupil: Pupil, contact: Contact) -> str:
        assert pupil.id is not None and contact.id is not None
        seen = self.seen_links.setdefault(pupil.id, set())
        seen.add(contact.id)
        values: dict[str, object] = {
            "relationship": row.relationship, "priority": row.priority or len(seen),
            "parental_responsibility": row.parental_responsibility}
        link = self.roster.links.get((pupil.id, contact.id))
        if link is None:
            link = PupilContact(school_id=self.school_id, pupil_id=pupil.id,
                                contact_id=contact.id, **values)
            self.session.add(link)
            self.roster.link(link, contact)
            return "added"
        return "updated" if _assign(link, values) else "unchanged"

    def unlink_missing(self) -> None:
        held = {self.roster.pupils[u].id for u in self.held_back if u in self.roster.pupils}
        for (pupil_id, contact_id), link in list(self.roster.links.items()):
            seen = self.seen_links.get(pupil_id)
            if seen is not None and pupil_id not in held and contact_id not in seen:
                self.session.delete(link)
                del self.roster.links[(pupil_id, contact_id)]
                self.report.links_removed += 1

    def mark_leavers(self) -> None:
        in_file = set(self.pupil_rows) | self.held_back
        for upn, pupil in self.roster.pupils.items():
            if upn not in in_file and pupil.on_roll:
                pupil.on_roll = False
                pupil.updated_at = self.now
                self.report.pupils_left += 1


def _pupil_values(row: RosterRow) -> dict[str, object]:
    values: dict[str, object] = {
        "legal_first_name": row.legal_first_name, "legal_last_name": row.legal_last_name,
        "preferred_first_name": row.preferred_first_name, "year_group": row.year_group,
        "reg_group": row.reg_group, "on_roll": True,
    }
    values.update({flag.value: flag in row.flags for flag in PupilFlag})
    return values

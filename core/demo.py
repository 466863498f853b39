"""A realistic demo school, made once, so a newcomer sees a working product straight away.

About 200 pupils in Reception to Year 6 and 300 contacts: brothers and sisters share their
parents' numbers, a few pupils carry safeguarding flags, some families prefer Polish, Urdu or
Romanian. Mobile numbers are in Ofcom's drama range (07700 900xxx), which reaches nobody. The
roster goes through the same import as a real MIS export.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from sqlmodel import Session, select
from stdnum.gb import upn as upn_numbers

from core.clock import Clock
from core.models import ChannelKind, School, StaffRole, StaffUser
from core.roster import import_roster
from core.schools import add_school, set_channel_address
from core.staff import hash_password

DEMO_SLUG = "demo"
DEMO_NAME = "Oakfield Primary (demo)"

FIRST_NAMES = {
    "girl": ["Amelia", "Olivia", "Isla", "Ava", "Mia", "Freya", "Lily", "Sophia", "Grace",
             "Evie", "Aisha", "Zara", "Maja", "Zuzanna", "Ioana", "Fatima", "Elizabeth",
             "Poppy", "Ruby", "Daisy", "Hana", "Chloe", "Layla", "Esme", "Willow", "Maryam"],
    "boy": ["Oliver", "George", "Noah", "Arthur", "Harry", "Leo", "Jack", "Oscar", "Charlie",
            "Muhammad", "Jakub", "Filip", "Andrei", "Ibrahim", "Alexander", "William",
            "Theo", "Freddie", "Alfie", "Harrison", "Jaden", "Stefan", "Yusuf", "Kai",
            "Reuben", "Samuel"],
}
KNOWN_AS = {"Amelia": "Millie", "Elizabeth": "Lizzie", "Alexander": "Alex", "William": "Will",
            "Samuel": "Sam", "Oliver": "Ollie", "Charlie": "Charlie"}
SURNAMES = [("Smith", "en"), ("Jones", "en"), ("Taylor", "en"), ("Brown", "en"),
            ("Williams", "en"), ("Wilson", "en"), ("Evans", "en"), ("Thomas", "en"),
            ("Roberts", "en"), ("Walker", "en"), ("Wright", "en"), ("Hughes", "en"),
            ("Green", "en"), ("Hall", "en"), ("Wood", "en"), ("Clarke", "en"), ("Bell", "en"),
            ("Okafor", "en"), ("Mensah", "en"), ("Nowak", "pl"), ("Kowalski", "pl"),
            ("Wiśniewski", "pl"), ("Khan", "ur"), ("Hussain", "ur"), ("Ahmed", "ur"),
            ("Begum", "en"), ("Popescu", "ro"), ("Radu", "ro"), ("Ionescu", "ro"),
            ("Patel", "en"), ("Singh", "en"), ("Ali", "en"), ("O'Brien", "en")]
ADULT_NAMES = {"Mother": ["Sarah", "Emma", "Laura", "Gemma", "Aneta", "Nadia", "Elena",
                          "Priya", "Kerry", "Joanne", "Amina", "Claire"],
               "Father": ["James", "Daniel", "Tom", "Marek", "Imran", "Mihai", "Chris",
                          "Ravi", "Lee", "Paul", "Kwame", "Sean"],
               "Grandparent": ["Margaret", "Pat", "Susan", "Brian"]}
YEARS = ["R", "1", "2", "3", "4", "5", "6"]
LA_NUMBER, ESTABLISHMENT = 305, 2001


def _upn(serial: int, year_of_issue: int) -> str:
    """A UPN with a correct check letter: LA, establishment, year of issue, serial."""
    body = (f"{LA_NUMBER}{ESTABLISHMENT + serial // 1000:04d}{year_of_issue % 100:02d}"
            f"{serial % 1000:03d}")
    return upn_numbers.calc_check_digit(body) + body


def _mobile(n: int) -> str:
    # Past the thousand drama numbers (only large benchmark rosters get there) the numbers are
    # well-formed but fictional; nothing is ever sent to a benchmark's roster.
    return f"07700 900{n:03d}" if n < 1000 else f"07911 {100000 + n:06d}"


def demo_roster(seed: int = 2026, families: int = 150) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) pairs shaped like an MIS pupil-contact export."""
    rng = random.Random(seed)
    line, serial, phone = 1, 0, 0
    for _family in range(families):
        surname, language = rng.choice(SURNAMES)
        children = rng.choices([1, 2, 3], weights=[70, 22, 8])[0]
        adults = [("Mother", rng.choice(ADULT_NAMES["Mother"]))]
        if rng.random() < 0.75:
            adults.append(("Father", rng.choice(ADULT_NAMES["Father"])))
        if rng.random() < 0.2:
            adults.append(("Grandparent", rng.choice(ADULT_NAMES["Grandparent"])))
        contacts = []
        for relationship, first in adults:
            phone += 1
            contacts.append((relationship, f"{first} {surname}", _mobile(phone),
                             f"{first.lower()}.{phone}@example.org"))
        for _child in range(children):
            serial += 1
            year = rng.choice(YEARS)
            first = rng.choice(FIRST_NAMES[rng.choice(["girl", "boy"])])
            pupil = {
                "upn": _upn(serial, 2019 + YEARS.index(year)),
                "legal_first_name": first, "legal_last_name": surname,
                "preferred_first_name": KNOWN_AS.get(first, "") if rng.random() < 0.5 else "",
                "year_group": year, "reg_group": f"{year}{rng.choice('OA')}",
                "flags": ";".join(_flags(rng, language)),
            }
            for priority, (relationship, name, mobile, email) in enumerate(contacts, start=1):
                line += 1
                yield line, pupil | {
                    "contact_name": name, "relationship": relationship,
                    "priority": str(priority), "mobile": mobile,
                    "email": email,
                    "language": language,
                    "parental_responsibility": "no" if relationship == "Grandparent" else "yes",
                }


def _flags(rng: random.Random, language: str) -> list[str]:
    flags = []
    roll = rng.random()
    if roll < 0.02:
        flags.append("CP")
    elif roll < 0.04:
        flags.append("CIN")
    elif roll < 0.05:
        flags.append("LAC")
    if rng.random() < 0.14:
        flags.append("SEND")
    if language != "en":
        flags.append("EAL")
    if rng.random() < 0.22:
        flags.append("FSM")
    return flags


DEMO_STAFF = [
    ("Jo Patel", "office@oakfield.example.org", StaffRole.office),
    ("Sam Greene", "attendance@oakfield.example.org", StaffRole.attendance_officer),
    ("Dr Helen Marsh", "dsl@oakfield.example.org", StaffRole.dsl),
    ("Mark Osei", "head@oakfield.example.org", StaffRole.headteacher),
    ("IT Support", "admin@oakfield.example.org", StaffRole.admin),
]


# Printed by `rollcall serve --demo` only: the demo school's staff sign in with it.
DEMO_PASSWORD = "oakfield-demo"


def set_demo_passwords(*, session: Session, school: School) -> list[StaffUser]:
    """Give the demo staff who have no password the demo password; returns the demo staff."""
    users = list(session.exec(select(StaffUser).where(
        StaffUser.school_id == school.id).order_by(StaffUser.id)).all())
    for user in users:
        if user.password_hash is None:
            user.password_hash = hash_password(DEMO_PASSWORD)
            session.add(user)
    return users


def ensure_demo_school(*, session: Session, clock: Clock) -> tuple[School, bool]:
    """The demo school, made on first call; later calls leave it as it is."""
    existing = session.exec(select(School).where(School.slug == DEMO_SLUG)).first()
    if existing is not None:
        return existing, False
    school, _ = add_school(session=session, clock=clock, name=DEMO_NAME, slug=DEMO_SLUG)
    import_roster(session=session, school=school, rows=demo_roster(), clock=clock)
    set_channel_address(session=session, school=school, channel=ChannelKind.simulator,
                        address=DEMO_SLUG)
    for name, email, role in DEMO_STAFF:
        session.add(StaffUser(school_id=school.id, name=name, email=email, role=role.value,
                              created_at=clock()))
    session.flush()
    return school, True

"""The national school attendance codes in force from August 2024 (England).

Each code says whether the session counts as a possible session (the denominator of attendance
figures), as an absence, and whether that absence is authorised. Pre-2024 codes that no longer
exist (H, J, Y, and the old catch-all C meaning) are refused with the code to use instead.
tests/core/test_codes.py checks this table against the published list.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    present = "present"
    approved_activity = "attending_approved_educational_activity"
    authorised_absence = "authorised_absence"
    unauthorised_absence = "unauthorised_absence"
    not_possible = "not_required_or_attendance_not_possible"
    administrative = "administrative"


@dataclass(frozen=True)
class AttendanceCode:
    code: str
    category: Category
    possible_session: bool
    absence: bool
    authorised: bool | None
    group: str
    meaning: str


class UnknownCode(ValueError):
    """Not a 2024 national attendance code."""


def _code(
    code: str,
    category: str,
    possible: bool,
    absence: bool,
    authorised: bool | None,
    group: str,
    meaning: str,
) -> AttendanceCode:
    return AttendanceCode(code, Category(category), possible, absence, authorised, group, meaning)


# fmt: off
CODES: dict[str, AttendanceCode] = {c.code: c for c in (
    _code('/', 'present', True, False, None,
          'Attending the school',
          'Present at the school when the register begins to be taken (morning session)'),
    _code('\\', 'present', True, False, None,
          'Attending the school',
          'Present at the school when the register begins to be taken (afternoon session)'),
    _code('L', 'present', True, False, None,
          'Attending the school',
          'Late: absent when the register began but arrived before the register closed'),
    _code('K', 'attending_approved_educational_activity', True, False, None,
          'Attending a place other than the school',
          'Attending education provision arranged by the local authority (s19(1) Education Act 1996 or s42(2)/61(1) Children and Families Act 2014), not at the school or another school where registered'),
    _code('V', 'attending_approved_educational_activity', True, False, None,
          'Attending a place other than the school',
          'Attending an educational visit or trip arranged by or on behalf of the school and supervised by school staff'),
    _code('P', 'attending_approved_educational_activity', True, False, None,
          'Attending a place other than the school',
          'Participating in an approved sporting activity'),
    _code('W', 'attending_approved_educational_activity', True, False, None,
          'Attending a place other than the school',
          'Attending work experience'),
    _code('B', 'attending_approved_educational_activity', True, False, None,
          'Attending a place other than the school',
          'Attending any other approved educational activity off site (supervised)'),
    _code('D', 'not_required_or_attendance_not_possible', False, False, None,
          'Attending another school (dual registration)',
          'Dual registered: attending another school at which the pupil is also registered'),
    _code('C1', 'authorised_absence', True, True, True,
          'Absent - leave of absence',
          'Leave of absence to take part in a regulated (licensed) performance or to undertake regulated employment abroad'),
    _code('M', 'authorised_absence', True, True, True,
          'Absent - leave of absence',
          'Leave of absence for a medical or dental appointment'),
    _code('J1', 'authorised_absence', True, True, True,
          'Absent - leave of absence',
          'Leave of absence to attend an interview for employment or for admission to another educational institution'),
    _code('S', 'authorised_absence', True, True, True,
          'Absent - leave of absence',
          'Leave of absence to study for a public examination (study leave), agreed in advance'),
    _code('X', 'not_required_or_attendance_not_possible', False, False, None,
          'Absent - leave of absence',
          'Non-compulsory school age pupil not required to attend the session (leave of absence)'),
    _code('C2', 'authorised_absence', True, True, True,
          'Absent - leave of absence',
          'Leave of absence for a compulsory school age pupil subject to an agreed temporary part-time timetable (exceptional circumstances)'),
    _code('C', 'authorised_absence', True, True, True,
          'Absent - leave of absence',
          'Leave of absence granted for exceptional circumstances not covered by another code'),
    _code('T', 'authorised_absence', True, True, True,
          'Absent - other authorised reasons',
          'Parent travelling for occupational purposes (mobile pupil, e.g. Gypsy, Roma, Traveller, show or circus families), absence agreed'),
    _code('R', 'authorised_absence', True, True, True,
          'Absent - other authorised reasons',
          'Religious observance on a day exclusively set apart by the religious body to which the parent belongs'),
    _code('I', 'authorised_absence', True, True, True,
          'Absent - other authorised reasons',
          'Illness (physical or mental health), not medical or dental appointments'),
    _code('E', 'authorised_absence', True, True, True,
          'Absent - suspension or exclusion',
          'Suspended or permanently excluded and no alternative provision made'),
    _code('Q', 'not_required_or_attendance_not_possible', False, False, None,
          'Absent - unable to attend (unavoidable cause)',
          'Unable to attend the school because of a lack of access arrangements (e.g. the local authority has not made the transport, boarding or nearer-school arrangements it must)'),
    _code('Y1', 'not_required_or_attendance_not_possible', False, False, None,
          'Absent - unable to attend (unavoidable cause)',
          'Unable to attend: transport normally provided by the school or local authority not available (home beyond walking distance)'),
    _code('Y2', 'not_required_or_attendance_not_possible', False, False, None,
          'Absent - unable to attend (unavoidable cause)',
          'Unable to attend: widespread disruption to travel caused by a local, national or international emergency'),
    _code('Y3', 'not_required_or_attendance_not_possible', False, False, None,
          'Absent - unable to attend (unavoidable cause)',
          'Unable to attend: part of the school premises unavoidably out of use and the pupil cannot be accommodated elsewhere on site'),
    _code('Y4', 'not_required_or_attendance_not_possible', False, False, None,
          'Absent - unable to attend (unavoidable cause)',
          'Unable to attend: whole school site unexpectedly closed (session cancelled)'),
    _code('Y5', 'not_required_or_attendance_not_possible', False, False, None,
          'Absent - unable to attend (unavoidable cause)',
          'Unable to attend: pupil is in criminal justice detention'),
    _code('Y6', 'not_required_or_attendance_not_possible', False, False, None,
          'Absent - unable to attend (unavoidable cause)',
          'Unable to attend in accordance with public health guidance or law'),
    _code('Y7', 'not_required_or_attendance_not_possible', False, False, None,
          'Absent - unable to attend (unavoidable cause)',
          'Unable to attend because of any other unavoidable cause'),
    _code('G', 'unauthorised_absence', True, True, False,
          'Absent - unauthorised',
          "Holiday (or other leave) taken without the school's agreement, or days in excess of those agreed"),
    _code('N', 'unauthorised_absence', True, True, False,
          'Absent - unauthorised',
          'Reason for absence not yet established (temporary code)'),
    _code('O', 'unauthorised_absence', True, True, False,
          'Absent - unauthorised',
          'Absent in other or unknown circumstances (no other code applies; not authorised)'),
    _code('U', 'unauthorised_absence', True, True, False,
          'Absent - unauthorised',
          'Arrived in school after the register closed (no other code applies)'),
    _code('Z', 'administrative', False, False, None,
          'Administrative',
          'Prospective pupil not yet on the admission register'),
    _code('#', 'administrative', False, False, None,
          'Administrative',
          'Planned whole or partial school closure (e.g. school holidays, INSET, polling day); school not due to meet'),
)}
# fmt: on

# Codes that schools and older MIS exports still write; each says what replaced it.
RETIRED = {
    "H": "H (agreed family holiday) was withdrawn in 2024: term-time holidays are G, or C if "
    "the head grants leave for exceptional circumstances",
    "J": "J is now J1 (interview)",
    "Y": "Y is now split into Y1 to Y7",
    "F": "F (extended family holiday) no longer exists: use G",
}

# The code a parent's stated reason suggests; staff confirm or change it.
REASON_CODES = {
    "illness": "I",
    "medical": "M",
    "religious": "R",
    "holiday": "G",
    "exceptional": "C",
    "late": "L",
    "other": "O",
    None: "N",
}


def get_code(code: str) -> AttendanceCode:
    """Look a code up, case-insensitively; a retired or unknown code raises UnknownCode."""
    key = code.strip()
    found = CODES.get(key) or CODES.get(key.upper())
    if found:
        return found
    if key.upper() in RETIRED:
        raise UnknownCode(RETIRED[key.upper()])
    raise UnknownCode(f"{code!r} is not a national attendance code")

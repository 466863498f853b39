"""Reading an MIS pupil-contact export: one row per pupil-contact pair, checked field by field."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from stdnum import exceptions as stdnum_errors
from stdnum.gb import upn as upn_numbers

from core.models import PupilFlag
from core.phones import InvalidPhone, is_mobile, to_e164

REQUIRED_COLUMNS = ("upn", "legal_first_name", "legal_last_name", "year_group", "contact_name")
OPTIONAL_COLUMNS = ("preferred_first_name", "reg_group", "relationship", "priority", "mobile",
                    "email", "language", "parental_responsibility", "flags", "whatsapp")

YEAR_GROUPS = {"N1", "N2", "R", *(str(n) for n in range(1, 14))}
_YEAR_ALIASES = {"RECEPTION": "R", "REC": "R", "YR": "R", "N": "N2", "NURSERY": "N2"}
_YES = {"y", "yes", "true", "1", "x"}
_NO = {"n", "no", "false", "0"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Languages MIS exports name in full, most common in English schools first; two-letter codes
# pass through as they are.
LANGUAGES = {
    "english": "en", "polish": "pl", "urdu": "ur", "romanian": "ro", "punjabi": "pa",
    "panjabi": "pa", "bengali": "bn", "bangla": "bn", "arabic": "ar", "somali": "so",
    "portuguese": "pt", "spanish": "es", "lithuanian": "lt", "turkish": "tr", "french": "fr",
    "gujarati": "gu", "tamil": "ta", "chinese": "zh", "mandarin": "zh", "cantonese": "zh",
    "italian": "it", "russian": "ru", "ukrainian": "uk", "pashto": "ps", "persian": "fa",
    "farsi": "fa", "dari": "fa", "bulgarian": "bg", "hungarian": "hu", "albanian": "sq",
    "tigrinya": "ti", "kurdish": "ku", "german": "de", "latvian": "lv", "slovak": "sk",
    "czech": "cs", "hindi": "hi", "nepali": "ne", "yoruba": "yo", "twi": "tw", "malayalam": "ml",
}


class RosterFileError(ValueError):
    """The file as a whole can't be read (not CSV, required columns missing)."""


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


@dataclass(frozen=True)
class RosterRow:
    """One pupil-contact pair, cleaned: names trimmed, phone numbers in E.164."""

    line: int
    upn: str
    legal_first_name: str
    legal_last_name: str
    preferred_first_name: str | None
    year_group: str
    reg_group: str | None
    flags: frozenset[PupilFlag]
    contact_name: str
    relationship: str | None
    priority: int | None
    mobile: str | None
    whatsapp: str | None
    email: str | None
    language: str
    parental_responsibility: bool | None
    warnings: tuple[str, ...] = field(default=(), compare=False)


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs with lower-cased column names; a BOM is allowed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        # Older MIS exports come out of Excel in Windows-1252.
        text = path.read_bytes().decode("cp1252", errors="replace")
    yield from read_csv_text(text)


def read_csv_text(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if not header:
        raise RosterFileError("the file is empty: expected a header row")
    columns = [name.strip().lower().replace(" ", "_") for name in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise RosterFileError(f"missing required column(s): {', '.join(missing)}")
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        yield reader.line_num, {c: v.strip() for c, v in zip(columns, values, strict=False)}


def clean_row(line: int, raw: dict[str, str]) -> RosterRow | RowProblem:
    """Check one row; every problem with it is reported together."""
    problems: list[str] = []
    warnings: list[str] = []

    def cell(name: str) -> str | None:
        value = raw.get(name, "").strip()
        return value or None

    upn = _upn(cell("upn"), problems, warnings)
    for name in ("legal_first_name", "legal_last_name", "contact_name"):
        if not cell(name):
            problems.append(f"{name} is missing")
    year = _year_group(cell("year_group"), problems)
    mobile = _phone(cell("mobile"), "mobile", problems, warnings)
    whatsapp = _phone(cell("whatsapp"), "whatsapp", problems, warnings)
    email = cell("email")
    if email and not _EMAIL.match(email):
        problems.append(f"email {email!r} is not an email address")
    if not (mobile or email or whatsapp):
        warnings.append("contact has no mobile or email: they can't be messaged")
    result = RosterRow(
        line=line, upn=upn or "", legal_first_name=cell("legal_first_name") or "",
        legal_last_name=cell("legal_last_name") or "",
        preferred_first_name=cell("preferred_first_name"), year_group=year or "",
        reg_group=cell("reg_group"), flags=_flags(cell("flags"), problems),
        contact_name=cell("contact_name") or "", relationship=cell("relationship"),
        priority=_priority(cell("priority"), problems), mobile=mobile, whatsapp=whatsapp,
        email=email.lower() if email else None, language=_language(cell("language"), warnings),
        parental_responsibility=_yes_no(cell("parental_responsibility"), problems),
        warnings=tuple(warnings),
    )
    return RowProblem(line, "; ".join(problems)) if problems else result


def _upn(value: str | None, problems: list[str], warnings: list[str]) -> str | None:
    if not value:
        problems.append("UPN is missing")
        return None
    value = value.replace(" ", "").upper()
    try:
        return upn_numbers.validate(value)
    except (stdnum_errors.InvalidLength, stdnum_errors.InvalidFormat):
        problems.append(f"UPN {value!r} is not 13 characters: a letter, 11 digits, a digit "
                        "or letter")
    except (stdnum_errors.InvalidChecksum, stdnum_errors.InvalidComponent):
        # A real MIS never exports these, but a hand-typed UPN may; keep the row and say so.
        warnings.append(f"UPN {value} fails the DfE check letter or LA number check")
        return value
    return None


def _year_group(value: str | None, problems: list[str]) -> str | None:
    if not value:
        problems.append("year_group is missing")
        return None
    key = re.sub(r"^(YEAR|YR|Y)\s*(?=\d)", "", value.strip().upper()).lstrip("0") or "0"
    key = _YEAR_ALIASES.get(key, key)
    if key not in YEAR_GROUPS:
        problems.append(f"year_group {value!r} is not one of N1, N2, R, 1 to 13")
        return None
    return key


def _phone(value: str | None, name: str, problems: list[str], warnings: list[str]) -> str | None:
    if not value:
        return None
    try:
        number = to_e164(value)
    except InvalidPhone as error:
        problems.append(f"{name}: {error}")
        return None
    if not is_mobile(number):
        warnings.append(f"{name} {number} is not a mobile number: texts won't reach it")
    return number


def _flags(value: str | None, problems: list[str]) -> frozenset[PupilFlag]:
    flags: set[PupilFlag] = set()
    for part in re.split(r"[;,]", value or ""):
        name = part.strip().upper()
        if not name:
            continue
        if name not in PupilFlag.__members__:
            problems.append(f"unknown flag {part.strip()!r} (use CP, CIN, LAC, SEND, EAL, FSM)")
        else:
            flags.add(PupilFlag[name])
    return frozenset(flags)


def _priority(value: str | None, problems: list[str]) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or int(value) < 1:
        problems.append(f"priority {value!r} is not a whole number from 1")
        return None
    return int(value)


def _yes_no(value: str | None, problems: list[str]) -> bool | None:
    if value is None:
        return None
    if value.lower() in _YES:
        return True
    if value.lower() in _NO:
        return False
    problems.append(f"parental_responsibility {value!r} is not yes or no")
    return None


def _language(value: str | None, warnings: list[str]) -> str:
    if not value:
        return "en"
    key = value.strip().lower()
    if key in LANGUAGES:
        return LANGUAGES[key]
    if re.fullmatch(r"[a-z]{2}", key):
        return key
    warnings.append(f"language {value!r} not recognised: English will be used")
    return "en"

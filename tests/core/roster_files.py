"""Small MIS exports written the way the tests need them."""

from __future__ import annotations

import csv
import io

from stdnum.gb import upn as upn_numbers

COLUMNS = ["upn", "legal_first_name", "legal_last_name", "preferred_first_name", "year_group",
           "reg_group", "contact_name", "relationship", "priority", "mobile", "email",
           "language", "parental_responsibility", "flags"]


def upn(serial: int) -> str:
    body = f"3052001{19:02d}{serial:03d}"
    return upn_numbers.calc_check_digit(body) + body


def row(serial: int, first: str, last: str, contact: str, mobile: str, **extra: str) -> dict:
    values = {"upn": upn(serial), "legal_first_name": first, "legal_last_name": last,
              "year_group": "3", "reg_group": "3B", "contact_name": contact,
              "relationship": "Mother", "mobile": mobile, "parental_responsibility": "Y"}
    values.update(extra)
    return values


def csv_text(rows: list[dict], columns: list[str] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def smith_family() -> list[dict]:
    """Two siblings sharing their parents' numbers, and one pupil of another family."""
    return [
        row(1, "Amelia", "Smith", "Sarah Smith", "07700 900001", preferred_first_name="Millie",
            priority="1", flags="SEND;FSM"),
        row(1, "Amelia", "Smith", "James Smith", "07700 900002", relationship="Father",
            preferred_first_name="Millie", priority="2", flags="SEND;FSM"),
        row(2, "Jack", "Smith", "Sarah Smith", "07700 900001", year_group="5", priority="1"),
        row(2, "Jack", "Smith", "James Smith", "07700 900002", year_group="5",
            relationship="Father", priority="2"),
        row(3, "Stefan", "Radu", "Elena Radu", "+40 712 345 678", language="Romanian",
            flags="EAL; CP"),
    ]

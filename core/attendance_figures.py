"""Attendance figures from register marks, as the 2024 national codes define them.

Possible sessions are the sessions whose code counts towards the possible total (X, D, Q, the
Y codes, Z and # do not); a session with no mark yet is not counted at all. Attending is the
present codes (/, \\, L) and the approved educational activities (K, V, P, W, B): the DfE
counts those as attendance. Every other possible session is an absence, authorised or not;
N counts as unauthorised until the school establishes a reason and changes it.

Pure functions of marks, so whole-school reports can run them over every pupil's marks at
once without a query per pupil.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.codes import CODES, Category

ATTENDING = frozenset({Category.present, Category.approved_activity})
PERSISTENT_SHARE = Decimal("0.1")  # DfE: persistently absent misses 10% or more
SEVERE_SHARE = Decimal("0.5")  # DfE: severely absent misses 50% or more


@dataclass(frozen=True)
class AttendanceFigures:
    """One pupil's sessions over a period, counted by the national codes' categories."""

    possible: int = 0
    attended: int = 0
    authorised: int = 0
    unauthorised: int = 0

    @property
    def absent(self) -> int:
        return self.authorised + self.unauthorised

    @property
    def percentage(self) -> float | None:
        """Attendance as a percentage to one decimal place; None before any possible session."""
        return _percent(self.attended, self.possible)

    @property
    def absence_percentage(self) -> float | None:
        return _percent(self.absent, self.possible)

    @property
    def persistent(self) -> bool:
        """Absent for 10% or more of possible sessions (severe absence is included)."""
        return self.possible > 0 and self.absent >= PERSISTENT_SHARE * self.possible

    @property
    def severe(self) -> bool:
        """Absent for 50% or more of possible sessions."""
        return self.possible > 0 and self.absent >= SEVERE_SHARE * self.possible


def _percent(part: int, whole: int) -> float | None:
    if whole == 0:
        return None
    # Half up, as published figures are rounded (Python's round() would give 6.2 for 6.25).
    exact = Decimal(part * 100) / Decimal(whole)
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def attendance_figures(marks: Iterable[str | None]) -> AttendanceFigures:
    """Count one pupil's marks; blanks (a register not taken yet) and non-codes are skipped."""
    return counted_figures((mark, 1) for mark in marks)


def counted_figures(counts: Iterable[tuple[str | None, int]]) -> AttendanceFigures:
    """The same from (mark, how many) pairs, as a database GROUP BY gives them: a year of
    marks for a whole school is counted in SQL, not fetched row by row."""
    possible = attended = authorised = unauthorised = 0
    for mark, count in counts:
        code = CODES.get(mark or "")
        if code is None or not code.possible_session:
            continue
        possible += count
        if code.category in ATTENDING:
            attended += count
        elif code.authorised:
            authorised += count
        else:
            unauthorised += count
    return AttendanceFigures(possible, attended, authorised, unauthorised)


def figures_by_pupil(marks: Mapping[int, Iterable[str | None]]) -> dict[int, AttendanceFigures]:
    """Figures for many pupils at once, from their marks grouped by pupil id."""
    return {pupil_id: attendance_figures(pupil_marks) for pupil_id, pupil_marks in marks.items()}

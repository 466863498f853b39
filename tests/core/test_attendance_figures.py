"""Attendance figures counted by hand from a fortnight's register, code by code."""

from __future__ import annotations

import pytest

from core.attendance_figures import AttendanceFigures, attendance_figures, figures_by_pupil
from core.codes import CODES

# Ten school days, AM and PM; None is a register not taken yet (this afternoon).
FORTNIGHT = [
    "/", "\\",    # Mon: present
    "L", "\\",    # Tue: late before the register closed, present
    "I", "I",     # Wed: ill (authorised)
    "M", "\\",    # Thu: medical appointment (authorised), then present
    "N", "N",     # Fri: no reason yet (unauthorised until changed)
    "V", "V",     # Mon: educational visit (attending)
    "U", "O",     # Tue: after the register closed, other (unauthorised)
    "X", "X",     # Wed: not of compulsory school age, not required (not possible)
    "#", "#",     # Thu: INSET (not possible)
    "/", None,    # Fri: present; the afternoon register is not taken yet
]


def test_the_fortnight_counts_as_worked_out_by_hand() -> None:
    figures = attendance_figures(FORTNIGHT)
    # Possible: 20 sessions, less 2 X, 2 #, and the blank = 15.
    # Attended: / \ L \ \ V V / = 8. Authorised: I I M = 3. Unauthorised: N N U O = 4.
    assert figures == AttendanceFigures(possible=15, attended=8, authorised=3, unauthorised=4)
    assert figures.absent == 7
    assert figures.percentage == 53.3  # 8 / 15
    assert figures.absence_percentage == 46.7
    assert figures.persistent and not figures.severe


def test_changing_n_to_a_reason_moves_it_from_unauthorised_to_authorised() -> None:
    explained = ["I" if mark == "N" else mark for mark in FORTNIGHT]
    figures = attendance_figures(explained)
    assert (figures.authorised, figures.unauthorised, figures.possible) == (5, 2, 15)


def test_every_approved_activity_code_counts_as_attending() -> None:
    figures = attendance_figures(["K", "V", "P", "W", "B"])
    assert figures == AttendanceFigures(possible=5, attended=5)
    assert figures.percentage == 100.0


@pytest.mark.parametrize("code", [c for c, spec in CODES.items() if not spec.possible_session])
def test_codes_that_are_not_possible_sessions_count_for_nothing(code: str) -> None:
    assert attendance_figures([code, code]) == AttendanceFigures()


def test_no_possible_session_gives_no_percentage_and_no_flags() -> None:
    figures = attendance_figures(["X", None, "Y4"])
    assert figures.percentage is None and figures.absence_percentage is None
    assert not figures.persistent and not figures.severe


@pytest.mark.parametrize("marks, persistent, severe", [
    (["/"] * 9 + ["I"], True, False),      # exactly 10%: persistent
    (["/"] * 10 + ["I"], False, False),    # 9.1%: not yet
    (["/"] * 5 + ["N"] * 5, True, True),   # exactly 50%: severe
    (["/"] * 6 + ["N"] * 5, True, False),  # 45.5%
])
def test_persistent_and_severe_absence_thresholds(marks: list[str], persistent: bool,
                                                  severe: bool) -> None:
    figures = attendance_figures(marks)
    assert (figures.persistent, figures.severe) == (persistent, severe)


def test_percentages_round_half_up_to_one_decimal() -> None:
    assert attendance_figures(["/"] * 15 + ["I"]).percentage == 93.8  # 93.75
    assert attendance_figures(["/"] + ["I"] * 15).percentage == 6.3  # 6.25


def test_figures_for_many_pupils_at_once() -> None:
    found = figures_by_pupil({1: FORTNIGHT, 2: ["/", "\\"], 3: []})
    assert found[1].percentage == 53.3
    assert found[2] == AttendanceFigures(possible=2, attended=2)
    assert found[3].percentage is None

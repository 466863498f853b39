"""Staff approve a report's code, or change it with a reason, and it goes into the register:
the sessions it covers on school days only, each change in the trail, once."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from core.clock import FixedClock
from core.codes import UnknownCode
from core.conversation_models import AbsenceReport
from core.models import School, StaffUser
from core.register import import_marks
from core.register_approval import (
    ApprovalRefused,
    CannotApprove,
    ReportNotFound,
    approve_report,
)
from core.register_rows import read_marks_text
from core.schools import add_school
from tests.conftest import CORPUS_CALENDAR
from tests.core.register_files import (
    AMELIA,
    JACK,
    enrol_smiths,
    make_report,
    marks_csv,
    register,
    trail,
)

MON, THU, FRI = date(2026, 11, 23), date(2026, 11, 26), date(2026, 11, 27)
NEXT_MON, NEXT_TUE = date(2026, 11, 30), date(2026, 12, 1)
OFFICE = "office@example.sch.uk"


@pytest.fixture
def smiths(session: Session, school: School, clock: FixedClock) -> School:
    enrol_smiths(session, school, clock)
    return school


def approve(session: Session, school: School, clock: FixedClock, report: AbsenceReport,
            **given: str) -> list[tuple[date, str, str | None, str, bool]]:
    """Approve as the office; (day, session, old, new, changed) for each mark."""
    given.setdefault("staff", OFFICE)
    given.setdefault("role", "office")
    assert report.id is not None
    approval = approve_report(session=session, school=school, report_id=report.id,
                              clock=clock, **given)
    session.commit()
    return [(m.day, m.session, m.old_mark, m.new_mark, m.changed) for m in approval.marks]


def test_approving_as_suggested_marks_each_school_day_until_the_return(
        session: Session, smiths: School, clock: FixedClock) -> None:
    report = make_report(session, smiths, clock, JACK, first_day=THU, return_day=NEXT_TUE)
    marks = approve(session, smiths, clock, report)
    # Friday 27 is an INSET day and 28-29 a weekend: no marks there.
    assert marks == [(THU, "AM", None, "I", True), (THU, "PM", None, "I", True),
                     (NEXT_MON, "AM", None, "I", True), (NEXT_MON, "PM", None, "I", True)]
    assert register(session) == {(JACK, d, s): ("I", "rollcall")
                                 for d in (THU, NEXT_MON) for s in ("AM", "PM")}
    reason = f"approved report #{report.id}"
    assert trail(session) == [(JACK, d, s, None, "I", reason, OFFICE, "office")
                              for d in (THU, NEXT_MON) for s in ("AM", "PM")]
    session.refresh(report)
    assert report.status == "approved"


def test_approving_over_the_mis_n_records_the_old_mark(
        session: Session, smiths: School, clock: FixedClock) -> None:
    import_marks(session=session, school=smiths, clock=clock, rows=read_marks_text(marks_csv(
        ("2026-11-23", "AM", JACK, "N"), ("2026-11-23", "PM", JACK, "I"))))
    report = make_report(session, smiths, clock, JACK, first_day=MON)
    assert approve(session, smiths, clock, report) == [
        (MON, "AM", "N", "I", True), (MON, "PM", "I", "I", False)]
    assert [entry[3:5] for entry in trail(session)] == [("N", "I")]


def test_a_different_code_needs_a_reason_which_the_trail_keeps(
        session: Session, smiths: School, clock: FixedClock) -> None:
    report = make_report(session, smiths, clock, JACK, first_day=MON)
    with pytest.raises(ApprovalRefused, match="differs from the suggested I: give the reason"):
        approve(session, smiths, clock, report, code="M")
    session.rollback()
    assert register(session) == {}
    approve(session, smiths, clock, report, code="m", reason="hospital letter seen")
    assert register(session)[(JACK, MON, "PM")] == ("M", "rollcall")
    assert {entry[5] for entry in trail(session)} == {"hospital letter seen"}


def test_a_retired_or_unknown_code_is_refused(
        session: Session, smiths: School, clock: FixedClock) -> None:
    report = make_report(session, smiths, clock, JACK, first_day=MON)
    with pytest.raises(UnknownCode, match="withdrawn in 2024"):
        approve(session, smiths, clock, report, code="H", reason="holiday")


@pytest.mark.parametrize("part, kind, code, sessions", [
    ("am", "absence", "M", ["AM"]),
    ("pm", "absence", "M", ["PM"]),
    ("full", "late", "L", ["AM"]),
])
def test_part_of_the_day_decides_the_sessions(
        session: Session, smiths: School, clock: FixedClock, part: str, kind: str, code: str,
        sessions: list[str]) -> None:
    report = make_report(session, smiths, clock, AMELIA, first_day=MON, part=part, kind=kind,
                         code=code)
    approve(session, smiths, clock, report)
    assert sorted(register(session)) == [(AMELIA, MON, s) for s in sessions]


def test_approving_twice_writes_nothing_twice(
        session: Session, smiths: School, clock: FixedClock) -> None:
    report = make_report(session, smiths, clock, JACK, first_day=MON)
    approve(session, smiths, clock, report)
    assert approve(session, smiths, clock, report) == [
        (MON, "AM", "I", "I", False), (MON, "PM", "I", "I", False)]
    assert len(trail(session)) == 2


def test_a_leave_request_is_approved_with_the_heads_code(
        session: Session, smiths: School, clock: FixedClock) -> None:
    report = make_report(session, smiths, clock, AMELIA, first_day=THU, return_day=NEXT_MON,
                         kind="leave_request", reason="holiday", code="G", status="for_head")
    approve(session, smiths, clock, report, code="C", reason="bereavement abroad",
            staff="head@example.sch.uk", role="headteacher")
    assert register(session) == {(AMELIA, THU, "AM"): ("C", "rollcall"),
                                 (AMELIA, THU, "PM"): ("C", "rollcall")}
    assert trail(session)[0][5:] == ("bereavement abroad", "head@example.sch.uk", "headteacher")


def test_the_role_comes_from_the_staff_record_when_not_given(
        session: Session, smiths: School, clock: FixedClock) -> None:
    session.add(StaffUser(school_id=smiths.id, name="Dee Patel", email="dee@example.sch.uk",
                          role="attendance_officer", created_at=clock()))
    report = make_report(session, smiths, clock, JACK, first_day=MON)
    approve(session, smiths, clock, report, staff="Dee@example.sch.uk", role="")
    assert trail(session)[0][7] == "attendance_officer"
    with pytest.raises(ApprovalRefused, match="not a member of staff here: give their role"):
        approve(session, smiths, clock, report, staff="someone@else.org", role="")


@pytest.mark.parametrize("status, problem", [
    ("withdrawn", "was withdrawn by the parent"),
    ("collecting", "is still being made"),
])
def test_a_withdrawn_or_unfinished_report_cannot_be_approved(
        session: Session, smiths: School, clock: FixedClock, status: str, problem: str) -> None:
    report = make_report(session, smiths, clock, JACK, first_day=MON, status=status)
    with pytest.raises(CannotApprove, match=problem):
        approve(session, smiths, clock, report)
    assert register(session) == {}


def test_another_schools_report_is_not_found(
        session: Session, smiths: School, clock: FixedClock) -> None:
    report = make_report(session, smiths, clock, JACK, first_day=MON)
    other, _ = add_school(session=session, clock=clock, name="Hillside",
                          calendar_file=CORPUS_CALENDAR)
    assert report.id is not None
    with pytest.raises(ReportNotFound):
        approve_report(session=session, school=other, report_id=report.id, staff=OFFICE,
                       role="office", clock=clock)

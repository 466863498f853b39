"""Marks from the MIS into the register: good and bad rows, re-imports, the amendment trail,
a day's export, N marks left standing, discrepancies, and a trail the database keeps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from core.clock import FixedClock
from core.models import School
from core.register import MarkImportReport, find_discrepancies, import_marks
from core.register_approval import approve_report
from core.register_export import amendment_trail, day_marks, export_csv, standing_n_marks
from core.register_rows import RegisterFileError, read_marks_text
from tests.core.register_files import (
    AMELIA,
    JACK,
    STEFAN,
    enrol_smiths,
    make_report,
    marks_csv,
    register,
    trail,
)

MON, TUE = date(2026, 11, 23), date(2026, 11, 24)


@pytest.fixture
def smiths(session: Session, school: School, clock: FixedClock) -> School:
    enrol_smiths(session, school, clock)
    return school


def run_import(session: Session, school: School, clock: FixedClock,
               text_: str) -> MarkImportReport:
    report = import_marks(session=session, school=school, rows=read_marks_text(text_),
                          clock=clock)
    session.commit()
    return report


def counts(report: MarkImportReport) -> tuple[int, int, int, int]:
    return report.added, report.updated, report.unchanged, len(report.rejected)


def test_good_rows_import_and_bad_rows_are_rejected_with_line_and_reason(
        session: Session, smiths: School, clock: FixedClock) -> None:
    text_ = marks_csv(
        ("2026-11-23", "AM", AMELIA, "/"), ("23/11/2026", "pm", AMELIA.lower(), "\\"),
        ("2026-11-23", "AM", JACK, "n"), ("2026-11-23", "AM", STEFAN, "H"),
        ("2026-11-23", "AM", "A123456789012", "N"), ("31/02/2026", "AM", STEFAN, "N"),
        ("2026-11-23", "EV", STEFAN, "N"), ("2026-11-23", "AM", JACK, "I"),
        ("2026-11-23", "PM", JACK, ""), header="Date,Session,UPN,Mark")
    report = run_import(session, smiths, clock, text_)
    assert counts(report) == (3, 0, 0, 5)
    assert report.blank == 1
    assert [(p.line, p.message) for p in report.rejected] == [
        (5, "mark 'H': H (agreed family holiday) was withdrawn in 2024: term-time holidays "
            "are G, or C if the head grants leave for exceptional circumstances"),
        (6, "unknown UPN A123456789012: import the roster first"),
        (7, "date '31/02/2026' is not a day of the calendar"),
        (8, "session 'EV' is not AM or PM"),
        (9, "repeats line 4 (same pupil, date and session)"),
    ]
    assert register(session) == {(AMELIA, MON, "AM"): ("/", "mis"),
                                 (AMELIA, MON, "PM"): ("\\", "mis"),
                                 (JACK, MON, "AM"): ("N", "mis")}
    assert trail(session) == []  # first marks from the MIS are the original entries


def test_a_file_without_the_mark_column_is_refused_whole() -> None:
    with pytest.raises(RegisterFileError, match="missing required column"):
        list(read_marks_text("date,session,upn\n2026-11-23,AM,X\n"))


def test_importing_the_same_file_again_changes_nothing(
        session: Session, smiths: School, clock: FixedClock) -> None:
    text_ = marks_csv(("2026-11-23", "AM", AMELIA, "/"), ("2026-11-23", "AM", JACK, "N"))
    run_import(session, smiths, clock, text_)
    again = run_import(session, smiths, clock, text_)
    assert counts(again) == (0, 0, 2, 0)
    assert trail(session) == []


def test_a_mark_changed_in_the_mis_is_updated_and_enters_the_trail(
        session: Session, smiths: School, clock: FixedClock) -> None:
    run_import(session, smiths, clock, marks_csv(("2026-11-23", "AM", JACK, "N")))
    report = run_import(session, smiths, clock, marks_csv(
        ("2026-11-23", "AM", JACK, "I"), ("2026-11-23", "PM", JACK, "I")))
    assert counts(report) == (1, 1, 0, 0)
    assert register(session)[(JACK, MON, "AM")] == ("I", "mis")
    assert trail(session) == [
        (JACK, MON, "AM", "N", "I", "changed in the MIS", "MIS import", "system")]


def test_an_imported_n_does_not_undo_a_code_approved_here(
        session: Session, smiths: School, clock: FixedClock) -> None:
    run_import(session, smiths, clock, marks_csv(("2026-11-23", "AM", JACK, "N")))
    report = make_report(session, smiths, clock, JACK, first_day=MON, part="am")
    approve_report(session=session, school=smiths, report_id=report.id, staff="office@x.sch.uk",
                   role="office", clock=clock)
    session.commit()
    again = run_import(session, smiths, clock, marks_csv(("2026-11-23", "AM", JACK, "N")))
    assert (again.kept, counts(again)) == (1, (0, 0, 0, 0))
    assert register(session)[(JACK, MON, "AM")] == ("I", "rollcall")
    later = run_import(session, smiths, clock, marks_csv(("2026-11-23", "AM", JACK, "M")))
    assert counts(later) == (0, 1, 0, 0)  # any other code is the MIS's decision
    assert trail(session)[-1][3:6] == ("I", "M", "changed in the MIS")


def test_the_export_lists_the_days_marks_for_the_mis(
        session: Session, smiths: School, clock: FixedClock) -> None:
    run_import(session, smiths, clock, marks_csv(
        ("2026-11-23", "AM", JACK, "N"), ("2026-11-23", "PM", JACK, "N"),
        ("2026-11-23", "AM", AMELIA, "/"), ("2026-11-24", "AM", AMELIA, "/")))
    report = make_report(session, smiths, clock, JACK, first_day=MON, return_day=TUE)
    approve_report(session=session, school=smiths, report_id=report.id, staff="office@x.sch.uk",
                   role="office", clock=clock)
    session.commit()
    assert export_csv(day_marks(session=session, school=smiths, day=MON)) == (
        "upn,date,session,mark,source,amended\n"
        f"{JACK},2026-11-23,AM,I,rollcall,yes\n"  # by UPN: J305... before V305...
        f"{JACK},2026-11-23,PM,I,rollcall,yes\n"
        f"{AMELIA},2026-11-23,AM,/,mis,no\n")


def test_n_marks_standing_past_the_policy_limit_are_listed_for_staff(
        session: Session, smiths: School, clock: FixedClock) -> None:
    run_import(session, smiths, clock, marks_csv(
        ("2026-11-16", "AM", JACK, "N"), ("2026-11-17", "PM", AMELIA, "N"),
        ("2026-11-16", "AM", STEFAN, "I")))
    standing = standing_n_marks(session=session, school=smiths, on=MON)
    # Mon 16 to Fri 20 is five school days, the default limit; Tue 17 has stood four.
    assert [(s.upn, s.day, s.session, s.school_days) for s in standing] == [
        (JACK, date(2026, 11, 16), "AM", 5)]
    # Friday 27 November is an INSET day: it does not count.
    later = standing_n_marks(session=session, school=smiths, on=date(2026, 11, 30))
    assert [(s.upn, s.school_days) for s in later] == [(JACK, 9), (AMELIA, 8)]


def test_the_trail_can_be_read_for_one_pupil_dates_or_member_of_staff(
        session: Session, smiths: School, clock: FixedClock) -> None:
    run_import(session, smiths, clock, marks_csv(
        ("2026-11-23", "AM", JACK, "N"), ("2026-11-24", "AM", AMELIA, "N")))
    run_import(session, smiths, clock, marks_csv(
        ("2026-11-23", "AM", JACK, "I"), ("2026-11-24", "AM", AMELIA, "M")))
    report = make_report(session, smiths, clock, AMELIA, first_day=TUE, part="am", code="M")
    clock.advance(timedelta(hours=1))
    approve_report(session=session, school=smiths, report_id=report.id, code="C",
                   reason="head agreed", staff="Head@x.sch.uk", role="headteacher", clock=clock)
    session.commit()

    def read(**filters: object) -> list[tuple[str, date, str | None, str, str]]:
        return [(e.upn, e.day, e.old_mark, e.new_mark, e.changed_by)
                for e in amendment_trail(session=session, school=smiths, **filters)]

    assert read() == [(JACK, MON, "N", "I", "MIS import"), (AMELIA, TUE, "N", "M", "MIS import"),
                      (AMELIA, TUE, "M", "C", "Head@x.sch.uk")]
    assert read(upn=JACK) == [(JACK, MON, "N", "I", "MIS import")]
    assert read(start=TUE, end=TUE) == read(upn=AMELIA)
    assert read(staff="head@x.sch.uk") == [(AMELIA, TUE, "M", "C", "Head@x.sch.uk")]


def test_pupils_reported_absent_but_marked_present_and_unexplained_ns_are_listed(
        session: Session, smiths: School, clock: FixedClock) -> None:
    run_import(session, smiths, clock, marks_csv(
        ("2026-11-23", "AM", AMELIA, "/"), ("2026-11-23", "PM", AMELIA, "\\"),
        ("2026-11-23", "AM", JACK, "N"), ("2026-11-23", "PM", JACK, "N"),
        ("2026-11-23", "AM", STEFAN, "N"), ("2026-11-23", "PM", STEFAN, "/")))
    make_report(session, smiths, clock, AMELIA, first_day=MON, return_day=TUE)
    make_report(session, smiths, clock, STEFAN, first_day=MON, part="am", code="M",
                reason="medical")
    make_report(session, smiths, clock, JACK, first_day=MON, status="withdrawn")
    found = find_discrepancies(session=session, school=smiths, day=MON)
    assert [(d.kind, d.upn, d.pupil, d.sessions) for d in found] == [
        ("reported_absent_marked_present", AMELIA, "Millie Smith", ("AM", "PM")),
        ("unexplained_absence", JACK, "Jack Smith", ("AM", "PM")),
    ]
    assert find_discrepancies(session=session, school=smiths, day=TUE) == []


def test_the_amendment_trail_cannot_be_changed_or_deleted(
        engine: Engine, session: Session, smiths: School, clock: FixedClock) -> None:
    run_import(session, smiths, clock, marks_csv(("2026-11-23", "AM", JACK, "N")))
    run_import(session, smiths, clock, marks_csv(("2026-11-23", "AM", JACK, "I")))
    for statement in ("UPDATE mark_amendment SET new_mark = 'O'", "DELETE FROM mark_amendment"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    assert trail(session) == [
        (JACK, MON, "AM", "N", "I", "changed in the MIS", "MIS import", "system")]

"""Importing the MIS pupil-contact export: good rows, bad rows, re-imports, shared numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from core.clock import FixedClock
from core.models import Contact, Pupil, PupilContact, School
from core.roster import ImportReport, import_roster
from core.roster_rows import RosterFileError, read_csv, read_csv_text
from core.schools import add_school
from tests.conftest import CORPUS_CALENDAR
from tests.core.roster_files import csv_text, row, smith_family, upn


def run_import(session: Session, school: School, clock: FixedClock, text_: str,
               full: bool = False) -> ImportReport:
    report = import_roster(session=session, school=school, rows=read_csv_text(text_),
                           clock=clock, full=full)
    session.commit()
    return report


def pupils_of(session: Session, school: School) -> dict[str, Pupil]:
    return {p.legal_first_name: p for p in session.exec(
        select(Pupil).where(Pupil.school_id == school.id))}


def contacts_of(session: Session, pupil: Pupil) -> list[tuple[str, str | None, int]]:
    rows = session.exec(select(Contact, PupilContact).join(
        PupilContact, PupilContact.contact_id == Contact.id).where(
        PupilContact.pupil_id == pupil.id).order_by(PupilContact.priority)).all()
    return [(c.name, c.mobile, link.priority) for c, link in rows]


def test_a_good_file_imports_pupils_contacts_and_links(session: Session, school: School,
                                                       clock: FixedClock) -> None:
    report = run_import(session, school, clock, csv_text(smith_family()))
    assert (report.rows.added, report.rows.updated, report.rows.unchanged,
            len(report.rejected)) == (5, 0, 0, 0)
    assert report.pupils.added == 3
    pupils = pupils_of(session, school)
    amelia = pupils["Amelia"]
    assert (amelia.upn, amelia.display_name, amelia.year_group) == (upn(1), "Millie Smith", "3")
    assert (amelia.send, amelia.fsm, amelia.child_protection_plan) == (True, True, False)
    assert pupils["Stefan"].child_protection_plan and pupils["Stefan"].is_vulnerable
    assert contacts_of(session, amelia) == [("Sarah Smith", "+447700900001", 1),
                                            ("James Smith", "+447700900002", 2)]
    elena = session.exec(select(Contact).where(Contact.name == "Elena Radu")).one()
    assert (elena.mobile, elena.preferred_language) == ("+40712345678", "ro")


def test_siblings_share_one_contact_per_parent(session: Session, school: School,
                                               clock: FixedClock) -> None:
    run_import(session, school, clock, csv_text(smith_family()))
    sarahs = session.exec(select(Contact).where(Contact.mobile == "+447700900001")).all()
    assert len(sarahs) == 1
    linked = session.exec(select(PupilContact).where(
        PupilContact.contact_id == sarahs[0].id)).all()
    assert len(linked) == 2


def test_bad_rows_are_rejected_with_their_line_numbers_and_the_rest_imports(
        session: Session, school: School, clock: FixedClock) -> None:
    rows = [
        *smith_family(),
        row(4, "Isla", "Bell", "Kerry Bell", "07700 90"),
        row(5, "Noah", "Khan", "Imran Khan", "07700 900010", upn=""),
        row(6, "Ava", "Hall", "Gemma Hall", "07700 900011", year_group="Year 15"),
        row(7, "Leo", "Wood", "Lee Wood", "07700 900012", flags="CP;VIP"),
        row(8, "Mia", "Green", "", "07700 900013"),
    ]
    report = run_import(session, school, clock, csv_text(rows))
    assert [(p.line, p.message) for p in report.rejected] == [
        (7, "mobile: '07700 90' is not a valid phone number"),
        (8, "UPN is missing"),
        (9, "year_group 'Year 15' is not one of N1, N2, R, 1 to 13"),
        (10, "unknown flag 'VIP' (use CP, CIN, LAC, SEND, EAL, FSM)"),
        (11, "contact_name is missing"),
    ]
    assert set(pupils_of(session, school)) == {"Amelia", "Jack", "Stefan"}


def test_reimporting_the_same_file_changes_nothing(session: Session, school: School,
                                                   clock: FixedClock) -> None:
    run_import(session, school, clock, csv_text(smith_family()))
    again = run_import(session, school, clock, csv_text(smith_family()))
    assert (again.rows.added, again.rows.updated, again.rows.unchanged) == (0, 0, 5)
    assert session.exec(select(Pupil)).all().__len__() == 3
    assert session.exec(select(Contact)).all().__len__() == 3


def test_a_changed_number_updates_the_contact_in_place(session: Session, school: School,
                                                       clock: FixedClock) -> None:
    run_import(session, school, clock, csv_text(smith_family()))
    rows = smith_family()
    for r in rows:
        if r["contact_name"] == "Sarah Smith":
            r["mobile"] = "07700 900099"
    report = run_import(session, school, clock, csv_text(rows))
    # Sarah's first row updates her; her row for Jack then finds her already up to date.
    assert (report.rows.added, report.rows.updated, report.rows.unchanged) == (0, 1, 4)
    assert report.contacts.updated == 1
    sarah = session.exec(select(Contact).where(Contact.name == "Sarah Smith")).one()
    assert sarah.mobile == "+447700900099"


def test_a_contact_the_mis_no_longer_lists_is_unlinked(session: Session, school: School,
                                                      clock: FixedClock) -> None:
    run_import(session, school, clock, csv_text(smith_family()))
    without_james = [r for r in smith_family() if r["contact_name"] != "James Smith"]
    report = run_import(session, school, clock, csv_text(without_james))
    assert report.links_removed == 2
    assert contacts_of(session, pupils_of(session, school)["Jack"]) == [
        ("Sarah Smith", "+447700900001", 1)]


def test_a_typing_error_in_a_row_never_removes_a_contact(session: Session, school: School,
                                                         clock: FixedClock) -> None:
    run_import(session, school, clock, csv_text(smith_family()))
    rows = smith_family()
    rows[3]["mobile"] = "07700"  # James's row for Jack is now bad
    report = run_import(session, school, clock, csv_text(rows))
    assert [p.line for p in report.rejected] == [5]
    assert report.links_removed == 0
    assert len(contacts_of(session, pupils_of(session, school)["Jack"])) == 2


def test_a_full_import_marks_pupils_missing_from_it_as_left(session: Session, school: School,
                                                            clock: FixedClock) -> None:
    run_import(session, school, clock, csv_text(smith_family()))
    report = run_import(session, school, clock, csv_text(smith_family()[:4]), full=True)
    assert report.pupils_left == 1
    assert not pupils_of(session, school)["Stefan"].on_roll
    back = run_import(session, school, clock, csv_text(smith_family()), full=True)
    assert back.pupils.updated == 1 and pupils_of(session, school)["Stefan"].on_roll


def test_the_same_family_at_two_schools_stays_apart(session: Session, school: School,
                                                   clock: FixedClock) -> None:
    other, _ = add_school(session=session, clock=clock, name="Hillside Academy",
                          calendar_file=CORPUS_CALENDAR)
    session.commit()
    run_import(session, school, clock, csv_text(smith_family()))
    report = run_import(session, other, clock, csv_text(smith_family()[:2]))
    assert report.pupils.added == 1 and report.contacts.added == 2
    assert set(pupils_of(session, school)) == {"Amelia", "Jack", "Stefan"}
    assert set(pupils_of(session, other)) == {"Amelia"}
    sarahs = session.exec(select(Contact).where(Contact.mobile == "+447700900001")).all()
    assert sorted(c.school_id for c in sarahs) == sorted([school.id, other.id])
    # Re-importing at the second school leaves the first one's links alone.
    run_import(session, other, clock, csv_text(smith_family()[:1]))
    assert len(contacts_of(session, pupils_of(session, school)["Amelia"])) == 2


def test_headers_are_case_insensitive_and_a_byte_order_mark_is_allowed(
        session: Session, school: School, clock: FixedClock, tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("UPN,Legal First Name,LEGAL_LAST_NAME,Year_Group,Contact_Name,Mobile\n"
                    f"{upn(1)},Amelia,Smith,3,Sarah Smith,07700 900001\n", encoding="utf-8-sig")
    report = import_roster(session=session, school=school, rows=read_csv(path), clock=clock)
    assert report.rows.added == 1 and not report.rejected


def test_an_extra_column_does_not_shift_the_others(session: Session, school: School,
                                                   clock: FixedClock) -> None:
    text_ = ("UPN,Ethnicity,Legal_First_Name,Legal_Last_Name,Year_Group,Contact_Name,Mobile\n"
             f"{upn(1)},WBRI,Amelia,Smith,R,Sarah Smith,07700 900001\n")
    report = run_import(session, school, clock, text_)
    assert report.rows.added == 1
    assert pupils_of(session, school)["Amelia"].year_group == "R"


def test_a_file_without_the_required_columns_is_refused_whole() -> None:
    with pytest.raises(RosterFileError, match=r"missing required column.*contact_name"):
        list(read_csv_text("upn,legal_first_name,legal_last_name,year_group\n"))


@pytest.mark.parametrize("written, year", [("R", "R"), ("Reception", "R"), ("Y3", "3"),
                                           ("Year 10", "10"), ("03", "3"), ("N1", "N1")])
def test_year_groups_are_read_as_schools_write_them(session: Session, school: School,
                                                    clock: FixedClock, written: str,
                                                    year: str) -> None:
    run_import(session, school, clock, csv_text([row(1, "Amelia", "Smith", "Sarah Smith",
                                                     "07700 900001", year_group=written)]))
    assert pupils_of(session, school)["Amelia"].year_group == year


def test_warnings_keep_the_row(session: Session, school: School, clock: FixedClock) -> None:
    rows = [row(1, "Amelia", "Smith", "Sarah Smith", "020 7946 0958", language="Klingon"),
            row(2, "Jack", "Smith", "Sarah Smith", "07700 900001", upn="A123456789012")]
    report = run_import(session, school, clock, csv_text(rows))
    assert report.rows.added == 2
    assert [(w.line, w.message) for w in report.warnings] == [
        (2, "mobile +442079460958 is not a mobile number: texts won't reach it"),
        (2, "language 'Klingon' not recognised: English will be used"),
        (3, "UPN A123456789012 fails the DfE check letter or LA number check"),
    ]


def test_a_repeated_pupil_contact_row_is_rejected(session: Session, school: School,
                                                  clock: FixedClock) -> None:
    rows = smith_family()[:1] * 2
    report = run_import(session, school, clock, csv_text(rows))
    assert [(p.line, p.message) for p in report.rejected] == [
        (3, "repeats line 2 (same pupil and contact)")]


def test_a_crash_mid_import_leaves_nothing_half_written(sqlite_engine: Engine,
                                                        clock: FixedClock) -> None:
    with Session(sqlite_engine) as session:
        school, _ = add_school(session=session, clock=clock, name="Example Primary",
                               calendar_file=CORPUS_CALENDAR)
        session.commit()
        # The database fails on the fourth link, as a full disk or a killed process would.
        session.exec(text("""CREATE TRIGGER fail_fourth BEFORE INSERT ON pupil_contact
            WHEN (SELECT count(*) FROM pupil_contact) >= 3
            BEGIN SELECT RAISE(ABORT, 'disk full'); END"""))
        session.commit()
        with pytest.raises(IntegrityError, match="disk full"):
            run_import(session, school, clock, csv_text(smith_family()))
        session.rollback()
        assert session.exec(select(Pupil)).all() == []
        assert session.exec(select(Contact)).all() == []

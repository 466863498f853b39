"""The governors' pack: the whole school against its target, year groups and the DfE's groups,
small groups suppressed, the safeguarding groups left out, and a PDF that names no pupil."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from core.governors_pack import GovernorsPack, governors_pack
from core.governors_pdf import pack_pdf
from core.models import Pupil, School
from tests.core.monitoring_files import FIRST, LAST, enrol, mark, pdf_text, school_week, whole_days

MON16, FRI20 = date(2026, 11, 16), date(2026, 11, 20)
CREATED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def pupils(session: Session, school: School) -> list[Pupil]:
    """Year 3: 3A and 3B, six each, 3A all on free school meals; Year 5: three pupils on CP
    plans (the DSL's business, never the governors'); two pupils with SEND."""
    year3 = enrol(session, school, {"3A": 6}, fsm=True) + enrol(
        session, school, {"3B": 6}, start=7)
    year5 = enrol(session, school, {"5C": 3}, start=13, child_protection_plan=True)
    for pupil in year3[:2]:
        pupil.send = True
        session.add(pupil)
    session.commit()
    return year3 + year5


@pytest.fixture
def pack(session: Session, school: School, pupils: list[Pupil]) -> GovernorsPack:
    """The week of 16 Nov, everyone in but: 3A's first two pupils off ill all week (20 sessions
    of 60 in 3A), a 3B pupil on an unagreed holiday Friday (2 of 60), a 5C pupil off Monday
    with no reason (2 of 30). 150 possible, 24 missed: 84.0%."""
    rows = whole_days(pupils, school_week(MON16))
    off = {pupils[0].id: "I", pupils[1].id: "I"}
    rows = [(p, d, s, off.get(p.id or 0, m)) for p, d, s, m in rows]
    rows = [(p, d, s, "G" if (p, d) == (pupils[6], FRI20) else m) for p, d, s, m in rows]
    rows = [(p, d, s, "N" if (p, d) == (pupils[12], MON16) else m) for p, d, s, m in rows]
    mark(session, school, rows)
    return governors_pack(session=session, school=school, day=FRI20)


def test_the_whole_school_against_its_target(pack: GovernorsPack) -> None:
    school = pack.whole_school
    assert (school.pupils, school.attendance, school.authorised, school.unauthorised) == (
        15, 84.0, 13.3, 2.7)
    assert (school.persistent, school.severe, school.persistent_rate) == (4, 2, 26.7)
    assert pack.meets_target is False
    assert pack.headline() == [
        "Attendance 84.0%, 12.0 points below the target of 96%.",
        "Authorised absence 13.3% and unauthorised absence 2.7% of possible sessions.",
        "Persistently absent (missing 10% or more of sessions): 4 pupils, 26.7% of 15 on roll.",
        "Severely absent (missing 50% or more): 2 pupils."]


def test_groups_of_fewer_than_five_are_shown_without_figures(pack: GovernorsPack) -> None:
    # Year 5's three pupils are hidden; Year 3 is hidden too, or the whole school (15 pupils,
    # 84.0%) less Year 3 (12 pupils, 81.7%) would give Year 5's figures away.
    assert [r.cells() for r in pack.years] == [
        ("Year 3", "not shown: it would reveal a smaller year", "", "", "", "", ""),
        ("Year 5", "fewer than 5", "", "", "", "", "")]
    assert [r.cells()[:3] for r in pack.groups] == [
        ("SEND", "fewer than 5", ""), ("Free school meals", "6", "66.7%")]
    years = {p.label: (p.value, p.shown) for p in pack.charts["years"].points}
    assert years == {"Year 3": (None, "not shown: it would reveal a smaller year"),
                     "Year 5": (None, "fewer than 5 pupils")}
    # Every reason here was fewer than five pupils': the summary names none of them either.
    assert pack.charts["reasons"].summary == (
        "Sessions missed for each reason over the school year so far: 24 in all.")


def test_the_safeguarding_groups_are_never_in_the_pack(pack: GovernorsPack) -> None:
    text = pdf_text(pack_pdf(pack, created=CREATED))
    assert "Child protection" not in text and all(
        not r.name.startswith("Child") for r in pack.groups)


@pytest.mark.parametrize("compress", [True, False])
def test_the_pdf_shows_the_figures_and_names_no_pupil(pack: GovernorsPack,
                                                      pupils: list[Pupil],
                                                      compress: bool) -> None:
    data = pack_pdf(pack, created=CREATED, compress=compress)
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    text = pdf_text(data)
    for words in ("Attendance: governors' pack", "Attendance 84.0%, 12.0 points below the "
                  "target of 96%.", "Year 3", "fewer than 5", "Free school meals", "66.7%",
                  "Target 96%", "Absence by reason", "Illness", "fewer than 5 pupils",
                  "16 Nov"):
        assert words in text, words
    assert FIRST not in text and LAST not in text
    assert not [p.upn for p in pupils if p.upn in text]
    assert FIRST.encode() not in data and LAST.encode() not in data


def test_a_tiny_school_shows_no_figures_at_all(session: Session, school: School) -> None:
    few = enrol(session, school, {"4C": 4})
    mark(session, school, whole_days(few, school_week(MON16), "I"))
    pack = governors_pack(session=session, school=school, day=FRI20)
    assert pack.headline() == ["The school has fewer than 5 pupils on roll: no figures are shown."]
    text = pdf_text(pack_pdf(pack, created=CREATED))
    assert "0.0%" not in text and "40 sessions" not in text


def test_text_outside_latin_1_is_written_plainly(session: Session, school: School,
                                                 pupils: list[Pupil]) -> None:
    school.name = "Szkoła Świętego Łukasza \u2013 Primary"  # an en dash
    pack = governors_pack(session=session, school=school, day=FRI20)
    assert "Szkola Swietego Lukasza - Primary" in pdf_text(pack_pdf(pack, created=CREATED))


def test_with_two_small_years_hidden_every_other_year_is_shown(
        session: Session, school: School) -> None:
    years = enrol(session, school, {"1A": 8, "2A": 3, "3A": 4, "4A": 9})
    mark(session, school, whole_days(years, school_week(MON16)))
    pack = governors_pack(session=session, school=school, day=FRI20)
    # Years 2 and 3 together are 7 pupils: the difference reveals no single small year.
    assert [(r.name, r.cells()[1]) for r in pack.years] == [
        ("Year 1", "8"), ("Year 2", "fewer than 5"), ("Year 3", "fewer than 5"),
        ("Year 4", "9")]


def test_one_small_reason_hides_the_next_smallest_too(session: Session,
                                                      school: School) -> None:
    pupils = enrol(session, school, {"3A": 15})
    rows = whole_days(pupils, school_week(MON16))
    off = {p.id: "I" for p in pupils[:6]} | {p.id: "G" for p in pupils[6:11]} | {
        p.id: "N" for p in pupils[11:13]}
    rows = [(p, d, s, off.get(p.id, m) if d == MON16 else m) for p, d, s, m in rows]
    mark(session, school, rows)
    pack = governors_pack(session=session, school=school, day=FRI20)
    reasons = {p.label: (p.value, p.shown) for p in pack.charts["reasons"].points}
    # 26 sessions in all: with only "no reason yet" (2 pupils) hidden, the holidays' 10 would
    # give its 4 away as 26 - 12 - 10.
    assert reasons["Illness"][0] == 12
    assert reasons["No reason yet"] == (None, "fewer than 5 pupils")
    assert reasons["Holiday not agreed"] == (None, "not shown: it would reveal a smaller reason")

"""The ladder's planner on its own: a pupil's figures and steps so far in, the steps to
propose out. The schools' own ladders (examples/policies/) decide."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from core.attendance_figures import AttendanceFigures
from core.attendance_models import InterventionStatus
from core.calendar import SchoolCalendar, load_calendar
from core.ladder import Past, PupilLadder, Snapshot, add_school_weeks, school_weeks_since
from core.ladder_policy import MonitoringSection
from core.policy import load_policy
from tests.conftest import CORPUS_CALENDAR

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"
APPROVED, PROPOSED, DISMISSED = (InterventionStatus.approved, InterventionStatus.proposed,
                                 InterventionStatus.dismissed)


@pytest.fixture(scope="module")
def calendar() -> SchoolCalendar:
    return load_calendar(CORPUS_CALENDAR)


def ladder(school: str) -> MonitoringSection:
    monitoring = load_policy(EXAMPLES / f"{school}.toml").monitoring
    assert monitoring is not None
    return monitoring


def figures(pct: float, possible: int = 100, unauthorised: int = 0, recent: int = 0,
            band: str | None = None) -> Snapshot:
    attended = round(possible * pct / 100)
    return Snapshot(possible, attended, possible - attended - unauthorised, unauthorised,
                    pct, recent, band)


def past(id_: int, step: str, decided: str, pct: float, status: InterventionStatus = APPROVED,
         band: str | None = None, **extra: object) -> Past:
    day = date.fromisoformat(decided)
    return Past(id_, step, status, day, day, figures(pct, band=band), **extra)  # type: ignore[arg-type]


def steps(monitoring: MonitoringSection, calendar: SchoolCalendar, today: str, now: Snapshot,
          *history: Past, since: AttendanceFigures = AttendanceFigures()) -> list[str]:
    if now.band is None:
        now = Snapshot(now.possible, now.attended, now.authorised, now.unauthorised,
                       now.percentage, now.unauthorised_recent, monitoring.band_of(now.percentage))
    found = PupilLadder(monitoring, calendar, date.fromisoformat(today), now, history,
                        since=lambda _: since).propose()
    return [p.step.name for p in found]


def test_school_weeks_leave_out_the_holidays(calendar: SchoolCalendar) -> None:
    # Half term is 26-30 Oct: from Monday 12 Oct, Mon 2 Nov is the second school week on.
    assert school_weeks_since(calendar, date(2026, 10, 12), date(2026, 11, 2)) == 2
    assert school_weeks_since(calendar, date(2026, 10, 13), date(2026, 10, 16)) == 0
    assert add_school_weeks(calendar, date(2026, 10, 13), 4) == date(2026, 11, 16)


# Bromley Hills: "below 95 percent ... an initial letter"; "continues to fall ... a second
# letter"; "continues to fall ... a third letter ... medical evidence"; "below 90 percent, and
# parents/carers have already been informed ... a formal action plan"; targets met or not.

def test_bromley_hills_writes_first_below_95(calendar: SchoolCalendar) -> None:
    bromley = ladder("bromley-hills")
    assert steps(bromley, calendar, "2026-10-05", figures(95.0)) == []
    assert steps(bromley, calendar, "2026-10-05", figures(94.9)) == ["first-letter"]


def test_bromley_hills_second_letter_needs_a_fall_and_a_review_period(
        calendar: SchoolCalendar) -> None:
    bromley = ladder("bromley-hills")
    first = past(1, "first-letter", "2026-10-05", 94.0)
    # Four school weeks on is 9 Nov (the half term is not a school week).
    assert steps(bromley, calendar, "2026-11-02", figures(93.0), first) == []
    assert steps(bromley, calendar, "2026-11-09", figures(94.0), first) == []  # no fall
    assert steps(bromley, calendar, "2026-11-09", figures(93.0), first) == ["second-letter"]


def test_bromley_hills_meets_parents_below_90_only_once_they_were_written_to(
        calendar: SchoolCalendar) -> None:
    bromley = ladder("bromley-hills")
    # Not yet written to: the first letter, not the meeting.
    assert steps(bromley, calendar, "2026-10-05", figures(88.0)) == ["first-letter"]
    first = past(1, "first-letter", "2026-10-05", 94.0)
    # The meeting is the last rung that applies: proposed rather than the second letter.
    assert steps(bromley, calendar, "2026-11-09", figures(88.0), first) == ["action-plan"]


def test_bromley_hills_judges_the_plans_target_at_its_review_date(
        calendar: SchoolCalendar) -> None:
    bromley = ladder("bromley-hills")
    first = past(1, "first-letter", "2026-09-21", 94.0)
    plan = past(2, "action-plan", "2026-10-05", 88.0, target=95.0,
                review_due=date(2026, 11, 16))
    good = AttendanceFigures(possible=40, attended=39, authorised=1)  # 97.5% since the plan
    poor = AttendanceFigures(possible=40, attended=34, unauthorised=6)  # 85%
    # Four school weeks on (9 Nov) the review date staff set (16 Nov) has not come.
    assert steps(bromley, calendar, "2026-11-09", figures(89.0), first, plan, since=good) == []
    assert steps(bromley, calendar, "2026-11-16", figures(89.0), first, plan,
                 since=good) == ["targets-met"]
    assert steps(bromley, calendar, "2026-11-16", figures(89.0), first, plan,
                 since=poor) == ["plan-review"]


def test_a_ladder_does_not_step_back(calendar: SchoolCalendar) -> None:
    leesons = ladder("leesons")
    # 88%: Letter 1 (90% or less) rather than the warning letter (below 96%)...
    assert steps(leesons, calendar, "2026-10-05", figures(88.0)) == ["letter-1"]
    # ...and the warning letter never comes after it, even at 93%.
    letter_1 = past(1, "letter-1", "2026-10-05", 88.0)
    assert steps(leesons, calendar, "2026-10-19", figures(93.0), letter_1) == []


def test_one_rung_at_a_time_nothing_new_while_a_step_waits_for_staff(
        calendar: SchoolCalendar) -> None:
    leesons = ladder("leesons")
    waiting = past(1, "warning-letter", "2026-10-05", 95.0, status=PROPOSED)
    assert steps(leesons, calendar, "2026-10-12", figures(88.0), waiting) == []


def test_leesons_asks_for_medical_evidence_from_letter_2_after_six_weeks(
        calendar: SchoolCalendar) -> None:
    leesons = ladder("leesons")
    letter_1 = past(1, "letter-1", "2026-09-21", 89.0)
    assert steps(leesons, calendar, "2026-11-02", figures(88.0), letter_1) == []  # 5 weeks
    assert steps(leesons, calendar, "2026-11-09", figures(88.0), letter_1) == ["letter-2"]
    step = leesons.step("letter-2")
    assert step is not None and step.medical_evidence is True


def test_a_dismissed_proposal_comes_back_a_review_period_later(
        calendar: SchoolCalendar) -> None:
    leesons = ladder("leesons")
    dismissed = past(1, "warning-letter", "2026-10-05", 95.0, status=DISMISSED)
    assert steps(leesons, calendar, "2026-11-02", figures(95.0), dismissed) == []
    assert steps(leesons, calendar, "2026-11-09", figures(95.0), dismissed) == ["warning-letter"]


# Mary Bassett: separate steps (praise, the LA's termly check, the penalty-notice threshold)
# go alongside the escalation.

def test_mary_bassett_praise_is_by_level_and_each_half_term(calendar: SchoolCalendar) -> None:
    mary = ladder("mary-bassett")
    assert steps(mary, calendar, "2026-10-05", figures(100.0)) == ["praise-outstanding"]
    assert steps(mary, calendar, "2026-10-05", figures(98.5)) == ["praise-excellent"]
    assert steps(mary, calendar, "2026-10-05", figures(97.9)) == []
    praised = past(1, "praise-outstanding", "2026-10-05", 100.0)
    assert steps(mary, calendar, "2026-11-16", figures(100.0), praised) == []  # 5 weeks on
    assert steps(mary, calendar, "2026-11-23", figures(100.0), praised) == ["praise-outstanding"]


def test_mary_bassett_reports_and_the_penalty_threshold_go_alongside_the_letters(
        calendar: SchoolCalendar) -> None:
    mary = ladder("mary-bassett")
    now = figures(88.0, unauthorised=12, recent=10)
    assert sorted(steps(mary, calendar, "2026-10-05", now)) == [
        "la-register-check", "penalty-notice", "review-meeting"]
    assert steps(mary, calendar, "2026-10-05", figures(92.0, recent=9)) == [
        "la-register-check", "support-letter"]


# Attendance on one page: bands green (97+), amber (90-97), red (below 90); next term's
# follow-ups by band movement.

def test_one_page_letters_by_band(calendar: SchoolCalendar) -> None:
    page = ladder("attendance-on-one-page")
    assert steps(page, calendar, "2026-10-05", figures(97.0)) == []
    assert steps(page, calendar, "2026-10-05", figures(96.9)) == ["amber-letter"]
    assert steps(page, calendar, "2026-10-05", figures(89.9)) == ["red-letter"]


@pytest.mark.parametrize("then_pct, now_pct, expected", [
    (89.0, 91.0, ["moved-up-thank-you"]),  # red to amber
    (93.0, 97.5, ["moved-up-thank-you"]),  # amber to green
    (92.0, 94.0, ["improved-still-concerned"]),  # better, still amber
    (92.0, 91.5, ["attendance-meeting"]),  # not improved
    (93.0, 98.0, ["moved-up-thank-you"]),
])
def test_one_page_follows_up_next_term_by_band(calendar: SchoolCalendar, then_pct: float,
                                               now_pct: float, expected: list[str]) -> None:
    page = ladder("attendance-on-one-page")
    letter = "red-letter" if then_pct < 90 else "amber-letter"
    sent = past(1, letter, "2026-09-21", then_pct, band=page.band_of(then_pct))
    assert steps(page, calendar, "2026-12-07", figures(now_pct), sent) == []  # 10 weeks on
    assert steps(page, calendar, "2027-01-11", figures(now_pct), sent) == expected


def test_intervention_pathway_bands_name_the_policys_bands() -> None:
    bands = ladder("intervention-pathway-bands")
    assert [(b.name, b.start) for b in bands.bands] == [
        ("97.5-100", 97.5), ("95-97.4", 95.0), ("92.5-94.9", 92.5), ("90-92.4", 90.0),
        ("85-89.9", 0.0)]
    assert [bands.band_of(p) for p in (100.0, 97.4, 95.0, 92.4, 84.0)] == [
        "97.5-100", "95-97.4", "95-97.4", "90-92.4", "85-89.9"]

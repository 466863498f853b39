"""Staff deciding the ladder's proposals: who may, what approving writes (the letter, the
review date and target, a task), dismissing with a reason, marking done; the PDF; and the
stage that asks parents for medical evidence."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from core.attendance_models import Intervention, StaffTask
from core.clock import FixedClock
from core.ladder_alerts import evidence_required
from core.ladder_decisions import (
    AlreadyDecided,
    Decider,
    InterventionNotFound,
    NotYours,
    approve_intervention,
    complete_intervention,
    dismiss_intervention,
)
from core.ladder_letters import letter_pdf
from core.ladder_runner import propose_steps
from core.models import Pupil, School
from core.schools import add_school, school_calendar
from tests.conftest import CORPUS_CALENDAR
from tests.core.test_ladder import OFFICER, at, away_on, enrol, write_register

BROMLEY = Path(__file__).resolve().parents[2] / "examples" / "policies" / "bromley-hills.toml"
HEAD = Decider("head@example.org", "headteacher")


@pytest.fixture
def bromley(session: Session, clock: FixedClock) -> tuple[School, Pupil]:
    """Bromley Hills' ladder; a pupil at 94.1% on 25 Sep and 86.4% on 2 Oct."""
    school, _ = add_school(session=session, clock=clock, name="Bromley Hills",
                           slug="bromley-hills", policy_file=BROMLEY,
                           calendar_file=CORPUS_CALENDAR)
    session.commit()
    pupil = enrol(session, school, clock, "Falling")["Falling"]
    write_register(session, school, pupil, away_on(
        "2026-09-16", "2026-09-30", "2026-10-01", mark="O"))
    return school, pupil


def propose(session: Session, school: School, day: str) -> Intervention:
    [step] = propose_steps(session=session, school=school, day=date.fromisoformat(day),
                           now=at(date.fromisoformat(day), 16))
    return step


def approve(session: Session, school: School, step: Intervention, day: str,
            staff: Decider = OFFICER, **extra: object) -> Intervention:
    done = approve_intervention(session=session, school=school, intervention_id=step.id or 0,
                                staff=staff, clock=FixedClock(at(date.fromisoformat(day), 10)),
                                **extra)  # type: ignore[arg-type]
    session.commit()
    return done


@pytest.mark.parametrize("role, allowed", [
    ("office", False), ("dsl", False), ("attendance_officer", True), ("headteacher", True),
    ("admin", True)])
def test_the_role_a_step_names_and_the_head_decide_it(
        session: Session, bromley: tuple[School, Pupil], role: str, allowed: bool) -> None:
    school, _ = bromley
    step = propose(session, school, "2026-09-25")
    assert step.role == "attendance_officer"
    staff = Decider(f"{role}@example.org", role)
    if allowed:
        assert approve(session, school, step, "2026-09-28", staff).status == "approved"
    else:
        with pytest.raises(NotYours):
            approve(session, school, step, "2026-09-28", staff)
        with pytest.raises(NotYours):
            dismiss_intervention(session=session, school=school, intervention_id=step.id or 0,
                                 staff=staff, clock=FixedClock(at(date(2026, 9, 28), 10)),
                                 note="not needed")


def test_a_decided_step_is_not_decided_again(session: Session,
                                             bromley: tuple[School, Pupil]) -> None:
    school, _ = bromley
    step = propose(session, school, "2026-09-25")
    approve(session, school, step, "2026-09-28")
    with pytest.raises(AlreadyDecided):
        approve(session, school, step, "2026-09-29", HEAD)
    with pytest.raises(AlreadyDecided):
        dismiss_intervention(session=session, school=school, intervention_id=step.id or 0,
                             staff=HEAD, clock=FixedClock(at(date(2026, 9, 29), 10)), note="x")


def test_another_schools_staff_cannot_decide_it(session: Session, clock: FixedClock,
                                                bromley: tuple[School, Pupil]) -> None:
    school, _ = bromley
    step = propose(session, school, "2026-09-25")
    other, _ = add_school(session=session, clock=clock, name="Other", slug="other",
                          policy_file=BROMLEY, calendar_file=CORPUS_CALENDAR)
    with pytest.raises(InterventionNotFound):
        approve(session, other, step, "2026-09-28", HEAD)


def test_dismissing_needs_the_reason_and_records_who(session: Session,
                                                     bromley: tuple[School, Pupil]) -> None:
    school, _ = bromley
    step = propose(session, school, "2026-09-25")
    clock = FixedClock(at(date(2026, 9, 28), 10))
    with pytest.raises(ValueError, match="say why"):
        dismiss_intervention(session=session, school=school, intervention_id=step.id or 0,
                             staff=OFFICER, clock=clock, note="  ")
    dismissed = dismiss_intervention(session=session, school=school,
                                     intervention_id=step.id or 0, staff=OFFICER, clock=clock,
                                     note="In hospital: mitigating circumstances")
    assert (dismissed.status, dismissed.decided_by, dismissed.note, dismissed.letter) == (
        "dismissed", OFFICER.email, "In hospital: mitigating circumstances", None)


def test_an_action_plan_gets_its_target_and_review_date_in_the_letter(
        session: Session, bromley: tuple[School, Pupil]) -> None:
    school, _ = bromley
    approve(session, school, propose(session, school, "2026-09-25"), "2026-09-28")
    plan = propose(session, school, "2026-10-02")
    assert (plan.step, plan.action) == ("action-plan", "action_plan")
    approved = approve(session, school, plan, "2026-10-05")
    # The policy's target (95%) and four school weeks on from Monday 5 October (the half
    # term is not a school week).
    assert (approved.target, approved.review_due) == (95.0, date(2026, 11, 9))
    assert "(we propose 95%)" in (approved.letter or "")
    assert "which we suggest is Monday 9 November 2026" in (approved.letter or "")


def test_staff_may_set_the_plans_own_target_and_review_date(
        session: Session, bromley: tuple[School, Pupil]) -> None:
    school, _ = bromley
    approve(session, school, propose(session, school, "2026-09-25"), "2026-09-28")
    plan = propose(session, school, "2026-10-02")
    approved = approve(session, school, plan, "2026-10-05", target=92.5,
                       review_due=date(2026, 11, 16))
    assert (approved.target, approved.review_due) == (92.5, date(2026, 11, 16))
    assert "(we propose 92.5%)" in (approved.letter or "")


def test_marking_a_step_done_completes_its_task(session: Session,
                                                bromley: tuple[School, Pupil]) -> None:
    school, _ = bromley
    step = approve(session, school, propose(session, school, "2026-09-25"), "2026-09-28")
    done = complete_intervention(session=session, school=school, intervention_id=step.id or 0,
                                 staff=OFFICER, clock=FixedClock(at(date(2026, 9, 29), 9)))
    session.commit()
    task = session.get(StaffTask, done.task_id)
    assert done.status == "done" and done.done_by == OFFICER.email
    assert task is not None and (task.status, task.completed_by) == ("done", OFFICER.email)


def test_the_third_letter_asks_for_medical_evidence_from_then_on(
        session: Session, bromley: tuple[School, Pupil]) -> None:
    school, pupil = bromley
    since = school_calendar(school).first_day
    assert evidence_required(session, school.id or 0, [pupil.id or 0], since) == set()
    first = approve(session, school, propose(session, school, "2026-09-25"), "2026-09-28")
    assert first.medical_evidence is None
    assert evidence_required(session, school.id or 0, [pupil.id or 0], since) == set()
    # A third letter (the policy's medical_evidence = true), approved.
    third = Intervention(
        school_id=school.id or 0, pupil_id=pupil.id or 0, step="third-letter", action="letter",
        title="Third letter", role="attendance_officer", week=date(2026, 11, 2),
        as_of=date(2026, 10, 30), reason="fell", figures=first.figures, anchor_id=first.id,
        medical_evidence=True, created_at=at(date(2026, 11, 2), 7))
    session.add(third)
    session.commit()
    assert evidence_required(session, school.id or 0, [pupil.id or 0], since) == set()
    approve(session, school, third, "2026-11-02")
    assert evidence_required(session, school.id or 0, [pupil.id or 0], since) == {pupil.id}


def test_the_letter_as_a_pdf_holds_every_name(session: Session) -> None:
    pdf = letter_pdf("Dear Łucja Wróbel and Ștefan Rădulescu,\n\nMillie's attendance is 88.6%.",
                     "First letter: Łucja Wróbel")
    assert pdf.startswith(b"%PDF-") and b"/Type /Page" in pdf

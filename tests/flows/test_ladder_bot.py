"""The attendance ladder in conversations with parents, as transcripts: an illness reported
for a pupil at a stage that needs medical evidence is answered with a request for it, and
each absence reported for a persistently absent pupil gives the attendance officer a task.

The Smiths (Sarah on 07700 900001) have Amelia ("Millie", Y3) and Jack (Y5). The school's
policy is Bromley Hills': its third letter asks for medical evidence from then on.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from core.attendance_models import Intervention, RegisterMark, StaffTask
from core.clock import FixedClock
from core.conversation_models import AbsenceReport, Conversation
from core.models import Pupil, School
from core.schools import add_school, school_calendar
from tests.conftest import CORPUS_CALENDAR
from tests.flows.harness import BotHarness

SARAH = "+447700900001"
POLICIES = Path(__file__).resolve().parents[2] / "examples" / "policies"
EVIDENCE = ("As we have written to you about attendance, Example Primary now needs medical "
            "evidence for each absence through illness for Amelia Smith: without it the "
            "absence may not be authorised. Please send a photo of a GP or pharmacy note, "
            "appointment card or prescription.")
CONFIRM = ("Thanks. Amelia Smith is recorded as absent today (Mon 23 Nov) with illness, "
           "expected back Wed 25 Nov. Reply CHANGE if that's wrong.")


def use_policy(session: Session, school: School, clock: FixedClock, name: str) -> None:
    add_school(session=session, clock=clock, name=school.name, slug=school.slug,
               policy_file=POLICIES / f"{name}.toml", calendar_file=CORPUS_CALENDAR)
    session.commit()


@pytest.fixture
def bot(session: Session, school: School, clock: FixedClock) -> BotHarness:
    use_policy(session, school, clock, "bromley-hills")
    return BotHarness(session, school, clock).at("2026-11-23 07:50")


def pupil(session: Session, first: str) -> Pupil:
    return session.exec(select(Pupil).where(Pupil.legal_first_name == first)).one()


def ladder_step(session: Session, school: School, who: Pupil, step: str,
                evidence: bool | None, decided: str = "2026-11-16") -> None:
    """A step of the ladder the attendance officer approved for the pupil."""
    day = date.fromisoformat(decided)
    session.add(Intervention(
        school_id=school.id or 0, pupil_id=who.id or 0, step=step, action="letter",
        title=step, role="attendance_officer", week=day, as_of=day - timedelta(days=3),
        reason="attendance below 95%", figures="{}", medical_evidence=evidence,
        status="approved", decided_by="attendance@example.org",
        decided_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
        created_at=datetime(day.year, day.month, day.day, 7, tzinfo=UTC)))
    session.commit()


def away_this_term(session: Session, school: School, who: Pupil, days_away: int) -> None:
    """Every school day from 2 Nov to 20 Nov marked, the first `days_away` of them 'O'."""
    calendar = school_calendar(school)
    stamp = datetime(2026, 11, 20, tzinfo=UTC)
    for n, day in enumerate(calendar.school_days(date(2026, 11, 2), date(2026, 11, 21))):
        for part, present in (("AM", "/"), ("PM", "\\")):
            session.add(RegisterMark(school_id=school.id, pupil_id=who.id, day=day, session=part,
                                     mark="O" if n < days_away else present, source="mis",
                                     created_at=stamp, updated_at=stamp))
    session.commit()


def report_of(session: Session, first: str) -> AbsenceReport:
    session.expire_all()
    return session.exec(select(AbsenceReport).join(
        Pupil, col(Pupil.id) == AbsenceReport.pupil_id).where(
        Pupil.legal_first_name == first).order_by(col(AbsenceReport.id).desc())).first()  # type: ignore[return-value]


def tasks(session: Session, kind: str = "persistent_absence") -> list[StaffTask]:
    session.expire_all()
    return list(session.exec(select(StaffTask).where(StaffTask.kind == kind).order_by(
        col(StaffTask.id))).all())


def test_an_illness_at_the_evidence_stage_is_answered_with_a_request_for_evidence(
        bot: BotHarness, session: Session, school: School) -> None:
    ladder_step(session, school, pupil(session, "Amelia"), "third-letter", evidence=True)
    bot.say(SARAH, "Millie has a temperature, wont be in today. back weds hopefully")
    assert bot.replies(SARAH) == [CONFIRM, EVIDENCE]
    assert report_of(session, "Amelia").details == \
        "medical evidence requested (attendance ladder)"


def test_the_request_keeps_the_symptoms_the_parent_gave(
        bot: BotHarness, session: Session, school: School, clock: FixedClock,
        tmp_path: Path) -> None:
    policy = tmp_path / "bromley.toml"  # Bromley Hills' policy, asking for symptoms too
    policy.write_text((POLICIES / "bromley-hills.toml").read_text().replace(
        "unresolved_n_limit_days = 5", "unresolved_n_limit_days = 5\nask_symptoms = true"))
    add_school(session=session, clock=clock, name=school.name, slug=school.slug,
               policy_file=policy, calendar_file=CORPUS_CALENDAR)
    session.commit()
    ladder_step(session, school, pupil(session, "Amelia"), "third-letter", evidence=True)
    bot.say(SARAH, "Millie is unwell, back weds")
    assert bot.replies(SARAH) == [
        "Sorry Amelia Smith is unwell. What are the symptoms? (For example: temperature, "
        "sickness, cough.)"]
    bot.say(SARAH, "temperature and a cough")
    assert bot.replies(SARAH) == [CONFIRM, EVIDENCE]
    assert report_of(session, "Amelia").details == \
        "temperature and a cough; medical evidence requested (attendance ladder)"


def test_no_request_before_that_stage_for_a_sibling_or_for_an_appointment(
        bot: BotHarness, session: Session, school: School) -> None:
    amelia = pupil(session, "Amelia")
    ladder_step(session, school, amelia, "first-letter", evidence=None, decided="2026-10-05")
    bot.say(SARAH, "Millie has a temperature, wont be in today. back weds hopefully")
    assert bot.replies(SARAH) == [CONFIRM]
    ladder_step(session, school, amelia, "third-letter", evidence=True)
    bot.later(60)
    bot.say(SARAH, "Jack has a tummy bug, off today back wednesday")
    replies = bot.replies(SARAH)
    assert len(replies) == 1 and "Jack Smith is recorded as absent" in replies[0]
    assert report_of(session, "Jack").details is None
    bot.later(60)
    bot.say(SARAH, "Millie has the dentist at 2pm today")
    assert not any("medical evidence" in r for r in bot.replies(SARAH))


def test_a_later_step_that_stops_asking_ends_the_requests(
        bot: BotHarness, session: Session, school: School) -> None:
    amelia = pupil(session, "Amelia")
    ladder_step(session, school, amelia, "third-letter", evidence=True, decided="2026-10-05")
    ladder_step(session, school, amelia, "attendance-stable", evidence=False)
    bot.say(SARAH, "Millie has a temperature, wont be in today. back weds hopefully")
    assert bot.replies(SARAH) == [CONFIRM]


def test_each_report_for_a_persistent_absentee_tells_the_attendance_officer_once(
        bot: BotHarness, session: Session, school: School) -> None:
    amelia = pupil(session, "Amelia")
    away_this_term(session, school, amelia, days_away=3)  # 3 of 15 days: 80%
    away_this_term(session, school, pupil(session, "Jack"), days_away=0)
    bot.say(SARAH, "Millie has a temperature, wont be in today. back weds hopefully")
    bot.replies(SARAH)
    [task] = tasks(session)
    report = report_of(session, "Amelia")
    assert (task.role, task.pupil_id, task.conversation_id, task.dedupe_key) == (
        "attendance_officer", amelia.id, report.conversation_id, f"pa-report:{report.id}")
    assert task.title == "Persistent absentee reported absent: Millie Smith"
    assert task.reason.startswith("Attendance 80.0% this school year (missed 20.0% of sessions)")
    assert task.details == "Reported: absence, illness; from Mon 23 Nov, back Wed 25 Nov"
    # The parent corrects the report: still one task for it.
    bot.say(SARAH, "no, back thursday")
    assert "expected back Thu 26 Nov" in bot.replies(SARAH)[0]
    assert len(tasks(session)) == 1
    # Jack is not persistently absent: his report gives no task. Millie's next one does.
    bot.later(60)
    bot.say(SARAH, "Jack has a tummy bug, off today back wednesday")
    bot.replies(SARAH)
    assert len(tasks(session)) == 1
    bot.at("2026-11-26 07:50")
    bot.say(SARAH, "Millie still not well, off today, back monday")
    bot.replies(SARAH)
    assert [t.pupil_id for t in tasks(session)] == [amelia.id, amelia.id]


def test_a_school_without_a_ladder_gets_no_such_task(
        bot: BotHarness, session: Session, school: School, clock: FixedClock) -> None:
    use_policy(session, school, clock, "default")
    away_this_term(session, school, pupil(session, "Amelia"), days_away=3)
    bot.say(SARAH, "Millie has a temperature, wont be in today. back weds hopefully")
    assert bot.replies(SARAH) == [CONFIRM]
    assert tasks(session) == []


def test_persistent_absentees_reported_at_the_same_moment_each_tell_the_officer(
        bot: BotHarness, session: Session, school: School) -> None:
    elena = "+40712345678"
    for first in ("Amelia", "Stefan"):
        away_this_term(session, school, pupil(session, first), days_away=4)
    away_this_term(session, school, pupil(session, "Jack"), days_away=0)
    bot.together(bot.text(SARAH, "Millie has a temperature, wont be in today. back weds"),
                 bot.text(elena, "Stefan is sick today, back tomorrow"),
                 bot.text("+447700900002", "Jack has a cold, off today, back tomorrow"))
    assert sorted(t.title for t in tasks(session)) == [
        "Persistent absentee reported absent: Millie Smith",
        "Persistent absentee reported absent: Stefan Radu"]
    assert {t.dedupe_key for t in tasks(session)} == {
        f"pa-report:{report_of(session, first).id}" for first in ("Amelia", "Stefan")}


def test_reports_at_two_schools_in_one_batch_each_tell_their_own_school(
        bot: BotHarness, session: Session, school: School, clock: FixedClock) -> None:
    other, _ = add_school(session=session, clock=clock, name="Hillside Primary", slug="hillside",
                          policy_file=POLICIES / "bromley-hills.toml",
                          calendar_file=CORPUS_CALENDAR)
    session.commit()
    BotHarness(session, other, clock)  # the Smiths are at Hillside too, on the same numbers
    millies = session.exec(select(Pupil).where(Pupil.legal_first_name == "Amelia").order_by(
        col(Pupil.school_id))).all()
    for millie in millies:
        away_this_term(session, session.get(School, millie.school_id), millie, days_away=4)
    text = "Millie has a temperature, wont be in today. back weds"
    bot.together(bot.text(SARAH, text), bot.text(SARAH, text, to="hillside"))
    found = sorted((t.school_id, t.pupil_id, t.conversation_id) for t in tasks(session))
    threads = {c.school_id: c.id for c in session.exec(select(Conversation).where(
        Conversation.address == SARAH)).all()}
    assert found == sorted((m.school_id, m.id, threads[m.school_id]) for m in millies)

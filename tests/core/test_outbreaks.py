"""Outbreaks: parents' words grouped by illness, a rising count in one class or year group
flagged to the head once, and a normal winter left alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from core.attendance_models import StaffTask
from core.conversation_models import Message
from core.models import Pupil, School
from core.outbreak_tasks import check_outbreaks
from core.outbreaks import find_clusters
from core.register_tasks import complete_task, open_tasks
from core.symptoms import illness_in
from tests.core.monitoring_files import FIRST, LAST, enrol, report_illness

THU = date(2026, 11, 19)
AT_THU = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("text, illness, words", [
    ("hiya harison wont b in 2day hes got d&v xx", "d_and_v", "d&v"),
    ("she has d and v since last night", "d_and_v", "d and v"),
    ("Both kids have the sickness bug", "d_and_v", "sickness bug"),
    ("he's been sick during the night", "d_and_v", "been sick"),
    ("Ioana vomited in night, she stay home today", "d_and_v", "vomited"),
    ("Tobenna is having running stomach since yesterday", "d_and_v", "running stomach"),
    ("Ameila has a temprature, back weds", "flu_like", "temprature"),
    ("Alfie has a temp, back tomorrow", "flu_like", "temp"),
    ("Stefan is sick today, he have fever and cough", "flu_like", "fever"),
    ("Ruby has chickenpox, off for 5 days", "chickenpox", "chickenpox"),
    ("Leo's got chicken pox", "chickenpox", "chicken pox"),
    ("Billy has scarlet fever and a high temperature", "scarlet_fever", "scarlet fever"),
    ("Noah has hand, foot and mouth", "hand_foot_mouth", "hand, foot and mouth"),
    ("Lily has conjuctivitis, back Monday", "conjunctivitis", "conjuctivitis"),
    ("tested positive for covid this morning", "covid", "tested positive"),
])
def test_parents_words_name_the_illness(text: str, illness: str, words: str) -> None:
    found = illness_in(text)
    assert found is not None and (found.illness.key, found.words) == (illness, words)


@pytest.mark.parametrize("text", [
    "Kuba is sick, I call tomorrow",  # "sick" is ill, in many parents' English
    "Luca has glandular fever",
    "Jack's broken his collarbone at rugby",
    "no temperature but very pale, keeping her home",
    "he hasn't been sick since 6 but is wiped out",
    "Poppy has a cold sore",
    "She's poorly sorry",
])
def test_words_naming_no_outbreak_illness(text: str) -> None:
    assert illness_in(text) is None


@pytest.fixture
def classes(session: Session, school: School) -> dict[str, list[Pupil]]:
    pupils = enrol(session, school, {"3A": 25, "3B": 25, "4C": 25, "5D": 25})
    return {g: [p for p in pupils if p.reg_group == g] for g in ("3A", "3B", "4C", "5D")}


def tasks(session: Session) -> list[StaffTask]:
    session.expire_all()
    return list(session.exec(select(StaffTask).order_by(col(StaffTask.id))).all())


def test_a_class_cluster_is_flagged_once(engine: Engine, session: Session, school: School,
                                         classes: dict[str, list[Pupil]]) -> None:
    a, b, c, d = classes["3B"][:4]
    report_illness(session, school, a, date(2026, 11, 16), "Ruby has chickenpox 😩")
    report_illness(session, school, b, date(2026, 11, 17), "Leo's got chicken pox")
    # The reason came in the answer to the bot's question, not the first message.
    late = report_illness(session, school, c, THU, "Sam won't be in today")
    session.add(Message(school_id=school.id, conversation_id=late.conversation_id,
                        direction="incoming", author="parent", channel="sms",
                        body="she's got chickenpocks", status="handled",
                        created_at=late.created_at + timedelta(minutes=2),
                        updated_at=late.created_at + timedelta(minutes=2)))
    late.updated_at = late.created_at + timedelta(minutes=3)
    session.add(late)
    session.commit()

    assert [f.opened for f in check_outbreaks(engine, AT_THU)] == [True]
    assert check_outbreaks(engine, AT_THU + timedelta(minutes=1)) == []  # the next tick
    [task] = tasks(session)
    assert (task.title, task.role, task.kind) == (
        "Possible chickenpox outbreak in class 3B", "headteacher", "outbreak")
    assert task.reason.startswith("3 pupils in 3B off with chickenpox since Mon 16 Nov")
    assert task.details is not None
    assert f"Mon 16 Nov  {a.display_name} (3B, UPN {a.upn}): \"chickenpox\"" in task.details
    assert f"Thu 19 Nov  {c.display_name} (3B" in task.details
    assert FIRST not in task.title + task.reason and LAST not in task.title + task.reason

    # The next day a fourth pupil: the same task, brought up to date, not a second one.
    report_illness(session, school, d, date(2026, 11, 20), "chicken pox, sorry")
    updated = check_outbreaks(engine, datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    assert [f.opened for f in updated] == [False]
    [task] = tasks(session)
    assert task.details is not None and d.display_name in task.details
    assert task.reason.startswith("4 pupils in 3B")


def test_a_closed_outbreak_task_is_not_opened_again(
        engine: Engine, session: Session, school: School,
        classes: dict[str, list[Pupil]]) -> None:
    for n, pupil in enumerate(classes["4C"][:3]):
        report_illness(session, school, pupil, date(2026, 11, 16 + n), "d&v all night")
    [flagged] = check_outbreaks(engine, AT_THU)
    complete_task(session=session, school=school, task_id=flagged.task.id or 0,
                  outcome="Letter to 4C parents", staff="head@example.org",
                  clock=lambda: AT_THU)
    session.commit()
    assert check_outbreaks(engine, AT_THU + timedelta(hours=1)) == []
    assert len(tasks(session)) == 1


def test_a_year_group_cluster_across_classes_is_one_task(
        session: Session, school: School, classes: dict[str, list[Pupil]]) -> None:
    words = ["d and v", "sick bug", "been sick in the night", "diarrhoea since 3am"]
    for n, pupil in enumerate(classes["3A"][:2] + classes["3B"][:2]):
        report_illness(session, school, pupil, date(2026, 11, 16 + n), f"Off today, {words[n]}")
    [cluster] = find_clusters(session=session, school=school, day=THU)
    assert (cluster.kind, cluster.place, len(cluster.cases)) == ("year", "Year 3", 4)
    assert cluster.title == "Possible diarrhoea and vomiting outbreak in Year 3"
    assert "across 2 classes" in cluster.reason(cluster.cases)


def test_a_normal_winter_week_raises_no_alarm(engine: Engine, session: Session,
                                              school: School,
                                              classes: dict[str, list[Pupil]]) -> None:
    """Five weeks of winter: in each class, each week, two or three with a temperature or a
    cold and now and then a tummy bug, the same this week as the four before it."""
    mondays = [date(2026, 10, 12), date(2026, 10, 19), date(2026, 11, 2), date(2026, 11, 9),
               date(2026, 11, 16)]
    words = ["has a temperature", "bad cold", "temp and a cough"]
    for week, monday in enumerate(mondays):
        for g, group in enumerate(classes.values()):
            for n in range(3 if (week + g) % 2 else 2):
                pupil = group[(week * 3 + n) % len(group)]
                report_illness(session, school, pupil, monday + timedelta(days=n + g % 2),
                               f"Off today, {words[n]}")
            if (week + g) % 3 == 0:
                report_illness(session, school, group[20 + week % 5], monday + timedelta(2),
                               "tummy bug")
    assert find_clusters(session=session, school=school, day=date(2026, 11, 20)) == []
    assert check_outbreaks(engine, datetime(2026, 11, 20, 12, 0, tzinfo=UTC)) == []
    assert tasks(session) == []


def test_three_temperatures_in_a_class_with_no_history_is_a_rise(
        session: Session, school: School, classes: dict[str, list[Pupil]]) -> None:
    """The same three cases the winter above shrugs at are an alarm out of a clear sky."""
    for n, pupil in enumerate(classes["5D"][:3]):
        report_illness(session, school, pupil, date(2026, 11, 16 + n), "has a temperature")
    [cluster] = find_clusters(session=session, school=school, day=THU)
    assert (cluster.illness.key, cluster.place, cluster.usual) == ("flu_like", "5D", 0.0)


def test_withdrawn_reports_and_other_reasons_do_not_count(
        session: Session, school: School, classes: dict[str, list[Pupil]]) -> None:
    a, b, c = classes["3A"][:3]
    report_illness(session, school, a, date(2026, 11, 16), "chickenpox")
    report_illness(session, school, b, date(2026, 11, 17), "chickenpox", status="withdrawn")
    report_illness(session, school, c, date(2026, 11, 18), "chickenpox", reason="other")
    assert find_clusters(session=session, school=school, day=THU) == []


def test_the_task_is_seen_by_staff_who_see_pupils(
        engine: Engine, session: Session, school: School,
        classes: dict[str, list[Pupil]]) -> None:
    for n, pupil in enumerate(classes["3B"][:3]):
        report_illness(session, school, pupil, date(2026, 11, 16 + n), "scarlet fever")
    check_outbreaks(engine, AT_THU)
    listed = open_tasks(session=session, school=school, safeguarding=False)
    assert [t.task.title for t in listed] == ["Possible scarlet fever outbreak in class 3B"]


def test_a_pupil_reported_each_day_is_one_case(session: Session, school: School,
                                               classes: dict[str, list[Pupil]]) -> None:
    """A parent texting every morning that their child is still off is one bout, not three."""
    a, b = classes["4C"][:2]
    for n in range(3):
        report_illness(session, school, a, date(2026, 11, 16 + n), "still got d&v sorry")
    report_illness(session, school, b, THU, "d&v")
    assert find_clusters(session=session, school=school, day=THU) == []

"""Conversations with parents, as transcripts: the parent says, the bot says, the report is.

The Smiths (Sarah on 07700 900001, James on 07700 900002) have Amelia ("Millie", Y3) and Jack
(Y5); Elena Radu (+40 712 345 678) has Stefan. The school uses the corpus calendar, where Fri 27
Nov 2026 is an INSET day.
"""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from core.attendance_models import StaffTask
from core.clock import FixedClock
from core.conversation_models import Conversation
from core.conversations import hand_back, link_sender, staff_reply
from core.models import ChannelKind, Contact, Pupil, School, StaffUser
from core.schools import set_channel_address
from tests.flows.harness import BotHarness

SARAH = "+447700900001"
STRANGER = "+447700900999"


@pytest.fixture
def bot(session: Session, school: School, clock: FixedClock) -> BotHarness:
    return BotHarness(session, school, clock).at("2026-11-23 07:50")


def test_a_complete_report_is_confirmed_in_one_message(bot: BotHarness) -> None:
    bot.say(SARAH, "Millie has a temperature, wont be in today. back weds hopefully")
    assert bot.replies(SARAH) == [
        "Thanks. Amelia Smith is recorded as absent today (Mon 23 Nov) with illness, "
        "expected back Wed 25 Nov. Reply CHANGE if that's wrong."]
    assert bot.reports() == [("Amelia", "absence", "I", "2026-11-23", "2026-11-25",
                              "confirmed")]


def test_the_bot_asks_only_for_what_is_missing_one_question_at_a_time(
        bot: BotHarness) -> None:
    bot.say(SARAH, "Not coming in today, poorly")
    assert bot.replies(SARAH) == ["Which child is this about? Reply with the number:\n"
                                  "1. Amelia Smith\n2. Jack Smith\n"
                                  'Or reply "all" if it is all of them.']
    bot.say(SARAH, "2")
    assert bot.replies(SARAH) == [
        'When do you expect Jack Smith back in school? Reply with a day, such as '
        '"Thursday", or "don\'t know".']
    assert bot.conversation(SARAH).status == "waiting_parent"
    bot.say(SARAH, "thursday")
    assert bot.replies(SARAH) == [
        "Thanks. Jack Smith is recorded as absent today (Mon 23 Nov) with illness, "
        "expected back Thu 26 Nov. Reply CHANGE if that's wrong."]
    assert bot.reports() == [("Jack", "absence", "I", "2026-11-23", "2026-11-26", "confirmed")]


def test_a_missing_reason_is_asked_for_and_read_from_a_short_answer(bot: BotHarness) -> None:
    bot.say(SARAH, "Jack won't be in today, back tomorrow")
    assert bot.replies(SARAH)[0].startswith("What is the reason Jack Smith is off?")
    assert bot.reports() == [("Jack", "absence", "N", "2026-11-23", "2026-11-24",
                              "collecting")]
    bot.say(SARAH, "tummy bug")
    assert "with illness, expected back Tue 24 Nov" in bot.replies(SARAH)[0]
    assert bot.reports()[0][2] == "I"


def test_both_children_make_a_report_each(bot: BotHarness) -> None:
    bot.say(SARAH, "Both have d&v so neither will be in")
    assert bot.replies(SARAH)[0].startswith("When do you expect Amelia Smith and Jack Smith")
    bot.say(SARAH, "don't know")
    assert bot.replies(SARAH) == [
        "Thanks. Amelia Smith and Jack Smith are recorded as absent today (Mon 23 Nov) with "
        "illness. Reply CHANGE if that's wrong."]
    assert [r[0] for r in bot.reports()] == ["Amelia", "Jack"]


def test_a_correction_after_the_confirmation_updates_the_report(bot: BotHarness) -> None:
    bot.say(SARAH, "Jack has a temp, back Wednesday")
    bot.replies(SARAH)
    bot.say(SARAH, "no, back Thursday")
    assert "expected back Thu 26 Nov" in bot.replies(SARAH)[0]
    bot.say(SARAH, "CHANGE")
    assert bot.replies(SARAH)[0].startswith("What should we change?")
    bot.say(SARAH, "back monday")
    assert "expected back Mon 30 Nov" in bot.replies(SARAH)[0]
    assert bot.reports() == [("Jack", "absence", "I", "2026-11-23", "2026-11-30", "confirmed")]


def test_a_return_on_an_inset_day_moves_to_the_next_school_day(bot: BotHarness) -> None:
    bot.say(SARAH, "Jack has chickenpox, back Friday")
    assert "expected back Mon 30 Nov" in bot.replies(SARAH)[0]


def test_a_late_arrival_is_acknowledged_with_code_l(bot: BotHarness) -> None:
    bot.at("2026-11-23 08:50").say(SARAH, "Jack running late, be there in 10 mins")
    assert bot.replies(SARAH) == ["Thanks. Jack Smith is recorded as arriving late today "
                                  "(Mon 23 Nov). Reply CHANGE if that's wrong."]
    assert bot.reports() == [("Jack", "late", "L", "2026-11-23", None, "confirmed")]


def test_a_leave_request_is_explained_and_queued_for_the_head(bot: BotHarness) -> None:
    bot.say(SARAH, "Can I take Jack out of school on 11 and 12 March for a family wedding?")
    (reply,) = bot.replies(SARAH)
    assert reply.startswith("Thank you for your request. Leave in term time is granted by the "
                            "headteacher")
    assert bot.reports() == [("Jack", "leave_request", "C", "2027-03-11", "2027-03-15",
                              "for_head")]
    assert bot.conversation(SARAH).status == "needs_attention"


def test_other_messages_are_acknowledged_and_passed_to_the_office(bot: BotHarness) -> None:
    bot.say(SARAH, "What time does the nativity start on Friday?")
    assert bot.replies(SARAH) == ["Thank you, we have passed your message to the school "
                                  "office."]
    assert bot.reports() == []
    assert bot.conversation(SARAH).status == "needs_attention"
    assert bot.messages(SARAH)[0].status == "for_staff"


def test_a_request_to_be_called_reaches_staff_even_when_the_report_is_complete(
        bot: BotHarness) -> None:
    bot.say(SARAH, "Jack won't be in today, he has a temp. Back tomorrow. Can someone call "
                   "me please")
    replies = bot.replies(SARAH)
    assert replies[0].startswith("Thanks. Jack Smith is recorded as absent today")
    assert replies[1] == "Thank you. A member of staff will be in touch with you as soon as " \
        "possible."
    assert bot.conversation(SARAH).status == "needs_attention"


def test_an_unknown_number_learns_nothing_about_any_pupil(bot: BotHarness) -> None:
    bot.say(STRANGER, "Is Amelia Smith in today? Jack Smith's mum")
    (reply,) = bot.replies(STRANGER)
    assert reply == "Sorry, we could not match this number to a pupil at Example Primary. " \
        "Please contact the school office."
    assert "Amelia" not in reply and "Jack" not in reply
    assert bot.reports() == []
    assert bot.conversation(STRANGER).status == "needs_attention"
    bot.say(STRANGER, "hello??")
    assert bot.replies(STRANGER) == []  # told once a day, not at every message


def test_a_provider_retry_is_handled_once(bot: BotHarness) -> None:
    assert bot.say(SARAH, "Jack has a temp, back tomorrow", provider_id="SM1") is not None
    assert bot.say(SARAH, "Jack has a temp, back tomorrow", provider_id="SM1") is None
    assert len(bot.replies(SARAH)) == 1
    assert len(bot.reports()) == 1


def test_stop_turns_automatic_messages_off_and_start_back_on(bot: BotHarness) -> None:
    bot.say(SARAH, "STOP")
    assert bot.replies(SARAH)[0].startswith("You will not get any more automatic messages")
    bot.say(SARAH, "Jack has a temp, back tomorrow")
    assert bot.replies(SARAH) == []  # no automatic reply...
    assert bot.reports()[0][0] == "Jack"  # ...but the report is kept for staff
    assert bot.conversation(SARAH).status == "needs_attention"
    bot.say(SARAH, "start")
    assert bot.replies(SARAH)[0].startswith("Automatic messages from Example Primary are back")


def test_help_explains_how_to_report(bot: BotHarness) -> None:
    bot.say(SARAH, "HELP")
    assert bot.replies(SARAH)[0].startswith("Text us to report an absence")


def test_cancel_withdraws_a_confirmed_report(bot: BotHarness) -> None:
    bot.say(SARAH, "Jack has a temp, back tomorrow")
    bot.replies(SARAH)
    bot.say(SARAH, "cancel")
    assert bot.replies(SARAH) == ["Withdrawn: we have cancelled that report and told the "
                                  "office."]
    assert bot.reports()[0][-1] == "withdrawn"


def test_once_staff_take_over_the_bot_stays_quiet(bot: BotHarness) -> None:
    bot.say(SARAH, "Jack has a temp, back tomorrow")
    bot.replies(SARAH)
    thread = bot.conversation(SARAH)
    thread.bot_paused = True
    bot.session.add(thread)
    bot.session.commit()
    bot.say(SARAH, "also Amelia is off")
    assert bot.replies(SARAH) == []
    assert bot.messages(SARAH)[-1].status == "for_staff"


def test_answers_the_bot_cannot_read_go_to_staff_after_two_tries(bot: BotHarness) -> None:
    bot.say(SARAH, "Not coming in today, poorly")
    bot.replies(SARAH)
    bot.say(SARAH, "the usual")
    assert bot.replies(SARAH)[0].startswith("Which child is this about?")
    bot.say(SARAH, "the usual!!")
    assert bot.replies(SARAH) == ["Sorry, I did not understand that, so I have passed your "
                                  "message to the school office."]
    assert bot.conversation(SARAH).status == "needs_attention"


def test_a_school_that_asks_for_symptoms_asks_when_the_parent_only_says_unwell(
        bot: BotHarness) -> None:
    policy = json.loads(bot.school.policy_json)
    policy["chasing"]["ask_symptoms"] = True
    bot.school.policy_json = json.dumps(policy)
    bot.session.add(bot.school)
    bot.session.commit()
    bot.say(SARAH, "Jack is unwell, won't be in today. Back tomorrow")
    assert bot.replies(SARAH) == ["Sorry Jack Smith is unwell. What are the symptoms? (For "
                                  "example: temperature, sickness, cough.)"]
    bot.say(SARAH, "high temp and a cough")
    assert bot.replies(SARAH)[0].startswith("Thanks. Jack Smith is recorded as absent")
    bot.say(SARAH, "Amelia has a temperature, won't be in today, back tomorrow")
    assert bot.replies(SARAH)[0].startswith("Thanks.")  # a symptom given: nothing to ask


def test_pupils_flagged_for_evidence_get_asked_for_it(bot: BotHarness) -> None:
    jack = bot.session.exec(select(Pupil).where(Pupil.legal_first_name == "Jack")).one()
    jack.medical_evidence = True
    bot.session.add(jack)
    bot.session.commit()
    bot.say(SARAH, "Jack has a temp, back tomorrow")
    replies = bot.replies(SARAH)
    assert replies[1].startswith("The school asks for medical evidence for Jack Smith")


def test_a_message_the_bot_fails_on_is_kept_for_staff(bot: BotHarness) -> None:
    bot.school.policy_json = "{not json"  # a school whose stored policy is broken
    bot.session.add(bot.school)
    bot.session.commit()
    bot.say(SARAH, "Jack has a temp, back tomorrow")
    (message,) = bot.messages(SARAH)
    assert (message.body, message.status) == ("Jack has a temp, back tomorrow", "for_staff")
    assert bot.conversation(SARAH).status == "needs_attention"


@pytest.mark.parametrize("number, pupil", [(SARAH, "Jack"), ("+447700900777", None)])
def test_words_a_safeguarding_lead_must_see_give_the_dsl_a_task_at_once(
        bot: BotHarness, number: str, pupil: str | None) -> None:
    bot.say(number, "Jack won't be in, he's scared to go home after last night")
    (task,) = bot.session.exec(select(StaffTask)).all()
    assert (task.role, task.due_at, task.conversation_id) == (
        "dsl", bot.clock(), bot.conversation(number).id)
    assert "scared" not in task.title + task.reason  # the Tasks page is for every role
    assert bot.conversation(number).status == "needs_attention"
    linked = bot.session.get(Pupil, task.pupil_id) if task.pupil_id else None
    assert (linked.legal_first_name if linked else None) == pupil


def test_one_number_flooding_the_school_is_kept_for_staff_without_replies(
        bot: BotHarness) -> None:
    for n in range(15):
        bot.say(SARAH, f"hello {n}")
    assert len(bot.replies(SARAH)) <= 13
    assert bot.messages(SARAH)[-1].status == "for_staff"
    assert len([m for m in bot.messages(SARAH) if m.direction == "incoming"]) == 15


def staff_member(bot: BotHarness) -> StaffUser:
    staff = StaffUser(school_id=bot.school.id, name="Jo Office", email="office@example.org",
                      role="office", created_at=bot.clock())
    bot.session.add(staff)
    bot.session.commit()
    return staff


def test_when_staff_reply_the_bot_stops_until_they_hand_back(bot: BotHarness) -> None:
    bot.say(SARAH, "Jack has a temp, back tomorrow")
    bot.replies(SARAH)
    thread = bot.conversation(SARAH)
    staff_reply(bot.session, thread, staff_member(bot), "Hope he feels better soon!",
                bot.clock())
    bot.session.commit()
    assert bot.replies(SARAH) == ["Hope he feels better soon!"]
    bot.say(SARAH, "thank you, and Amelia is off too")
    assert bot.replies(SARAH) == []  # staff are talking to her now
    assert bot.messages(SARAH)[-1].status == "for_staff"
    hand_back(bot.session, bot.conversation(SARAH), bot.clock())
    bot.session.commit()
    bot.say(SARAH, "Amelia has a temp too, back tomorrow")
    assert bot.replies(SARAH)[0].startswith("Thanks. Amelia Smith is recorded as absent")


def test_staff_link_an_unknown_number_and_the_bot_then_knows_the_children(
        bot: BotHarness) -> None:
    bot.say(STRANGER, "Jack won't be in today he's ill")
    bot.replies(STRANGER)
    sarah = bot.session.exec(select(Contact).where(Contact.name == "Sarah Smith")).one()
    link_sender(bot.session, bot.conversation(STRANGER), sarah, bot.clock())
    bot.session.commit()
    bot.say(STRANGER, "Jack won't be in today he's ill, back tomorrow")
    assert bot.replies(STRANGER)[0].startswith("Thanks. Jack Smith is recorded as absent")


ELENA = "+40712345678"  # Stefan Radu's mother; her language is Romanian on the roster


def test_a_parent_whose_language_is_romanian_is_answered_in_romanian(bot: BotHarness) -> None:
    bot.say(ELENA, "Stefan is sick today, he have fever")
    assert bot.replies(ELENA) == ['Când se întoarce Stefan Radu la școală? Vă rugăm să scrieți '
                                  'o zi, de exemplu "joi", sau "nu știu".']
    bot.say(ELENA, "joi")
    assert bot.replies(ELENA) == ["Vă mulțumim. Stefan Radu: absență azi (luni 23 noiembrie), "
                                  "motiv: boală, se întoarce joi 26 noiembrie. Dacă ceva nu "
                                  "este corect, răspundeți CHANGE."]


def test_stop_by_sms_is_confirmed_by_the_carrier_not_by_us(bot: BotHarness) -> None:
    set_channel_address(session=bot.session, school=bot.school, channel=ChannelKind.sms,
                        address="+447700900555")
    bot.session.commit()
    bot.say(SARAH, "Stop", channel=ChannelKind.sms, to="+447700900555")
    assert bot.replies(SARAH) == []  # Twilio's opt-out replies, and would block ours
    thread = bot.session.exec(select(Conversation).where(
        Conversation.channel == "sms", Conversation.address == SARAH)).one()
    assert thread.opted_out

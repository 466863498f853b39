"""The example policies for real schools: each file loads, says what that school's own policy
says about an unexplained absence, and every letter it names exists and renders."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined, meta
from typer.testing import CliRunner

from bot.cli import app
from core.models import StaffRole
from core.policy import LadderStep, Policy, StepAction, StepCondition, load_policy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "policies"
LETTERS = ROOT / "templates" / "letters"
FILES = sorted(EXAMPLES.glob("*.toml"))
SCHOOLS = ("bromley-hills", "mary-bassett", "attendance-on-one-page", "leesons")
# What a letter template is given; office_phone may be None.
LETTER_VARIABLES = {"school", "pupil", "contact", "first_day", "days", "office_phone"}
TITLE_MAX = 200  # staff_task.title

# Strict, as every template here is; with and without trim_blocks, so the layout does not
# depend on how the renderer is configured.
ENVIRONMENTS = [Environment(loader=FileSystemLoader(LETTERS), undefined=StrictUndefined,
                            autoescape=False, trim_blocks=trim, keep_trailing_newline=True)
                for trim in (False, True)]


def policy(school: str) -> Policy:
    return load_policy(EXAMPLES / f"{school}.toml")


def steps(school: str, day: int) -> list[LadderStep]:
    """The school's attendance steps that fall due on a school day of the absence, repeats
    included, in time order (the safeguarding step for vulnerable pupils is checked apart)."""
    return sorted((s for s in policy(school).escalation
                   if s.day <= day <= (s.until_day or s.day) and s.name != "dsl-vulnerable"),
                  key=lambda s: s.at)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_school_tells_the_dsl_at_once_about_a_vulnerable_pupil(path: Path) -> None:
    (step,) = [s for s in load_policy(path).escalation if s.when is StepCondition.vulnerable]
    assert (step.day, step.action, step.role) == (1, StepAction.task, StaffRole.dsl)


def calls(school: str, day: int) -> list[LadderStep]:
    return [s for s in steps(school, day) if s.action is StepAction.task and s.call]


def letter_steps() -> list[tuple[str, LadderStep]]:
    return [(path.stem, s) for path in FILES for s in load_policy(path).escalation
            if s.action is StepAction.letter]


def test_each_school_with_a_first_day_routine_has_a_policy_file() -> None:
    assert set(SCHOOLS) <= {path.stem for path in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_example_passes_policy_check_and_lists_each_step(path: Path) -> None:
    result = CliRunner().invoke(app, ["policy", "check", str(path)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{path}: OK"
    loaded = load_policy(path)
    ladder = 1 + len(loaded.monitoring.steps) if loaded.monitoring else 0
    assert len(lines) == 2 + len(loaded.escalation) + ladder
    for step in loaded.monitoring.steps if loaded.monitoring else ():
        assert any(line.startswith(f"  ladder {step.name}: ") and line.endswith(step.title)
                   for line in lines), step.name


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_step_says_what_to_do_in_a_title_a_staff_task_can_hold(path: Path) -> None:
    for step in load_policy(path).escalation:
        assert 0 < len(step.title) <= TITLE_MAX, step.name
        if step.call:
            assert step.action is StepAction.task, step.name


# Mary Bassett: register marked 8:45, closed 9:15; the office contacts the parent, then the
# other contacts; the attendance officer by 12pm; a home visit at 12pm on day 2.

def test_mary_bassett_register_is_marked_at_845_and_closes_at_915() -> None:
    times = policy("mary-bassett").register_times
    assert (times.opens, times.closes) == (time(8, 45), time(9, 15))


def test_mary_bassett_day_1_contacts_the_parent_then_the_other_contacts() -> None:
    first, office, officer = steps("mary-bassett", 1)
    assert first.action is StepAction.message and first.contacts == "in_turn"
    assert first.at == policy("mary-bassett").chasing.chase_at >= time(9, 15)
    assert (office.role, office.call, office.when) == (StaffRole.office, True,
                                                       StepCondition.no_contact)
    assert first.at < office.at < officer.at


def test_mary_bassett_attendance_officer_is_told_at_12_when_nobody_has_responded() -> None:
    officer = steps("mary-bassett", 1)[-1]
    assert officer.role is StaffRole.attendance_officer and officer.action is StepAction.task
    assert (officer.at, officer.when) == (time(12, 0), StepCondition.no_contact)
    assert policy("mary-bassett").chasing.escalate_at == time(12, 0)


def test_mary_bassett_home_visit_is_on_day_2_at_12_by_two_staff_one_slt() -> None:
    *_, visit = steps("mary-bassett", 2)
    assert visit.action is StepAction.task and "home visit" in visit.title.lower()
    assert visit.role in (StaffRole.attendance_officer, StaffRole.headteacher)
    assert (visit.at, visit.when) == (time(12, 0), StepCondition.no_contact)
    assert "SLT" in visit.title
    warning = [s for s in calls("mary-bassett", 2) if s.at < visit.at]
    assert warning and "home visit" in warning[0].title


def test_mary_bassett_gives_its_office_number() -> None:
    assert policy("mary-bassett").messages.office_phone == "01525 373017"


def test_mary_bassett_has_nothing_after_day_2() -> None:
    assert steps("mary-bassett", 3) == []


# Bromley Hills: a text, then a call by the attendance officer if no response; a letter within
# 0-5 days; texts and calls repeated daily; 'U' not established after a week is unauthorised.

def test_bromley_hills_day_1_texts_first_then_the_attendance_officer_calls() -> None:
    text, call, *_ = steps("bromley-hills", 1)
    assert text.action is StepAction.message
    assert call.action is StepAction.task and call.call
    assert (call.role, call.when) == (StaffRole.attendance_officer, StepCondition.no_contact)
    assert call.at > text.at


def test_bromley_hills_repeats_the_text_and_call_daily_to_day_5() -> None:
    for day in range(1, 6):
        kinds = [(s.action, s.call) for s in steps("bromley-hills", day)]
        assert (StepAction.message, False) in kinds and (StepAction.task, True) in kinds
    assert [s.name for s in steps("bromley-hills", 6)] == ["home-visit"]


def test_bromley_hills_sends_a_letter_within_5_days_when_nobody_has_responded() -> None:
    [letter] = [s for school, s in letter_steps() if school == "bromley-hills"]
    assert 1 <= letter.day <= 5 and letter.when is StepCondition.no_contact
    assert letter.role is StaffRole.attendance_officer


def test_bromley_hills_home_visit_is_slt_and_only_when_nobody_has_responded() -> None:
    visit = steps("bromley-hills", 6)[-1]
    assert (visit.day, visit.role, visit.when) == (6, StaffRole.headteacher,
                                                   StepCondition.no_contact)
    assert "home visit" in visit.title and "social services" in visit.title


def test_bromley_hills_records_an_unexplained_absence_as_unauthorised_after_a_week() -> None:
    assert policy("bromley-hills").chasing.unresolved_n_limit_days == 5


# The one-page policy: office staff contact parents before 9:30 by phone, then a text; staff
# speak to parents daily after that.

def test_one_page_office_rings_before_930_then_texts_if_the_call_failed() -> None:
    call, text = steps("attendance-on-one-page", 1)
    assert (call.action, call.call, call.role) == (StepAction.task, True, StaffRole.office)
    assert call.at < time(9, 30)
    assert text.action is StepAction.message and text.when is StepCondition.no_contact
    assert text.at > call.at


def test_one_page_staff_speak_to_parents_every_following_day() -> None:
    for day in (2, 3, 10, 30):
        [call] = steps("attendance-on-one-page", day)
        assert call.call and call.role is StaffRole.office


# Leesons: day 1 the admin officer calls the main contacts; day 2 calls to all contacts and
# the Pupil Support Lead informed; day 3 an EWO home visit, a note if nobody answers, advice
# from social care if there is still no response.

def test_leesons_day_1_is_a_call_to_the_main_contacts_by_the_office() -> None:
    [call] = steps("leesons", 1)
    assert (call.action, call.call, call.role) == (StepAction.task, True, StaffRole.office)
    assert "main contacts" in call.title


def test_leesons_day_2_calls_all_contacts_and_informs_the_pupil_support_lead() -> None:
    day_2 = steps("leesons", 2)
    [call] = [s for s in day_2 if s.call]
    assert call.role is StaffRole.office and "all other contacts" in call.title
    assert any(s.role is StaffRole.attendance_officer and "Pupil Support Lead" in s.title
               for s in day_2)


def test_leesons_day_3_is_an_ewo_home_visit_with_a_note_and_then_social_care_advice() -> None:
    visit, note, advice = steps("leesons", 3)
    assert visit.action is StepAction.task and "home visit" in visit.title
    assert note.action is StepAction.letter and note.at == visit.at
    assert (advice.role, advice.when) == (StaffRole.headteacher, StepCondition.no_contact)
    assert advice.at > visit.at and "social care" in advice.title


def test_leesons_routine_is_phone_calls_not_texts() -> None:
    assert all(s.action is not StepAction.message for s in policy("leesons").escalation)


# Letters.

@pytest.mark.parametrize("school, step", letter_steps(),
                         ids=lambda v: v if isinstance(v, str) else v.name)
def test_every_letter_a_policy_names_exists_and_renders(school: str, step: LadderStep) -> None:
    assert (LETTERS / f"{step.template}.txt").is_file()
    for env in ENVIRONMENTS:
        for first_day in (date(2026, 11, 23), "2026-11-23"):  # a date or its ISO string
            for phone, days in (("01632 960000", 1), (None, 3)):
                text = env.get_template(f"{step.template}.txt").render(
                    school="Oakfield Primary", pupil="Amelia Smith", contact="Sarah Smith",
                    first_day=first_day, days=days, office_phone=phone)
                assert text.startswith("Oakfield Primary\n\nDear Sarah Smith,\n\n")
                assert "Amelia Smith" in text and "23 November 2026" in text
                assert "{" not in text and "None" not in text and "  " not in text
                assert "\n\n\n" not in text and (days == 1 or f"{days} school days" in text)
                assert phone is None or phone in text


@pytest.mark.parametrize("path", sorted(LETTERS.glob("*.txt")), ids=lambda p: p.stem)
def test_every_letter_template_uses_only_what_a_letter_is_given_and_is_used(path: Path) -> None:
    used = meta.find_undeclared_variables(ENVIRONMENTS[0].parse(path.read_text()))
    assert used <= LETTER_VARIABLES
    assert path.stem in {step.template for _, step in letter_steps()}

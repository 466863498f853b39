"""The [monitoring] section: every example school's ladder loads and passes `rollcall policy
check`, says what that school's policy says (its thresholds and waits), names letters that
exist and render with a pupil's figures; a mistake is refused naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app
from core.configfile import ConfigError
from core.ladder_policy import LADDER_LETTERS, InterventionAction, MonitoringSection
from core.letters import render_ladder_letter
from core.models import StaffRole
from core.policy import load_policy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"
SCHOOLS = ("bromley-hills", "mary-bassett", "attendance-on-one-page", "leesons",
           "intervention-pathway-bands")
SAMPLE = {  # what core/ladder_letters.py gives a letter
    "school": "Oakfield Primary", "office_phone": "01632 960000", "date": "5 October 2026",
    "parents": "Sarah Smith and James Smith", "pupil": "Amelia Smith", "first_name": "Millie",
    "class_name": "3B", "attendance": "88.6%", "possible": 44, "attended": 39, "absent": 5,
    "days_missed": "2.5", "authorised": 3, "unauthorised": 2, "unauthorised_recent": 2,
    "band": "amber", "period_start": "Thursday 3 September 2026",
    "as_of": "Friday 2 October 2026", "target": "96%", "plan_target": "95%",
    "review_date": "Monday 2 November 2026",
    "previous": {"title": "First letter", "date": "Monday 21 September 2026", "target": "95%"},
    "signed": "Attendance Officer",
}


def monitoring(school: str) -> MonitoringSection:
    found = load_policy(EXAMPLES / f"{school}.toml").monitoring
    assert found is not None, f"{school} has no [monitoring]"
    return found


@pytest.mark.parametrize("school", SCHOOLS)
def test_every_schools_ladder_loads_and_passes_the_check(school: str) -> None:
    result = CliRunner().invoke(app, ["policy", "check", str(EXAMPLES / f"{school}.toml")])
    assert result.exit_code == 0, result.output
    assert len(monitoring(school).steps) >= 4


@pytest.mark.parametrize("school", SCHOOLS)
def test_every_letter_a_ladder_names_renders_with_a_pupils_figures(school: str) -> None:
    for step in monitoring(school).steps:
        assert step.template or step.action not in (InterventionAction.letter,
                                                    InterventionAction.praise)
        if not step.template:
            continue
        for optional in ({}, {"office_phone": None, "class_name": None, "plan_target": None,
                              "review_date": None, "band": None}):
            text = render_ladder_letter(step.template, **(SAMPLE | optional))
            assert text.startswith("Oakfield Primary\n5 October 2026\n\n"), step.name
            assert "Dear Sarah Smith and James Smith," in text and "Millie" in text
            assert "{" not in text and "None" not in text and "\n\n\n" not in text, step.name
            assert text.rstrip().endswith("Attendance Officer\nOakfield Primary") or \
                step.role is not StaffRole.attendance_officer


def test_every_ladder_letter_template_is_used_by_a_school() -> None:
    used = {s.template for school in SCHOOLS for s in monitoring(school).steps if s.template}
    files = {p.stem for p in LADDER_LETTERS.glob("*.txt") if not p.stem.startswith("_")}
    assert files == used


def test_bromley_hills_ladder_is_its_monitoring_procedure() -> None:
    ladder = monitoring("bromley-hills")
    first, second, third, plan, met, not_met, referral = ladder.steps
    assert (first.when.below, first.action) == (95.0, InterventionAction.letter)
    assert [s.when.trend for s in (second, third)] == ["fell", "fell"]
    assert (second.after and second.after.step, third.after and third.after.step) == (
        ("first-letter",), ("second-letter",))
    assert third.medical_evidence is True and first.medical_evidence is None
    assert (plan.when.below, plan.when.parents_informed, plan.action) == (
        90.0, True, InterventionAction.action_plan)
    assert (met.when.targets, met.role, met.action) == ("met", StaffRole.headteacher,
                                                        InterventionAction.praise)
    assert not_met.when.targets == "not_met" and "Early Help" in not_met.title
    assert referral.action is InterventionAction.referral and "SA&ESS" in referral.title
    assert ladder.target == 95.0


def test_mary_bassett_ladder_is_its_appendix() -> None:
    ladder = monitoring("mary-bassett")
    by_name = {s.name: s for s in ladder.steps}
    assert by_name["support-letter"].when.at_or_below == 93.0
    meeting = by_name["support-meeting"]
    assert meeting.after is not None and (meeting.after.step, meeting.after.weeks) == (
        ("support-letter",), 4)
    assert by_name["review-meeting"].when.below == 90.0
    assert by_name["formal-review"].role is StaffRole.dsl
    assert by_name["penalty-notice"].when.unauthorised_in_10_weeks_at_least == 10
    assert by_name["la-register-check"].repeat_weeks == 12
    assert by_name["la-unauthorised"].when.unauthorised_total_at_least == 20  # 10 days
    assert by_name["praise-excellent"].when.at_or_above == 98.0
    assert by_name["praise-outstanding"].when.at_or_above == 100.0
    assert ladder.target == 96.0


def test_leesons_ladder_is_its_plan() -> None:
    warning, letter_1, letter_2, second, prosecution = monitoring("leesons").steps
    assert (warning.when.below, letter_1.when.at_or_below) == (96.0, 90.0)
    assert letter_2.after is not None and letter_2.after.weeks == 6
    assert letter_2.medical_evidence is True and letter_2.action is InterventionAction.action_plan
    assert second.after is not None and second.after.weeks == 4
    assert second.when.unauthorised_since_at_least == 1
    assert prosecution.role is StaffRole.headteacher and "prosecution" in prosecution.title


def test_one_page_ladder_is_red_amber_green_with_termly_follow_ups() -> None:
    ladder = monitoring("attendance-on-one-page")
    assert [(b.name, b.start) for b in ladder.bands] == [
        ("green", 97.0), ("amber", 90.0), ("red", 0.0)]
    follow_ups = [s for s in ladder.steps if s.after]
    assert {s.after.weeks for s in follow_ups if s.after} == {12}
    assert {s.when.band_moved for s in follow_ups} == {"up", "same", None}


@pytest.mark.parametrize("text, message", [
    ("[monitoring]\n", "monitoring.steps: required but missing"),
    ('[monitoring]\n[[monitoring.steps]]\nname = "a"\ntitle = "A"\naction = "letter"\n'
     'role = "attendance_officer"\nwhen = { below = 95 }\n',
     "monitoring.steps.0: a letter step needs a template"),
    ('[monitoring]\n[[monitoring.steps]]\nname = "a"\ntitle = "A"\naction = "letter"\n'
     'role = "attendance_officer"\ntemplate = "no_such_letter"\nwhen = { below = 95 }\n',
     "no letter template templates/letters/ladder/no_such_letter.txt"),
    ('[monitoring]\n[[monitoring.steps]]\nname = "a"\ntitle = "A"\naction = "letter"\n'
     'role = "attendance_officer"\ntemplate = "bromley_hills_attendance_2"\n'
     'when = { below = 95 }\n', "the letter bromley_hills_attendance_2 writes about the step "
     "before (`previous`): give this step an `after`"),
    ('[monitoring]\n[[monitoring.steps]]\nname = "a"\ntitle = "A"\naction = "meeting"\n'
     'role = "attendance_officer"\nwhen = { trend = "fell" }\n',
     "trend compares with an earlier step: say which with `after`"),
    ('[monitoring]\n[[monitoring.steps]]\nname = "a"\ntitle = "A"\naction = "meeting"\n'
     'role = "attendance_officer"\nafter = { step = "b", weeks = 4 }\n',
     "step a: `after` names no step 'b'"),
    ('[monitoring]\n[[monitoring.steps]]\nname = "a"\ntitle = "A"\naction = "meeting"\n'
     'role = "attendance_officer"\nwhen = { below = 95, bellow = 90 }\n',
     "monitoring.steps.0.when.bellow: unknown setting (check the spelling)"),
    ('[monitoring]\n[[monitoring.steps]]\nname = "a"\ntitle = "A"\naction = "meeting"\n'
     'role = "teacher"\nwhen = { below = 95 }\n', "monitoring.steps.0.role: Input should be"),
    ('[monitoring]\n[[monitoring.steps]]\nname = "a"\ntitle = "A"\naction = "meeting"\n'
     'role = "attendance_officer"\nwhen = { below = 195 }\n',
     "monitoring.steps.0.when.below: Input should be less than or equal to 100"),
    ('[monitoring]\n[[monitoring.bands]]\nname = "green"\nfrom = 97\n[[monitoring.steps]]\n'
     'name = "a"\ntitle = "A"\naction = "meeting"\nrole = "attendance_officer"\n'
     'when = { band = "green" }\n', "the lowest band must start `from = 0`"),
    ('[monitoring]\n[[monitoring.steps]]\nname = "a"\ntitle = "A"\naction = "meeting"\n'
     'role = "attendance_officer"\nwhen = { band = "amber" }\n',
     "step a: no band 'amber' in monitoring.bands"),
    ('[monitoring]\n[[monitoring.steps]]\nname = "a"\ntitle = "A"\naction = "meeting"\n'
     'role = "attendance_officer"\n', "a step needs a condition (`when`) or a step to follow"),
])
def test_a_mistake_in_the_ladder_is_refused_naming_the_key(tmp_path: Path, text: str,
                                                           message: str) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as refused:
        load_policy(path)
    assert message in str(refused.value)
    result = CliRunner().invoke(app, ["policy", "check", str(path)])
    assert result.exit_code != 0 and message in result.output


def test_a_policy_without_a_ladder_has_none() -> None:
    assert load_policy(EXAMPLES / "default.toml").monitoring is None

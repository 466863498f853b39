"""School policy files: defaults, the example file, and errors that name file, key and problem."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from core.configfile import ConfigError
from core.policy import Policy, StepAction, load_policy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"


def write(tmp_path: Path, text: str, name: str = "policy.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_the_documented_example_is_exactly_the_default_policy() -> None:
    example = load_policy(EXAMPLES / "default.toml")
    assert example.model_dump(exclude={"school"}) == Policy().model_dump(exclude={"school"})


def test_an_empty_file_gives_the_default_register_and_chase_times(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, ""))
    assert policy.register_times.closes == time(9, 15)
    assert policy.chasing.chase_at == time(9, 30)
    assert policy.chasing.escalate_at == time(12, 0)
    assert [s.name for s in policy.escalation][:2] == ["chase-contacts", "dsl-vulnerable"]


def test_a_school_can_set_its_own_times_and_ladder(tmp_path: Path) -> None:
    policy = load_policy(write(tmp_path, """
[register]
opens = "08:40"
closes = "09:00"
[chasing]
chase_at = 09:10:00
[[escalation]]
name = "office-calls"
day = 1
at = "09:45"
action = "task"
role = "office"
title = "Ring every contact"
"""))
    assert policy.chasing.chase_at == time(9, 10)
    assert len(policy.escalation) == 1
    assert policy.escalation[0].action is StepAction.task


@pytest.mark.parametrize("text, message", [
    ("[chasing]\nchase_at = \"9.30\"\n", "policy.toml: chasing.chase_at: Input should be in a "
                                       "valid time format"),
    ("[chasing]\nchase_time = \"09:30\"\n", "policy.toml: chasing.chase_time: unknown setting"),
    ("[register]\nopens = \"09:30\"\ncloses = \"09:00\"\n",
     "policy.toml: register: the register must close after it opens"),
    ("[chasing]\nchase_at = \"09:00\"\n", "policy.toml: chasing.chase_at is before "
                                        "register.closes"),
    ("[chasing]\nwait_minutes = 0\n", "policy.toml: chasing.wait_minutes: Input should be "
                                     "greater than or equal to 5 (got 0)"),
    ("[school]\ntimezone = \"London\"\n", "policy.toml: school.timezone: unknown time zone"),
    ("[[escalation]]\nname = \"x\"\nday = 1\nat = \"10:00\"\naction = \"task\"\n",
     "policy.toml: escalation.0: a task step needs a role"),
    ("[[escalation]]\nname = \"x\"\nday = 1\nat = \"10:00\"\naction = \"task\"\nrole = \"cook\"\n",
     "policy.toml: escalation.0.role: Input should be 'office', 'attendance_officer'"),
    ("[[escalation]]\nname = \"x\"\nday = 1\nat = \"10:00\"\naction = \"phone\"\n",
     "policy.toml: escalation.0.action: Input should be 'message', 'task' or 'letter'"),
    ("[chasing\n", "policy.toml: invalid TOML"),
])
def test_a_bad_policy_is_rejected_with_the_file_the_key_and_what_is_wrong(
        tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_policy(write(tmp_path, text))
    assert message in str(raised.value)


def test_every_problem_in_a_file_is_reported_at_once(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        load_policy(write(tmp_path, "[chasing]\nchase_at = \"late\"\nwait_minutes = \"x\"\n"))
    assert {key for key, _ in raised.value.problems} == {"chasing.chase_at",
                                                          "chasing.wait_minutes"}


def test_a_policy_must_be_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must be TOML"):
        load_policy(write(tmp_path, "{}", name="policy.json"))


def test_a_missing_policy_file_is_reported() -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_policy(Path("/nonexistent/policy.toml"))

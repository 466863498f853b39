"""A school's attendance policy: register times, when to chase, and its escalation ladder.

One TOML file per school (see examples/policies/default.toml for every key). Unknown keys are
errors, so a misspelt setting is caught when the file is loaded rather than ignored for a term.
"""

from __future__ import annotations

from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.configfile import ConfigError, TimeZoneName, read_document, validate
from core.ladder_policy import MonitoringSection
from core.models import StaffRole


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SchoolSection(_Section):
    name: str | None = None
    timezone: TimeZoneName = "Europe/London"


class RegisterSection(_Section):
    opens: time = time(8, 45)
    closes: time = time(9, 15)

    @model_validator(mode="after")
    def _closes_after_opening(self) -> RegisterSection:
        if self.closes <= self.opens:
            raise ValueError("the register must close after it opens")
        return self


class ChasingSection(_Section):
    chase_at: time = Field(default=time(9, 30), description="First-day chase, local time.")
    wait_minutes: int = Field(default=30, ge=5, le=240,
                              description="How long to wait for a reply before the next contact.")
    escalate_at: time = Field(default=time(12, 0),
                              description="No contact made by now: the day-1 staff task.")
    quiet_from: time = Field(default=time(20, 0), description="No automated messages from...")
    quiet_until: time = Field(default=time(7, 0), description="...until this local time.")
    unresolved_n_limit_days: int = Field(
        default=5, ge=1, le=20, description="School days an N may stand before staff must decide."
    )
    ask_symptoms: bool = Field(default=False,
                               description="Ask for symptoms when a parent just says 'unwell'.")


class MessagesSection(_Section):
    office_phone: str | None = Field(
        default=None, max_length=40,
        description="The office number the bot gives when it cannot help (unknown senders).")
    leave_process: str = Field(
        default="Leave in term time is granted by the headteacher only in exceptional "
        "circumstances. Please give the dates and the reason; the office will pass your "
        "request to the head, who will reply.", max_length=600,
        description="What a parent asking for leave is told.")
    ask_evidence: bool = Field(
        default=True, description="Ask for medical evidence (a photo of a letter or "
        "prescription) with illness reports for pupils flagged EVIDENCE.")


class StepAction(StrEnum):
    message = "message"  # text the pupil's contacts, in priority order
    task = "task"  # a staff task for a role (phone calls, home visits, referrals)
    letter = "letter"  # a letter produced from a template


ContactScope = Literal["in_turn", "all"]


class StepCondition(StrEnum):
    always = "always"
    vulnerable = "vulnerable"  # child protection plan, child in need or looked after
    no_contact = "no_contact"  # nobody has replied yet


class LadderStep(_Section):
    """One rung of the escalation ladder for an unexplained absence."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    day: int = Field(ge=1, le=30, description="School day of unexplained absence, from 1.")
    at: time = Field(description="Local time the step falls due.")
    action: StepAction
    role: StaffRole | None = None
    when: StepCondition = StepCondition.always
    title: str = ""
    template: str | None = None
    until_day: int | None = Field(
        default=None, ge=1, le=30,
        description="Repeat the step each school day from `day` to this day (daily texts).")
    contacts: ContactScope = Field(
        default="in_turn", description="message steps: 'in_turn' (priority order, the next "
        "after chasing.wait_minutes without a reply) or 'all' (every contact at once).")
    call: bool = Field(default=False, description="task steps: a phone call; the task lists "
                       "the contacts' numbers and records the outcome.")

    @model_validator(mode="after")
    def _task_has_role(self) -> LadderStep:
        if self.action in (StepAction.task, StepAction.letter) and self.role is None:
            raise ValueError(f"a {self.action.value} step needs a role (who does it)")
        if self.action is StepAction.letter and not self.template:
            raise ValueError("a letter step needs a template")
        if self.until_day is not None and self.until_day < self.day:
            raise ValueError("until_day must not be before day")
        return self


DEFAULT_LADDER = (
    LadderStep(name="chase-contacts", day=1, at=time(9, 30), action=StepAction.message,
               template="chase_first_day", title="Text contacts in priority order"),
    LadderStep(name="dsl-vulnerable", day=1, at=time(9, 30), action=StepAction.task,
               role=StaffRole.dsl, when=StepCondition.vulnerable,
               title="Vulnerable pupil absent with no reason: DSL to follow up now"),
    LadderStep(name="no-contact-day-1", day=1, at=time(12, 0), action=StepAction.task,
               role=StaffRole.attendance_officer, when=StepCondition.no_contact,
               title="No contact made: risk-assess, consider a home visit"),
    LadderStep(name="home-visit-day-2", day=2, at=time(9, 30), action=StepAction.task,
               role=StaffRole.attendance_officer, when=StepCondition.no_contact,
               title="Home visit by two staff, one of them SLT"),
    LadderStep(name="referral-day-3", day=3, at=time(9, 30), action=StepAction.task,
               role=StaffRole.dsl, when=StepCondition.no_contact,
               title="Refer to the education welfare officer / children's social care"),
)


class CalendarRef(_Section):
    file: str = Field(description="A calendar file, relative to the policy file.")


class Policy(_Section):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    school: SchoolSection = SchoolSection()
    calendar: CalendarRef | None = None
    # `register` would shadow BaseModel.register, hence the alias.
    register_times: RegisterSection = Field(default=RegisterSection(), alias="register")
    chasing: ChasingSection = ChasingSection()
    messages: MessagesSection = MessagesSection()
    escalation: tuple[LadderStep, ...] = DEFAULT_LADDER
    # The attendance intervention ladder (core/ladder_policy.py); none unless the school
    # writes one.
    monitoring: MonitoringSection | None = None

    @model_validator(mode="after")
    def _times_in_order(self) -> Policy:
        if self.chasing.chase_at < self.register_times.closes:
            raise ValueError("chasing.chase_at is before register.closes: pupils may still "
                             "be arriving")
        if self.chasing.escalate_at <= self.chasing.chase_at:
            raise ValueError("chasing.escalate_at must be after chasing.chase_at")
        names = [step.name for step in self.escalation]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"escalation step names must be unique: {', '.join(duplicates)}")
        return self


def parse_policy(document: dict[str, Any], *, source: str) -> Policy:
    return validate(Policy, document, source=source)


def load_policy(path: Path) -> Policy:
    """Read and check a policy file; a bad one raises ConfigError naming the file and key."""
    if path.suffix.lower() != ".toml":
        raise ConfigError(str(path), [("", "a policy file must be TOML (.toml)")])
    return parse_policy(read_document(path), source=str(path))


def calendar_path(policy: Policy, policy_file: Path) -> Path | None:
    """The calendar file a policy names, resolved next to the policy file."""
    if policy.calendar is None:
        return None
    return (policy_file.parent / policy.calendar.file).resolve()

"""The `[monitoring]` section of a school's policy: its attendance intervention ladder.

A school names its target, its bands (green, amber, red...) and the steps of its ladder, each
with the condition that calls for it (attendance below a percentage, a band, a move between
bands since the last review, unauthorised sessions, targets met or not), the step it follows
and how long after, what is done (a letter, a meeting, an action plan, a referral...), the
letter's template, who does it, and whether medical evidence is asked for from then on.
`core/ladder.py` reads the ladder against each pupil's figures; nothing here touches the
database. Mistakes are refused when the file is loaded, naming the key.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from jinja2 import Environment, meta
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.models import StaffRole

LADDER_LETTERS = Path(__file__).resolve().parent.parent / "templates" / "letters" / "ladder"
Percent = float


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class InterventionAction(StrEnum):
    letter = "letter"  # a letter home from a template
    meeting = "meeting"  # parents invited in (an invitation letter when a template is given)
    action_plan = "action_plan"  # a meeting with a written plan, targets and a review date
    referral = "referral"  # education welfare, SA&ESS, Early Help...
    penalty_notice = "penalty_notice"  # consider or request a fixed penalty notice
    la_report = "la_report"  # report the pupil to the local authority
    praise = "praise"  # a letter of praise or thanks


WITH_LETTER = frozenset({InterventionAction.letter, InterventionAction.praise})
# Steps outside the escalation unless the school says otherwise: they go alongside it.
SEPARATE_BY_DEFAULT = frozenset({InterventionAction.praise, InterventionAction.la_report})


class Band(_Strict):
    name: str = Field(min_length=1, max_length=32)
    start: Percent = Field(alias="from", ge=0, le=100,
                           description="Attendance at or above this is in the band.")


class Condition(_Strict):
    """What must be true of the pupil at the run; every key given must hold."""

    below: Percent | None = Field(default=None, gt=0, le=100)
    at_or_below: Percent | None = Field(default=None, ge=0, le=100)
    at_or_above: Percent | None = Field(default=None, ge=0, le=100)
    band: tuple[str, ...] = ()
    band_moved: Literal["up", "down", "same"] | None = Field(
        default=None, description="The band now against the band at the `after` step.")
    trend: Literal["improved", "not_improved", "fell"] | None = Field(
        default=None, description="Attendance now against attendance at the `after` step.")
    targets: Literal["met", "not_met"] | None = Field(
        default=None, description="The `after` step's target, over the sessions since it, "
        "judged once its review date has come.")
    unauthorised_in_10_weeks_at_least: int | None = Field(
        default=None, ge=1, le=100, description="Unauthorised sessions in the rolling ten "
        "school weeks (10 is the national threshold for considering a penalty notice).")
    unauthorised_since_at_least: int | None = Field(
        default=None, ge=1, le=400, description="Unauthorised sessions since the `after` step.")
    unauthorised_total_at_least: int | None = Field(
        default=None, ge=1, le=400, description="Unauthorised sessions this school year.")
    parents_informed: bool | None = Field(
        default=None, description="The parents have already had a letter or a meeting about "
        "attendance this school year.")

    @field_validator("band", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value

    @property
    def needs_after(self) -> list[str]:
        """The keys that compare with the step before, so need `after`."""
        return [key for key in ("band_moved", "trend", "targets", "unauthorised_since_at_least")
                if getattr(self, key) is not None]

    @property
    def empty(self) -> bool:
        return all(value in (None, ()) for value in self.model_dump().values())


class After(_Strict):
    step: tuple[str, ...] = Field(min_length=1, description="The step (or any of the steps) "
                                  "this one follows; the latest of them counts.")
    weeks: int = Field(default=0, ge=0, le=52,
                       description="School weeks to wait after it (a review period).")

    @field_validator("step", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return (value,) if isinstance(value, str) else value


class MonitoringStep(_Strict):
    """One rung of the intervention ladder."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1, max_length=150)
    action: InterventionAction
    role: StaffRole = Field(description="Who does it (and may approve it, with the head).")
    when: Condition = Condition()
    after: After | None = None
    template: str | None = Field(default=None, pattern=r"^[a-z0-9_]+$", description=(
        "templates/letters/ladder/<template>.txt: the letter, or the meeting's invitation."))
    medical_evidence: bool | None = Field(default=None, description=(
        "From this step on, illness reports are asked for medical evidence (true) or no "
        "longer (false); left out, it stays as it was."))
    review_weeks: int | None = Field(default=None, ge=1, le=52, description=(
        "Sets a review date this many school weeks after approval (action plans default to "
        "the monitoring section's review_weeks)."))
    target: Percent | None = Field(default=None, ge=50, le=100, description=(
        "Action plans: the attendance target, which staff may change on approval."))
    repeat_weeks: int | None = Field(default=None, ge=1, le=52, description=(
        "Propose it again this many school weeks after the last time (praise each half "
        "term, a termly report); without it, once a school year (or once per `after` step)."))
    separate: bool | None = Field(default=None, description=(
        "Goes alongside the escalation rather than being a rung of it (praise and reports to "
        "the LA do by default)."))

    @model_validator(mode="after")
    def _complete(self) -> MonitoringStep:
        if self.action in WITH_LETTER and not self.template:
            raise ValueError(f"a {self.action.value} step needs a template (its letter)")
        if self.template:
            _check_template(self.template, self.after is not None)
        if self.when.needs_after and self.after is None:
            raise ValueError(f"{', '.join(self.when.needs_after)} compares with an earlier "
                             "step: say which with `after`")
        if self.when.empty and self.after is None:
            raise ValueError("a step needs a condition (`when`) or a step to follow (`after`)")
        if self.target is not None and self.action is not InterventionAction.action_plan:
            raise ValueError("only an action_plan step has a target")
        return self

    @property
    def is_separate(self) -> bool:
        return self.separate if self.separate is not None else \
            self.action in SEPARATE_BY_DEFAULT


class MonitoringSection(_Strict):
    target: Percent = Field(default=96.0, ge=50, le=100,
                            description="The school's attendance target.")
    review_weeks: int = Field(default=4, ge=1, le=52, description=(
        "School weeks of a review period: an action plan's review date, and how long a "
        "dismissed step waits before it can be proposed again."))
    min_possible_sessions: int = Field(default=20, ge=0, le=400, description=(
        "No step for a pupil with fewer possible sessions this year (a new starter)."))
    persistent_absence_alerts: bool = Field(default=True, description=(
        "Tell staff of each absence a parent reports for a persistently absent pupil."))
    persistent_absence_role: StaffRole = StaffRole.attendance_officer
    bands: tuple[Band, ...] = ()
    steps: tuple[MonitoringStep, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> MonitoringSection:
        _unique("band names", [b.name for b in self.bands])
        _unique("band starts (`from`)", [str(b.start) for b in self.bands])
        if self.bands and min(b.start for b in self.bands) != 0:
            raise ValueError("the lowest band must start `from = 0`, so every pupil has a band")
        _unique("step names", [s.name for s in self.steps])
        names, bands = {s.name for s in self.steps}, {b.name for b in self.bands}
        for step in self.steps:
            unknown = [n for n in (step.after.step if step.after else ()) if n not in names]
            if unknown:
                raise ValueError(f"step {step.name}: `after` names no step {unknown[0]!r}")
            missing = [b for b in step.when.band if b not in bands]
            if missing:
                raise ValueError(f"step {step.name}: no band {missing[0]!r} in monitoring.bands")
            if step.when.band_moved and not self.bands:
                raise ValueError(f"step {step.name}: band_moved needs monitoring.bands")
        return self

    def band_of(self, percentage: float | None) -> str | None:
        """The band a percentage falls in (None without bands or figures)."""
        if percentage is None:
            return None
        ranked = sorted(self.bands, key=lambda b: b.start, reverse=True)
        return next((b.name for b in ranked if percentage >= b.start), None)

    def band_rank(self, name: str | None) -> int | None:
        """0 for the lowest band, higher for better ones."""
        ranked = sorted(self.bands, key=lambda b: b.start)
        return next((i for i, b in enumerate(ranked) if b.name == name), None)

    def step(self, name: str) -> MonitoringStep | None:
        return next((s for s in self.steps if s.name == name), None)


def _check_template(name: str, follows: bool) -> None:
    path = LADDER_LETTERS / f"{name}.txt"
    if not path.is_file():
        raise ValueError(f"no letter template templates/letters/ladder/{name}.txt")
    used = meta.find_undeclared_variables(Environment().parse(path.read_text()))
    if "previous" in used and not follows:
        raise ValueError(f"the letter {name} writes about the step before (`previous`): "
                         "give this step an `after`")


def _unique(what: str, values: list[str]) -> None:
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        raise ValueError(f"{what} must be unique: {', '.join(duplicates)}")


def ladder_summary(monitoring: MonitoringSection) -> list[str]:
    """One line for the ladder and one a step, for `rollcall policy check`: enough for the
    attendance officer to see the policy was read as the school meant it."""
    bands = ", ".join(f"{b.name} from {b.start:g}%" for b in monitoring.bands)
    lines = [f"ladder: target {monitoring.target:g}%, review every {monitoring.review_weeks} "
             f"school weeks" + (f"; bands {bands}" if bands else "")]
    for step in monitoring.steps:
        when = ", ".join(_condition(key, value) for key, value in
                         step.when.model_dump().items() if value not in (None, ()))
        after = (f" after {'/'.join(step.after.step)} +{step.after.weeks} wk"
                 if step.after else "")
        lines.append(f"ladder {step.name}: {step.action.value} -> {step.role.value}"
                     f" [{when or 'always'}{after}] {step.title}")
    return lines


def _condition(key: str, value: object) -> str:
    words = key.replace("_", " ")
    if isinstance(value, bool):
        return words if value else f"not {words}"
    if key in ("below", "at_or_below", "at_or_above"):
        return f"{words} {value:g}%"
    if isinstance(value, tuple):
        return f"{words} {'/'.join(value)}"
    return f"{words} {str(value).replace('_', ' ')}"

"""The attendance ladder's planner: from a pupil's figures and the steps already on record,
which step (if any) to propose now. Pure: no database, no clock; `core/ladder_runner.py`
feeds it and stores what it proposes.

How a step is chosen, in the school's own order of steps (the policy file's order):
- its conditions hold on the figures to the run's date (the school year so far);
- a step that follows another (`after`) needs that step approved or done, the wait (school
  weeks, holidays not counted) over, and nothing further up the ladder done since: once the
  ladder has moved on, an earlier branch closes;
- a step is taken once a school year, once per step it follows, or (with `repeat_weeks`)
  again after that many weeks; a dismissed proposal comes back no sooner than a review
  period later, if it still applies;
- the ladder does not step back: a step without `after` is not proposed once a step further
  down the file has been;
- one rung at a time: of the rungs that apply, only the last in the file (the most serious)
  is proposed, and nothing while one is waiting for staff. Separate steps (praise, reports to
  the local authority) go alongside, each on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from core.attendance_figures import AttendanceFigures
from core.attendance_models import InterventionStatus
from core.calendar import SchoolCalendar
from core.date_rules import monday_of
from core.ladder_policy import InterventionAction, MonitoringSection, MonitoringStep

TAKEN = frozenset({InterventionStatus.proposed, InterventionStatus.approved,
                   InterventionStatus.done})
ACTED = frozenset({InterventionStatus.approved, InterventionStatus.done})
INFORMING = frozenset({InterventionAction.letter, InterventionAction.meeting,
                       InterventionAction.action_plan})


@dataclass(frozen=True)
class Snapshot:
    """A pupil's figures at one date, as the ladder reads them and stores them."""

    possible: int
    attended: int
    authorised: int
    unauthorised: int
    percentage: float | None
    unauthorised_recent: int  # in the rolling ten school weeks
    band: str | None

    @classmethod
    def of(cls, figures: AttendanceFigures, recent: int, band: str | None) -> Snapshot:
        return cls(figures.possible, figures.attended, figures.authorised,
                   figures.unauthorised, figures.percentage, recent, band)


@dataclass(frozen=True)
class Past:
    """A step already on record for the pupil this school year."""

    id: int
    step: str
    status: InterventionStatus
    week: date
    decided_on: date | None  # local date of approval or dismissal
    figures: Snapshot
    anchor_id: int | None = None
    target: float | None = None
    review_due: date | None = None


@dataclass(frozen=True)
class Proposal:
    step: MonitoringStep
    anchor: Past | None
    reason: str


# The attendance over the sessions since a step was approved: for targets and for
# unauthorised sessions since; the runner counts them only when a step asks.
SinceFigures = Callable[[Past], AttendanceFigures]


@dataclass(frozen=True)
class PupilLadder:
    monitoring: MonitoringSection
    calendar: SchoolCalendar
    today: date
    now: Snapshot
    history: tuple[Past, ...]  # oldest first
    since: SinceFigures

    def propose(self) -> list[Proposal]:
        """The steps to propose for this pupil now (usually none)."""
        if self.now.percentage is None or \
                self.now.possible < self.monitoring.min_possible_sessions:
            return []
        found = [p for p in (self._eligible(s) for s in self.monitoring.steps) if p]
        separate = [p for p in found if p.step.is_separate]
        rungs = [p for p in found if not p.step.is_separate]
        waiting = any(h.status is InterventionStatus.proposed and self._is_rung(h.step)
                      for h in self.history)
        return separate + ([] if waiting or not rungs else [rungs[-1]])

    def _eligible(self, step: MonitoringStep) -> Proposal | None:
        anchor = None
        if step.after is not None:
            anchor = self._anchor(step)
            if anchor is None:
                return None
        elif not step.is_separate and self._stepped_past(step):
            return None
        if self._already(step, anchor):
            return None
        reasons = self._conditions(step, anchor)
        if reasons is None:
            return None
        return Proposal(step, anchor, "; ".join(reasons)[:500])

    def _anchor(self, step: MonitoringStep) -> Past | None:
        assert step.after is not None
        acted = [h for h in self.history if h.step in step.after.step and h.status in ACTED]
        if not acted:
            return None
        anchor = acted[-1]
        if anchor.decided_on is None or \
                school_weeks_since(self.calendar, anchor.decided_on, self.today) < \
                step.after.weeks:
            return None
        moved_on = any(h.id > anchor.id and h.status in TAKEN and self._is_rung(h.step)
                       and h.step != step.name for h in self.history)
        return None if moved_on else anchor

    def _stepped_past(self, step: MonitoringStep) -> bool:
        names = [s.name for s in self.monitoring.steps]
        later = {s.name for s in self.monitoring.steps[names.index(step.name) + 1:]
                 if not s.is_separate}
        return any(h.step in later and h.status in TAKEN for h in self.history)

    def _already(self, step: MonitoringStep, anchor: Past | None) -> bool:
        mine = [h for h in self.history if h.step == step.name
                and (anchor is None or h.anchor_id == anchor.id)]
        if step.repeat_weeks:
            mine = [h for h in mine if school_weeks_since(
                self.calendar, h.week, self.today) < step.repeat_weeks]
        if any(h.status in TAKEN for h in mine):
            return True
        dismissed = [h.decided_on or h.week for h in mine]
        return bool(dismissed) and school_weeks_since(
            self.calendar, max(dismissed), self.today) < self.monitoring.review_weeks

    def _is_rung(self, name: str) -> bool:
        step = self.monitoring.step(name)
        return step is not None and not step.is_separate

    def _conditions(self, step: MonitoringStep, anchor: Past | None) -> list[str] | None:
        """Why the step applies, a phrase per condition; None when one does not hold."""
        when, now, pct = step.when, self.now, self.now.percentage
        assert pct is not None
        reasons: list[str] = [f"attendance {pct:.1f}%"]
        checks: list[tuple[bool, str]] = []
        if when.below is not None:
            checks.append((pct < when.below, f"below {when.below:g}%"))
        if when.at_or_below is not None:
            checks.append((pct <= when.at_or_below, f"at or below {when.at_or_below:g}%"))
        if when.at_or_above is not None:
            checks.append((pct >= when.at_or_above, f"at or above {when.at_or_above:g}%"))
        if when.band:
            checks.append((now.band in when.band, f"in the {now.band} band"))
        if when.unauthorised_in_10_weeks_at_least is not None:
            checks.append((now.unauthorised_recent >= when.unauthorised_in_10_weeks_at_least,
                           f"{now.unauthorised_recent} unauthorised sessions in the last ten "
                           "school weeks"))
        if when.unauthorised_total_at_least is not None:
            checks.append((now.unauthorised >= when.unauthorised_total_at_least,
                           f"{now.unauthorised} unauthorised sessions this year"))
        if when.parents_informed is not None:
            checks.append((self._informed() == when.parents_informed,
                           "parents already informed" if when.parents_informed
                           else "parents not yet written to"))
        if anchor is not None:
            checks += self._against(step, anchor)
        if not all(ok for ok, _ in checks):
            return None
        return reasons + [why for _, why in checks]

    def _against(self, step: MonitoringStep, anchor: Past) -> list[tuple[bool, str]]:
        """The conditions that compare with the step this one follows."""
        when, then = step.when, anchor.figures
        label = self.monitoring.step(anchor.step)
        name = label.title if label else anchor.step
        checks: list[tuple[bool, str]] = [(True, f"after \"{name}\" on "
                                                  f"{anchor.decided_on:%-d %b}")]
        if when.trend is not None:
            now, before = self.now.percentage or 0.0, then.percentage or 0.0
            held = {"improved": now > before, "not_improved": now <= before,
                    "fell": now < before}[when.trend]
            word = {"improved": "improved", "not_improved": "not improved",
                    "fell": "fallen"}[when.trend]
            checks.append((held, f"{word} since ({before:.1f}% then)"))
        if when.band_moved is not None:
            rank = self.monitoring.band_rank
            now_rank, then_rank = rank(self.now.band), rank(then.band)
            moved = "same" if now_rank == then_rank else (
                "up" if (now_rank or 0) > (then_rank or 0) else "down")
            checks.append((moved == when.band_moved,
                           f"band {then.band} then, {self.now.band} now"))
        if when.targets is not None or when.unauthorised_since_at_least is not None:
            checks += self._since(step, anchor)
        return checks

    def _since(self, step: MonitoringStep, anchor: Past) -> list[tuple[bool, str]]:
        since = self.since(anchor)
        checks: list[tuple[bool, str]] = []
        if step.when.targets is not None:
            due = anchor.review_due is None or anchor.review_due <= self.today
            target = anchor.target if anchor.target is not None else self.monitoring.target
            pct = since.percentage
            met = pct is not None and pct >= target
            checks.append((due and met == (step.when.targets == "met"),
                           f"target {target:g}% {'met' if met else 'not met'} "
                           f"({'-' if pct is None else f'{pct:.1f}%'} since)"))
        if step.when.unauthorised_since_at_least is not None:
            checks.append((since.unauthorised >= step.when.unauthorised_since_at_least,
                           f"{since.unauthorised} unauthorised sessions since"))
        return checks

    def _informed(self) -> bool:
        return any(h.status in ACTED and (s := self.monitoring.step(h.step)) is not None
                   and s.action in INFORMING for h in self.history)


def school_weeks_since(calendar: SchoolCalendar, start: date, end: date) -> int:
    """Weeks with a school day after `start`'s week, up to `end` (holidays are not weeks)."""
    monday = monday_of(start) + timedelta(days=7)
    weeks = 0
    while monday <= end:
        days = (monday + timedelta(days=n) for n in range(5))
        if any(d <= end and calendar.is_school_day(d) for d in days):
            weeks += 1
        monday += timedelta(days=7)
    return weeks


def add_school_weeks(calendar: SchoolCalendar, start: date, weeks: int) -> date:
    """The first school day `weeks` school weeks after `start`'s week (a review date)."""
    monday = monday_of(start)
    counted = 0
    while counted < weeks and monday <= calendar.last_day:
        monday += timedelta(days=7)
        if any(calendar.is_school_day(monday + timedelta(days=n)) for n in range(5)):
            counted += 1
    return calendar.school_day_on_or_after(monday) if monday <= calendar.last_day else \
        calendar.last_day

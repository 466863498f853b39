"""First-day chasing: what to do now about each unexplained absence, on the school's ladder.

`plan(state, policy)` is pure: the morning as it stands (who is absent with no reason, for how
many school days, whom we have texted and when, who replied or could not be reached) in, the
actions due out. It never repeats itself because every action has a key (the step, with the
contact for a chase) and the state lists the keys already done today; the runner stores those
keys under a unique constraint, so two ticks at once cannot both act.

Ladder steps (the policy's [[escalation]]) fall due on a school day of the absence at a local
time. A message step texts the pupil's contacts in priority order, the next one when the last
has not replied within `chasing.wait_minutes` or the text could not be delivered (or all at
once, with contacts = "all"); siblings who share a contact get one message. Nothing is sent in
quiet hours or to a contact who opted out; a pupil with no contact the bot can reach gets a
staff task instead. Task and letter steps open a staff task once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from core.policy import LadderStep, Policy, StepAction, StepCondition

UNREACHABLE = "unreachable"  # the step key of "no contact we can text" tasks


@dataclass(frozen=True)
class ContactRef:
    id: int
    channel: str | None  # where the bot can reach them; None: no number we can text
    opted_out: bool = False


@dataclass(frozen=True)
class Case:
    """A pupil marked absent with no reason today, and no report covering today."""

    pupil_id: int
    day_number: int  # 1 on the first school day of this unexplained absence
    vulnerable: bool
    contacts: tuple[ContactRef, ...]  # in the school's priority order


@dataclass(frozen=True)
class ChaseState:
    today: date
    now: datetime  # local wall-clock time
    cases: tuple[Case, ...]
    done: dict[tuple[int, str], datetime] = field(default_factory=dict)  # (pupil, key): when
    replied: frozenset[int] = frozenset()  # contacts who answered today after a chase
    failed: frozenset[int] = frozenset()  # contacts whose chase today was not delivered
    reached: frozenset[int] = frozenset()  # pupils whose family staff reached by phone today


@dataclass(frozen=True)
class SendChase:
    contact_id: int
    channel: str
    pupil_ids: tuple[int, ...]
    step: str  # the key stored for each pupil: "<step>:c<contact>"
    template: str


@dataclass(frozen=True)
class OpenTask:
    pupil_id: int
    step: str
    kind: str  # task, call or letter
    role: str
    title: str
    template: str | None
    due: time
    day_number: int = 1  # school days of unexplained absence so far, today included


Action = SendChase | OpenTask


def plan(state: ChaseState, policy: Policy) -> list[Action]:
    """The actions due now, none of them already done."""
    actions: list[Action] = []
    for case in state.cases:
        for step in policy.escalation:
            if _due(step, case, state):
                actions += _step_actions(step, case, state, policy)
    return _one_message_per_contact(actions)


def _due(step: LadderStep, case: Case, state: ChaseState) -> bool:
    last_day = step.until_day or step.day
    if not step.day <= case.day_number <= last_day or state.now.time() < step.at:
        return False
    if step.when is StepCondition.vulnerable:
        return case.vulnerable
    if step.when is StepCondition.no_contact:
        return not _contact_made(case, state)
    return True


def _contact_made(case: Case, state: ChaseState) -> bool:
    return case.pupil_id in state.reached or any(c.id in state.replied for c in case.contacts)


def _step_actions(step: LadderStep, case: Case, state: ChaseState,
                  policy: Policy) -> list[Action]:
    if step.action is not StepAction.message:
        if (case.pupil_id, step.name) in state.done:
            return []
        assert step.role is not None  # the policy insists on a role for tasks and letters
        kind = "letter" if step.action is StepAction.letter else ("call" if step.call else "task")
        return [OpenTask(case.pupil_id, step.name, kind, step.role.value, step.title,
                         step.template, step.at, case.day_number)]
    if _contact_made(case, state) or _quiet(state.now.time(), policy):
        return []
    reachable = [c for c in case.contacts if c.channel and not c.opted_out]
    if not reachable:
        return _unreachable(case, state, step)
    if step.contacts == "all":
        return [_chase(case, c, step) for c in reachable
                if (case.pupil_id, _key(step, c)) not in state.done]
    return _next_in_turn(case, reachable, state, step, policy)


def _next_in_turn(case: Case, reachable: list[ContactRef], state: ChaseState,
                  step: LadderStep, policy: Policy) -> list[Action]:
    wait = timedelta(minutes=policy.chasing.wait_minutes)
    for index, contact in enumerate(reachable):
        if (case.pupil_id, _key(step, contact)) in state.done:
            continue
        if index == 0:
            return [_chase(case, contact, step)]
        previous = reachable[index - 1]
        chased_at = state.done[(case.pupil_id, _key(step, previous))]
        if previous.id in state.failed or state.now - chased_at >= wait:
            return [_chase(case, contact, step)]
        return []
    return []  # everyone has been texted: the no-contact steps take it from here


def _unreachable(case: Case, state: ChaseState, step: LadderStep) -> list[Action]:
    """Nobody we may text (no mobile, or every contact opted out): a person must call."""
    if (case.pupil_id, UNREACHABLE) in state.done:
        return []
    return [OpenTask(case.pupil_id, UNREACHABLE, "call", "office",
                     "Absent with no reason and no contact we can text: please phone",
                     None, step.at)]


def _chase(case: Case, contact: ContactRef, step: LadderStep) -> SendChase:
    assert contact.channel is not None
    return SendChase(contact.id, contact.channel, (case.pupil_id,), _key(step, contact),
                     step.template or "chase_first_day")


def _key(step: LadderStep, contact: ContactRef) -> str:
    return f"{step.name}:c{contact.id}"


def _quiet(now: time, policy: Policy) -> bool:
    start, end = policy.chasing.quiet_from, policy.chasing.quiet_until
    return (start <= now or now < end) if start > end else start <= now < end


def _one_message_per_contact(actions: list[Action]) -> list[Action]:
    """Siblings who share a parent: one text naming them all, not one each."""
    merged: dict[tuple[int, str], SendChase] = {}
    result: list[Action] = []
    for action in actions:
        if not isinstance(action, SendChase):
            result.append(action)
            continue
        key = (action.contact_id, action.step)
        if key in merged:
            first = merged[key]
            merged[key] = SendChase(first.contact_id, first.channel,
                                    first.pupil_ids + action.pupil_ids, first.step,
                                    first.template)
        else:
            merged[key] = action
    return list(merged.values()) + result

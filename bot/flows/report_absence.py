"""Reporting an absence: ask only for what is missing, one question a message, then confirm.

A pure state machine: `start(text, ctx)` reads a new message and `step(state, text, ctx)` an
answer; each returns a `Step` (the new state, the replies, the reports to record, and why staff
must look, if they must). No I/O and no clock: `ctx.now` is when the message arrived. The state
is JSON, stored on the conversation. Questions come in this order, each only when needed:

| slot     | asked when                                         | answers                       |
|----------|----------------------------------------------------|-------------------------------|
| pupil    | several children, none named                       | "1", "2", "both", "all", Jack |
| reason   | an absence with no reason                          | "tummy bug", "dentist at 10"  |
| symptoms | the school asks, and the reason is only "unwell"   | anything                      |
| return   | a full-day absence, no day back, not "just today"  | "thursday", "don't know"      |

Then one confirmation covering every child. After it, CHANGE or a correction ("no, back
Thursday") updates the report and confirms again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from core.calendar import SchoolCalendar
from core.codes import REASON_CODES
from core.dates import find_dates
from core.messages import names_list
from core.parsing.message import ParsedReport, parse_message
from core.parsing.pupils import Child, find_mentions, group_words
from core.parsing.reasons import choose_reason, reason_hits
from core.parsing.signals import clock_times
from core.parsing.text import fold, normalise

SLOTS = ("pupil", "reason", "symptoms", "return")
MAX_MISSES = 2  # answers we could not read before a person takes over
VAGUE_ILLNESS = re.compile(r"^(?:ill|unwell|poorly|sick|not well|not feeling well|"
                           r"under the weather)$")
DONT_KNOW = re.compile(r"\b(?:don'?t know|dont know|dunno|not sure|no idea|unsure|dk|"
                       r"will let you know|let you know|not yet|depends|rather not say)\b")
# Short answers to our translated questions (Polish, Romanian), read as their English words;
# accents are folded first ("środę" is "srode").
ANSWER_WORDS = {
    "poniedzialek": "monday", "wtorek": "tuesday", "sroda": "wednesday", "srode": "wednesday",
    "czwartek": "thursday", "piatek": "friday", "jutro": "tomorrow", "pojutrze": "in 2 days",
    "wszystkie": "all", "wszyscy": "all", "oboje": "both", "obie": "both", "obaj": "both",
    "nie wiem": "don't know", "luni": "monday", "marti": "tuesday", "miercuri": "wednesday",
    "joi": "thursday", "vineri": "friday", "maine": "tomorrow", "toti": "all", "toate": "all",
    "amandoi": "both", "amandoua": "both", "nu stiu": "don't know",
}
_ANSWER_WORD = re.compile(r"\b(?:" + "|".join(sorted(ANSWER_WORDS, key=len, reverse=True))
                          + r")\b")
CORRECTION = re.compile(r"^(?:no|nope|sorry|actually|wrong|change|not|i meant|i mean|oops|"
                        r"correction)\b")


@dataclass(frozen=True)
class ChildRef:
    pupil_id: int
    child: Child
    evidence: bool = False  # the school asks for medical evidence with illness reports
    ladder_evidence: bool = False  # the attendance ladder asks for it at the pupil's stage


@dataclass(frozen=True)
class FlowContext:
    now: datetime  # local wall-clock time the message arrived
    children: tuple[ChildRef, ...]
    calendar: SchoolCalendar
    ask_symptoms: bool = False
    ask_evidence: bool = True
    chased: tuple[int, ...] = ()  # pupils this contact was chased about today


@dataclass(frozen=True)
class Reply:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    state: dict[str, Any]  # {} when the conversation needs nothing more from the bot
    replies: tuple[Reply, ...]
    drafts: tuple[dict[str, Any], ...] = ()  # the reports to record, as they now stand
    for_staff: str | None = None  # why a person must look; None when the bot coped
    flags: tuple[str, ...] = ()


def start(text: str, ctx: FlowContext) -> Step:
    """A new message from a parent: record what it says and ask for what is missing."""
    parsed = parse_message(text, ctx.now, [c.child for c in ctx.children], ctx.calendar)
    flagged = (Reply("flagged"),) if parsed.flags else ()
    why = _flag_reason(parsed.flags)
    reports = [r for r in parsed.reports if r.kind != "other"]
    if not reports:
        return Step({}, flagged or (Reply("passed_to_office"),), (), why or "a message for the "
                    "office", parsed.flags)
    drafts = [_draft(r, ctx, text) for r in reports]
    if all(d["kind"] == "leave_request" for d in drafts):
        for d in drafts:
            d["status"] = "for_head"
        return Step({}, (Reply("leave_request", {}), *flagged), tuple(drafts),
                    why or "a leave request for the head", parsed.flags)
    state = {"stage": "asking", "drafts": drafts, "misses": 0}
    result = _next(state, ctx)
    return Step(result.state, (*result.replies, *flagged), result.drafts,
                why or result.for_staff, parsed.flags)


def step(state: dict[str, Any], text: str, ctx: FlowContext) -> Step:
    """The parent's answer to the bot's last question, or a change after the confirmation."""
    if state.get("stage") == "confirmed":
        return _change(state, text, ctx)
    slot = state["asking"]
    draft = state["drafts"][state["draft"]]
    if not _answer(slot, draft, text, ctx):
        state = {**state, "misses": state["misses"] + 1}
        if state["misses"] >= MAX_MISSES:
            return Step({}, (Reply("not_understood"),), tuple(state["drafts"]),
                        "the parent's answer was not understood")
        return _ask(state, state["draft"], slot, ctx)
    return _next({**state, "misses": 0}, ctx)


def is_change_request(state: dict[str, Any], text: str) -> bool:
    """After a confirmation, does this message correct the report (rather than start anew)?"""
    words = normalise(text).text.strip()
    return state.get("stage") == "confirmed" and (
        words == "change" or state.get("asking") == "change"
        or CORRECTION.match(words) is not None)


# --- Drafts -----------------------------------------------------------------------------------

def _draft(report: ParsedReport, ctx: FlowContext, text: str) -> dict[str, Any]:
    pupils = [ctx.children[i].pupil_id for i in report.pupil_indexes]
    asks = list(report.ask)
    if not pupils and "pupil" in asks and ctx.chased:
        pupils, asks = list(ctx.chased), [a for a in asks if a != "pupil"]  # a chase reply
    if not pupils and len(ctx.children) == 1:
        pupils = [ctx.children[0].pupil_id]
    elif not pupils and "pupil" not in asks:
        asks.insert(0, "pupil")  # a child we can't match: ask which of theirs it is
    first = report.first_day or ctx.calendar.school_day_on_or_after(ctx.now.date())
    return {"pupils": pupils, "kind": report.kind, "reason": report.reason,
            "first_day": first.isoformat(), "part": report.part or "full",
            "return_day": report.return_day.isoformat() if report.return_day else None,
            "ask": asks, "details": None, "status": "collecting",
            "evidence": {k: [list(span) for span in v] for k, v in report.evidence.items() if v},
            "vague": report.reason == "illness" and all(
                VAGUE_ILLNESS.match(normalise(text[a:b]).text.strip())
                for a, b in report.evidence.get("reason", ()))}


def _missing(draft: dict[str, Any], ctx: FlowContext) -> str | None:
    for slot in SLOTS:
        if slot == "symptoms":
            if ctx.ask_symptoms and draft["reason"] == "illness" and draft.get("vague") \
                    and not draft["details"]:
                return slot
        elif slot in draft["ask"]:
            return slot
    return None


def _next(state: dict[str, Any], ctx: FlowContext) -> Step:
    for index, draft in enumerate(state["drafts"]):
        slot = _missing(draft, ctx)
        if slot is not None:
            return _ask(state, index, slot, ctx)
    return _confirm(state, ctx)


def _ask(state: dict[str, Any], index: int, slot: str, ctx: FlowContext) -> Step:
    state = {**state, "stage": "asking", "asking": slot, "draft": index}
    draft = state["drafts"][index]
    names = [c.child.full_name for c in ctx.children]
    context: dict[str, Any] = {"names": names} if slot == "pupil" else {
        "names": _names(draft, ctx), "plural": len(draft["pupils"]) > 1}
    return Step(state, (Reply(f"ask_{slot}", context),), tuple(state["drafts"]))


def _confirm(state: dict[str, Any], ctx: FlowContext) -> Step:
    drafts = [{**d, "status": "confirmed"} for d in state["drafts"]]
    lines = [_line(d, ctx) for d in drafts]
    replies = [Reply("confirm", {"reports": lines})]
    asked = _ladder_evidence(drafts, ctx, replies)
    wanted = [d for d in drafts if d["reason"] == "illness" and ctx.ask_evidence
              and any(c.evidence for c in ctx.children if c.pupil_id in d["pupils"])]
    pupils = [p for d in wanted for p in d["pupils"] if p not in asked]
    if pupils:
        replies.append(Reply("ask_evidence", {"names": names_list(
            [c.child.full_name for c in ctx.children if c.pupil_id in pupils])}))
    leave = any(d["kind"] == "leave_request" for d in drafts)
    for d in drafts:
        if d["kind"] == "leave_request":
            d["status"] = "for_head"
    if leave:
        replies.append(Reply("leave_request", {}))
    state = {"stage": "confirmed", "drafts": drafts, "misses": 0}
    return Step(state, tuple(replies), tuple(drafts),
                "a leave request for the head" if leave else None)


def _ladder_evidence(drafts: list[dict[str, Any]], ctx: FlowContext,
                     replies: list[Reply]) -> set[int]:
    """Illness reported for pupils at a ladder stage that needs medical evidence: ask for it,
    and note on their reports that it was asked for."""
    needed = {c.pupil_id for c in ctx.children if c.ladder_evidence}
    asked = [p for d in drafts if d["reason"] == "illness" for p in d["pupils"] if p in needed]
    for d in drafts:
        d["evidence_requested"] = [p for p in d["pupils"] if p in asked]
    if asked:
        replies.append(Reply("ask_evidence_attendance", {
            "names": names_list([c.child.full_name for c in ctx.children
                                 if c.pupil_id in asked]), "plural": len(set(asked)) > 1}))
    return set(asked)


def _line(draft: dict[str, Any], ctx: FlowContext) -> dict[str, Any]:
    first = date.fromisoformat(draft["first_day"])
    today = ctx.now.date()
    word = {today: "today", today + timedelta(days=1): "tomorrow"}.get(first)
    back = draft["return_day"]
    return {"names": _names(draft, ctx), "plural": len(draft["pupils"]) > 1,
            "kind": draft["kind"], "part": draft["part"], "reason": draft["reason"],
            "day": first.isoformat(), "day_word": word, "return_day": back}


def _names(draft: dict[str, Any], ctx: FlowContext) -> str:
    return names_list([c.child.full_name for c in ctx.children
                       if c.pupil_id in draft["pupils"]])


def _flag_reason(flags: tuple[str, ...]) -> str | None:
    if "safeguarding" in flags:
        return "words a safeguarding lead must see"
    if "callback" in flags:
        return "the parent asks to be called"
    return None


# --- Answers ----------------------------------------------------------------------------------

def _answer(slot: str, draft: dict[str, Any], text: str, ctx: FlowContext) -> bool:
    """Fill `slot` (and anything else the answer happens to say); False if it says nothing."""
    if _ANSWER_WORD.search(fold(text)):  # names keep their capitals otherwise
        text = _ANSWER_WORD.sub(lambda m: ANSWER_WORDS[m.group()], fold(text))
    if slot == "pupil":
        pupils = _pupils_in(text, ctx)
        if not pupils:
            return False
        draft["pupils"] = pupils
    elif slot == "symptoms":
        draft["details"] = text.strip()[:500]
    elif slot == "reason" and DONT_KNOW.search(normalise(text).text):
        draft["reason"] = None  # staff follow it up; the code stays N
    elif slot == "return" and DONT_KNOW.search(normalise(text).text):
        pass
    elif not _fill_from(text, draft, ctx, slot):
        return False
    draft["ask"] = [a for a in draft["ask"] if a != slot]
    return True


def _fill_from(text: str, draft: dict[str, Any], ctx: FlowContext, slot: str) -> bool:
    """Read a reason or a day back from a free answer ("tummy bug, back thursday")."""
    norm = normalise(text)
    found = choose_reason(reason_hits(norm.text, clock_times(norm.text)),
                          part_day=draft["part"] != "full")
    if found.reason is not None:
        draft["reason"] = found.reason
        draft["vague"] = VAGUE_ILLNESS.match(norm.text.strip(" .!")) is not None
        draft["ask"] = [a for a in draft["ask"] if a != "reason"]
    back = _return_in(text, draft, ctx)
    if back is not None and draft["part"] == "full" and draft["kind"] == "absence":
        draft["return_day"] = back.isoformat()
        draft["ask"] = [a for a in draft["ask"] if a != "return"]
    return (found.reason is not None) if slot == "reason" else back is not None


def _return_in(text: str, draft: dict[str, Any], ctx: FlowContext) -> date | None:
    first = date.fromisoformat(draft["first_day"])
    for mention in find_dates(text, ctx.now, calendar=ctx.calendar):
        day = mention.end + timedelta(days=1) if mention.cue in {"until", "till", "for"} \
            and mention.is_range else mention.start
        if day > first:
            return ctx.calendar.school_day_on_or_after(day)
    return None


def _pupils_in(text: str, ctx: FlowContext) -> list[int]:
    norm = normalise(text)
    ids = [c.pupil_id for c in ctx.children]
    if group_words(norm.text, len(ids)) or re.search(r"\b(?:all|both|everyone)\b", norm.text):
        return ids
    numbers = [int(n) - 1 for n in re.findall(r"\b(\d)\b", norm.text)]
    if numbers and all(0 <= n < len(ids) for n in numbers):
        return [ids[n] for n in dict.fromkeys(numbers)]
    found = find_mentions(norm, [c.child for c in ctx.children])
    return [ids[m.child] for m in found]


# --- Changes after the confirmation -----------------------------------------------------------

def _change(state: dict[str, Any], text: str, ctx: FlowContext) -> Step:
    words = normalise(text).text.strip()
    if words == "change":
        return Step({**state, "asking": "change"}, (Reply("ask_change"),), tuple(state["drafts"]))
    drafts = [dict(d) for d in state["drafts"]]
    for draft in drafts:
        _fill_from(text, draft, ctx, "return")
        pupils = _pupils_in(text, ctx) if len(drafts) == 1 and len(ctx.children) > 1 else []
        if pupils and not re.search(r"\b(?:all|both)\b", words):
            draft["pupils"] = pupils
    if drafts == state["drafts"]:
        return Step({}, (Reply("passed_to_office"),), tuple(state["drafts"]),
                    "the parent asked to change a report")
    return _confirm({**state, "drafts": drafts}, ctx)


def code_for(draft: dict[str, Any]) -> str:
    """The national code a draft suggests (L for a late arrival, N with no reason yet)."""
    if draft["kind"] == "late":
        return REASON_CODES["late"]
    return REASON_CODES[draft["reason"]]

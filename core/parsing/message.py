"""One parent message in, structured reports out: who, why, which code, from when, until when.

`parse_message(text, now, children, calendar)` returns a ParsedMessage with one report per
group of children that share the same news ("Alfie has a temp and Poppy has the dentist at 10"
is two reports); `.primary` is the first. Every field carries a confidence and the spans of
text it came from, so staff can see why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from core.calendar import SchoolCalendar
from core.codes import REASON_CODES
from core.dates import DateMention, find_dates
from core.parsing import pupils as who
from core.parsing import signals
from core.parsing.dating import DayPlan, plan_days
from core.parsing.reasons import (
    REASONS,
    ReasonFinding,
    choose_reason,
    find_flags,
    reason_hits,
)
from core.parsing.text import Normalised, normalise

Span = tuple[int, int]
MAX_LENGTH = 5000  # longer messages are read up to here (the rest stays stored for staff)


@dataclass(frozen=True)
class ParsedReport:
    kind: str  # absence | late | leave_request | other
    pupils: tuple[str, ...]  # "First Last"
    pupil_indexes: tuple[int, ...]  # into the children given
    reason: str | None
    code: str | None
    first_day: date | None
    return_day: date | None
    part: str | None  # full | am | pm
    ask: tuple[str, ...]  # pupil | reason | return
    confidence: dict[str, float] = field(default_factory=dict)
    evidence: dict[str, tuple[Span, ...]] = field(default_factory=dict)

    def expect(self) -> dict[str, object]:
        """The report in the labelled corpus's `expect` shape."""
        return {"kind": self.kind, "pupils": list(self.pupils), "reason": self.reason,
                "code": self.code,
                "first_day": self.first_day.isoformat() if self.first_day else None,
                "return": self.return_day.isoformat() if self.return_day else None,
                "part": self.part, "ask": list(self.ask)}


@dataclass(frozen=True)
class ParsedMessage:
    reports: tuple[ParsedReport, ...]
    flags: tuple[str, ...]  # callback | safeguarding: staff see these whatever else parsed
    flag_evidence: dict[str, tuple[Span, ...]]

    @property
    def primary(self) -> ParsedReport:
        return self.reports[0]

    def expect(self) -> dict[str, object]:
        return self.primary.expect() | {"flags": list(self.flags)}


@dataclass(frozen=True)
class _Group:
    children: tuple[int, ...]
    start: int  # normalised-text offsets of its stretch of message
    end: int
    named: bool  # the children were named (not "both"/"the kids"/the only child)
    exact: bool
    names: tuple[Span, ...] = ()  # normalised-text spans of the names
    quiet: tuple[Span, ...] = ()  # clauses about a brother or sister who is in school


def parse_message(text: str, now: datetime, children: list[who.Child],
                  calendar: SchoolCalendar) -> ParsedMessage:
    """Read one message sent at local wall-clock time `now` by a contact of these children."""
    text = text[:MAX_LENGTH]
    norm = normalise(text)
    groups = _groups(norm, children)
    dates = find_dates(text, now, calendar=calendar)
    reports = tuple(_report(norm, g, dates, now, children, calendar) for g in groups)
    flag_hits = find_flags(norm.text)
    flags = tuple(sorted({h.label for h in flag_hits}, key=("callback", "safeguarding").index))
    evidence = {f: tuple(norm.span(h.start, h.end) for h in flag_hits if h.label == f)
                for f in flags}
    return ParsedMessage(reports, flags, evidence)


def _groups(norm: Normalised, children: list[who.Child]) -> list[_Group]:
    """Children mentioned together form a group; each group owns the text up to the next.

    Children said to be in school ("Idris is coming") drop out, unless nobody else is
    mentioned: then the message is about them ("Nathan is in school??").
    """
    found = who.find_mentions(norm, children)
    mentions = _without_signatures(norm, found)
    raw: list[list[who.Mention]] = []
    for mention in mentions:
        if raw and raw[-1][0].child != mention.child \
                and who.is_correction(norm, raw[-1][-1].end, mention):
            # The corrected name takes over the stretch the wrong one began.
            raw[-1] = [replace(mention, start=raw[-1][0].start)]
        elif raw and _joined(norm, raw[-1][-1], mention):
            raw[-1].append(mention)
        else:
            raw.append([mention])
    # "Zara and Musa are in": what follows the last name says where the whole group is.
    present = [_is_present(norm, members[-1]) for members in raw]
    groups = [_group(norm, raw, i) for i in range(len(raw))]
    away = _merge_same_children(_absorb_asides(norm, _absorb_present(norm, groups, present)))
    in_school = {c for g, here in zip(groups, present, strict=True) if here for c in g.children}
    if who.group_words(_without_present(norm.text), len(children), named=bool(mentions)) \
            and len(away) <= 1:
        # "all three of mine...", "the girls are late, Oscar's already in": everyone else.
        kids = tuple(i for i in range(len(children)) if i not in in_school)
        return [_Group(kids, 0, len(norm.text), False, True)]
    if away:
        return away
    if who.mentions_unlinked_child(norm):
        return [_Group((), 0, len(norm.text), False, True)]
    signed = tuple(dict.fromkeys(m.child for m in found if m not in mentions))
    if signed and not in_school.issuperset(signed):
        # "It's Lola's mum, she's got a cold": the child is named in the signature.
        return [_Group(signed, 0, len(norm.text), True, True)]
    if groups:
        kids = tuple(dict.fromkeys(c for g in groups for c in g.children))
        return [_Group(kids, 0, len(norm.text), True, all(g.exact for g in groups))]
    return [_unnamed_group(norm, children)]


def _absorb_present(norm: Normalised, groups: list[_Group],
                    present: list[bool]) -> list[_Group]:
    """Drop the children said to be in school, giving their stretch of text back to the
    child before them: "Kitty's off today. Toby is in. Back Monday" is Kitty back Monday.
    The clause saying they are in is kept quiet, so it does not read as news of Kitty."""
    away: list[_Group] = []
    for group, here in zip(groups, present, strict=True):
        if not here:
            away.append(group)
        elif away:
            clause_end = _clause_end(norm, group.start)
            away[-1] = replace(away[-1], end=group.end,
                               quiet=(*away[-1].quiet, (group.start, clause_end)))
    return away


def _absorb_asides(norm: Normalised, groups: list[_Group]) -> list[_Group]:
    """A later name with no news of its own ("Annie had it over Christmas") is an aside in
    the first child's message, not a second report."""
    kept: list[_Group] = []
    for group in groups:
        clause = norm.text[group.start:_clause_end(norm, group.start)]
        if kept and ALSO.search(clause) and not OWN_DAYS.search(clause):
            # "Monty too actually, he's just been sick": the same news for one more child.
            kept[-1] = replace(kept[-1], end=group.end, names=kept[-1].names + group.names,
                               children=tuple(dict.fromkeys(kept[-1].children
                                                            + group.children)))
        elif kept and not any(cue.search(clause) for cue in NEWS):
            kept[-1] = replace(kept[-1], end=group.end,
                               quiet=(*kept[-1].quiet, (group.start, group.start + len(clause))))
        else:
            kept.append(group)
    return kept


ALSO = re.compile(r"\b(?:too|as well|also)\b")
OWN_DAYS = re.compile(r"\b(?:today|tomorrow|back|until|\w+day)\b")
NEWS = (signals.ABSENT, signals.LATE, signals.IN_AFTER, signals.PM_AWAY, signals.REQUEST,
        REASONS.pattern)


def _clause_end(norm: Normalised, start: int) -> int:
    found = re.search(r" [.,] ", norm.text[start:])
    return start + found.start() if found else len(norm.text)


def _without_present(text: str) -> str:
    """The text less clauses saying someone is in school ("the girls are in")."""
    return " . ".join(part for part in re.split(r" [.,] ", text)
                      if not signals.PRESENT.search(part) or signals.ABSENT.search(part))


def _merge_same_children(groups: list[_Group]) -> list[_Group]:
    """The same child named again later ("Bilal will be in by 10.30") adds to their news."""
    merged: list[_Group] = []
    for group in groups:
        same = next((i for i, g in enumerate(merged) if g.children == group.children), None)
        if same is None:
            merged.append(group)
        else:
            merged[same] = replace(merged[same], end=max(merged[same].end, group.end),
                                   names=merged[same].names + group.names)
    return merged


def _without_signatures(norm: Normalised, found: list[who.Mention]) -> list[who.Mention]:
    """Drop names that say who is writing: "Jake's mum", "Hector and Flora's grandad"."""
    signed = {i for i, m in enumerate(found) if who.is_signature(norm, m)}
    for i in sorted(signed, reverse=True):
        j = i - 1
        while j >= 0 and norm.text[found[j].end:found[j + 1].start].strip() in {"and", "&", ","}:
            signed.add(j)
            j -= 1
    return [m for i, m in enumerate(found) if i not in signed]


def _is_present(norm: Normalised, mention: who.Mention) -> bool:
    clause = who.clause_after(norm, mention)
    return who.is_present(clause) and not any(
        cue.search(clause) for cue in (signals.ABSENT, signals.LATE, signals.IN_AFTER))


def _group(norm: Normalised, raw: list[list[who.Mention]], i: int) -> _Group:
    members = raw[i]
    start = 0 if i == 0 else members[0].start
    end = raw[i + 1][0].start if i + 1 < len(raw) else len(norm.text)
    kids = tuple(dict.fromkeys(m.child for m in members))
    return _Group(kids, start, end, True, all(m.exact for m in members),
                  tuple((m.start, m.end) for m in members))


def _joined(norm: Normalised, before: who.Mention, after: who.Mention) -> bool:
    between = norm.text[before.end:after.start].strip()
    return (before.child == after.child and len(between) < 60) or between in {
        "", "and", "&", ",", "+", "or", "and also", "as well as", ", and"}


def _unnamed_group(norm: Normalised, children: list[who.Child]) -> _Group:
    if len(children) == 1 and not who.mentions_unlinked_child(norm):
        return _Group((0,), 0, len(norm.text), False, True)
    return _Group((), 0, len(norm.text), False, True)


def _original_range(norm: Normalised, group: _Group) -> tuple[int, int]:
    start = 0 if group.start == 0 else norm.span(group.start, group.start + 1)[0]
    end = (len(norm.original) if group.end >= len(norm.text)
           else norm.span(group.end, group.end + 1)[0])
    return start, end


def _report(norm: Normalised, group: _Group, dates: list[DateMention], now: datetime,
            children: list[who.Child], calendar: SchoolCalendar) -> ParsedReport:
    # The first group also reads the greeting before any name ("Morning, both have...").
    text = _text_of(norm, group)
    start, end = _original_range(norm, group)
    mine = [m for m in dates if start <= m.span[0] < end]
    times = signals.clock_times(text)
    hits = reason_hits(text, times, who.name_words(children))
    first_look = choose_reason(hits, part_day=True).reason
    appointment = first_look == "medical"
    strong = first_look in {"medical", "religious", "exceptional"}
    asks = "?" in norm.original[start:end]
    callback = any(h.label == "callback" for h in find_flags(text))
    kind, kind_sure = _kind(text, appointment, times, strong, asks, callback)
    if kind == "leave_request" and first_look in {"medical", "illness"}:
        kind = "absence"  # taking a child to an appointment needs no leave from the head
    part = _part(kind, text, times)
    reason = choose_reason(hits, part_day=part in {"am", "pm"})
    if kind == "absence" and part == "full" and not signals.ABSENT.search(text) and (
            reason.reason is None or _just_news(text, mine, now, calendar, callback)):
        kind, part = "other", None
    days = plan_days(norm, mine, now, calendar, kind=kind, part=part)
    report = _assemble(norm, group, children, kind, kind_sure, part, reason, days)
    cues = {"kind": _cue_span(norm, group, KIND_CUES.get(kind, ())),
            "part": _cue_span(norm, group, PART_CUES.get(part or "", ()))}
    return replace(report, evidence=report.evidence | cues)


KIND_CUES = {"absence": (signals.ABSENT, signals.IN_AFTER, signals.PM_AWAY),
             "late": (signals.LATE, signals.ARRIVING_AT), "leave_request": (signals.REQUEST,),
             "other": (signals.PRESENT,)}
PART_CUES = {"am": (signals.IN_AFTER, signals.LATE, signals.ARRIVING_AT),
             "pm": (signals.PM_AWAY, signals.AFTERNOON)}


def _cue_span(norm: Normalised, group: _Group, cues: tuple[re.Pattern[str], ...]
              ) -> tuple[Span, ...]:
    """The words that told the kind or part of the day, for staff to see."""
    text = norm.text[group.start:group.end]
    for cue in cues:
        match = cue.search(text)
        if match:
            return (norm.span(group.start + match.start(), group.start + match.end()),)
    return ()


def _just_news(text: str, dates: list[DateMention], now: datetime,
               calendar: SchoolCalendar, callback: bool) -> bool:
    """An illness mentioned with no absence in it: asking for a call about it, or news in the
    holidays ("chickenpox now, lucky it's the holidays")."""
    if signals.IN_AFTER.search(text) or signals.PM_AWAY.search(text):
        return False
    if callback or signals.AFTER_SCHOOL.search(text):
        return True  # "very upset after school today... can his teacher call me"
    return not dates and not calendar.is_school_day(now.date())


def _text_of(norm: Normalised, group: _Group) -> str:
    """The group's stretch of normalised text, with clauses about other children blanked."""
    text = norm.text
    for start, end in group.quiet:
        text = text[:start] + " " * (end - start) + text[end:]
    return text[group.start:group.end]


def _kind(text: str, appointment: bool, times: list[signals.ClockTime],
          strong_reason: bool, asks: bool, callback: bool) -> tuple[str, bool]:
    text = OTHERS_IN.sub(" ", text)  # "the others are in" is not news of this child
    absent = _absent(text)
    late = signals.LATE.search(text) is not None
    # "will be in at 9.20": arriving soon after the register opens is being late.
    arriving_late = not appointment and signals.ARRIVING_AT.search(text) is not None and any(
        8 * 60 + 30 <= t.minutes < 10 * 60 for t in times)
    if signals.ABOUT_THE_REGISTER.search(text) and not absent and (asks or callback):
        return "other", True  # "why was he marked absent on Friday?"
    if signals.REQUEST.search(text):
        return "leave_request", True
    if signals.PRESENT.search(text) and not absent:
        return "other", True
    if signals.PM_AWAY.search(text) and _afternoon(text, times):
        return "absence", True
    if (arriving_late and not absent) or (
            late and not absent and not appointment and not _in_after(text)):
        return "late", True
    if absent or late or signals.IN_AFTER.search(text):
        return "absence", absent
    if (asks or signals.THANKS.search(SIGN_OFF.sub("", text))) and not strong_reason:
        return "other", False  # a question or thanks that mentions an illness is not a report
    return "absence", False


OTHERS_IN = re.compile(r"\b(?:the )?(?:others?|rest|other \w+|everyone else|(?:his|her|their) "
                       r"(?:brother|sister|siblings?)) (?:is|are|will be|'s|'re) in\b[^.,]*")
# "... Thank you", "Thanks x": a sign-off, not a message of thanks.
SIGN_OFF = re.compile(r"(?:(?:many |thanks? ?(?:a lot|so much|very much)?|thank you(?: (?:so|very)"
                      r" much)?|thankyou|cheers|thanks again)[ .,!x]*(?:\w+[ .!x]*)?)$")
# Away only this morning: "keep him home this morning, I'll bring him in after lunch".
MORNING_ONLY = re.compile(r"^ ?(?:this|for the|in the) morning\b")
ARRIVAL_TIME = re.compile(r"\b(?:be )?in (?:by|about|around|at|for) \d")


def _absent(text: str) -> bool:
    """Absent for the day: an absence phrase that is not limited to this morning."""
    return any(not MORNING_ONLY.match(text[m.end():m.end() + 20])
               for m in signals.ABSENT.finditer(text))


def _in_after(text: str) -> bool:
    """In after something (an appointment), not only 'in by 9.15' said of a late arrival."""
    return any(not ARRIVAL_TIME.match(m.group()) for m in signals.IN_AFTER.finditer(text))


def _afternoon(text: str, times: list[signals.ClockTime]) -> bool:
    """Leaving during the day: a time after 11:00, lunch or the afternoon, or right now."""
    return bool(signals.AFTERNOON.search(text) or signals.LEAVING_NOW.search(text) or any(
        11 * 60 <= t.minutes < 15 * 60 for t in times))


def _part(kind: str, text: str, times: list[signals.ClockTime]) -> str | None:
    if kind == "other":
        return None
    if kind == "late":
        return "am"
    if signals.PM_AWAY.search(text) and _afternoon(text, times) and not _absent(text):
        return "pm"
    if kind == "leave_request":
        return "full"
    if (signals.IN_AFTER.search(text) or signals.LATE.search(text)) and not _absent(text):
        return "am"  # in after an appointment, or late because of one
    return "full"


def _assemble(norm: Normalised, group: _Group, children: list[who.Child], kind: str,
              kind_sure: bool, part: str | None, reason: ReasonFinding,
              days: DayPlan) -> ParsedReport:
    is_other = kind == "other"
    why = "late" if kind == "late" else (None if is_other else reason.reason)
    ask = []
    if not group.children and len(children) > 1 and not group.named and not is_other \
            and not who.mentions_unlinked_child(norm):
        ask.append("pupil")
    if why is None and kind in {"absence", "leave_request"}:
        ask.append("reason")
    if kind == "absence" and part == "full" and days.return_day is None and not days.one_day:
        ask.append("return")
    confidence = {
        "kind": 0.9 if kind_sure else 0.6,
        "pupils": (0.95 if group.exact else 0.8) if group.named else (
            0.7 if group.children else 0.3),
        "reason": 0.5 if why is None else (0.9 if reason.exact else 0.75),
        "first_day": days.first_confidence, "return": days.return_confidence,
        "part": 0.8,
    }
    evidence = {"pupils": tuple(norm.span(a, b) for a, b in group.names),
                "reason": tuple(norm.span(h.start, h.end) for h in reason.hits),
                "first_day": days.first_evidence, "return": days.return_evidence}
    kids = group.children
    if is_other and not group.named and len(children) > 1:
        kids = ()  # "what time do the children finish?" is not about one of them
    return ParsedReport(
        kind=kind, pupils=tuple(children[i].full_name for i in kids),
        pupil_indexes=kids, reason=why,
        code=None if is_other else REASON_CODES[why],
        first_day=None if is_other else days.first_day,
        return_day=None if is_other or part != "full" else days.return_day,
        part=part, ask=tuple(ask), confidence=confidence, evidence=evidence)

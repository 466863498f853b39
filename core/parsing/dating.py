"""From the dates a parent wrote to the first school day missed and the day back.

Each date in the message plays a role: a day off ("won't be in tomorrow"), the day back
("back Weds", "off till Thursday"), or neither ("I'll let you know about tomorrow", "sick
since yesterday"). School days come from the calendar: a return on a weekend or INSET day
moves to the next school day.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from core.calendar import NoSchoolDay, SchoolCalendar
from core.dates import DateMention
from core.parsing.reasons import REASONS
from core.parsing.signals import ABSENT, IN_AFTER, JUST_THE_DAY, LATE, PM_AWAY, REQUEST, TRAVEL
from core.parsing.text import Normalised

Span = tuple[int, int]
AFTER_SCHOOL = time(16, 0)  # "won't be in" sent later than this means the next school day

_IGNORE_BEFORE = re.compile(
    r"\b(?:let you know|tell you|update you|keep you (?:posted|updated|informed)|"
    r"see how (?:he|she|they|it) (?:is|are|goes)|call|ring|phone|contact you|message you|"
    r"text you|get back to you|update|"
    r"since|was|were|about|we'll see(?! you)|see(?! you))(?: \w+){0,3} $|\babout $|\bnot $")
_RETURN_BEFORE = re.compile(
    r"(?<![\w'])(?:back|return|returning|returns|be in|will be in|be back|come back|"
    r"coming back|come in|in school|come|comes|coming|see you|see her|see him|see them|hoping|"
    r"hopefully|hope|fit for|ready for|fine for|ok for|okay for|better for|be at school|"
    r"be fine|be better|be okay|be ok|be well enough|aiming for|hoping for|planning for|"
    r"fingers crossed for|crossed for|maybe|probably|possibly|perhaps|"
    r"bring (?:him|her|them) (?:in|back)|send (?:him|her|them) (?:in|back)|"
    r"go back|going back|start|starting|resume|resuming|in|until|before)"
    r"(?: to school| school| in| on| from| by| for| again| the)* $")
_NEGATED = re.compile(r"\b(?:won't|not|can't|isn't|unable to|no|neither|nor|aren't|none of "
                      r"\w+) (?:[\w']+ ){0,5}$")
# Parents learning English often put the day first: "Tomorrow she come", "Monday he is back".
_RETURN_AFTER = re.compile(
    r"^(?:, )?(?:i think |i hope |hopefully |maybe )?(?:(?:he|she|they|we|it|\w+) )?"
    r"(?:will |should |is |are |'ll |can )?"
    r"(?:maybe |hopefully |probably )?(?:come|comes|coming|be back|back|return|returns|"
    r"be in|in school|hopefully|probably|resume|yes|better|be better|fine|be fine|ok|okay|"
    r"be ok|be okay|be alright|be well)\b"
    # ...but "off on Tuesday, back on Wednesday": that "back" belongs to the next date.
    r"(?! (?:on|by|the|next|this|after|in|at)\b| \w+day\b)")
# A full stop after "sorry" ends an apology ("won't be in, sorry. Back tomorrow"), so only a
# comma may come between the cue and the corrected day.
_CORRECTION = re.compile(r"(?:\bsorry|\bi mean|\bi meant|\bno|\bor rather|\bactually)"
                         r"(?: ,)?(?: \w+)? $")
# "off till Thursday" is a return; "no money till Friday" is not about school at all.
_UNTIL_OFF = re.compile(r"\b(?:off|home|in|out|back|absent|come|coming|stay|stays|staying|"
                        r"keep|keeping|kept|school|see (?:her|him|them))\b(?: [\w']+){0,4} $")
_STRONG_RETURN = re.compile(r"\b(?:back|return|returning)(?: [\w']+){0,4} $")
_FOR_DURATION = re.compile(r"\b(?:for|off for|home for) (a couple of|a|one|two|three|four|five|"
                           r"2|3|4|5) (days?|weeks?)\b")
_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4,
            "5": 5, "a couple of": 2}
# "off today and probably Monday too": a second day off, not the day back.
_ALSO_OFF = re.compile(r"^(?:too|as well|also)\b")
# "her tics have been really bad this week": how things have been, not days off.
_PAST = re.compile(r"\b(?:been|was|were|had)(?: [\w']+){0,3} $")
_TODAY = re.compile(r"^(?:today|tonight|this evening)$", re.IGNORECASE)
_VAGUE_RANGE = re.compile(r"\bweek(?:end)?\b", re.IGNORECASE)
_NOT_A_SCHOOL_DAY = re.compile(r"^(?:tonight|this evening|last night)$", re.IGNORECASE)
_WEEKDAY = re.compile(r"\b(?:mon|tue|wed|thu|fri|sat|sun)", re.IGNORECASE)


ABSENCE_CUES = (ABSENT, IN_AFTER, LATE, PM_AWAY, REQUEST, JUST_THE_DAY, TRAVEL,
                REASONS.pattern)


@dataclass(frozen=True)
class DayPlan:
    first_day: date | None
    return_day: date | None
    one_day: bool  # "just today": the return is the next school day, nothing to ask
    first_confidence: float
    return_confidence: float
    first_evidence: tuple[Span, ...]
    return_evidence: tuple[Span, ...]


def _after(norm: Normalised, offset: int) -> str:
    """The normalised text just after an original-text offset, sentence breaks included."""
    index = bisect_left(norm.original_starts, offset)  # the first word after the offset
    if index == 0:
        return norm.text[:80]
    last = index - 1  # the date's own last word
    position = norm.word_starts[last] + len(norm.words[last].norm)
    return norm.text[position:position + 80].lstrip()


def _before(norm: Normalised, offset: int) -> str:
    """The normalised text just before an original-text offset."""
    index = bisect_left(norm.original_starts, offset)
    position = norm.word_starts[index] if index < len(norm.words) else len(norm.text)
    return norm.text[max(0, position - 48):position]


def _role(norm: Normalised, mention: DateMention, today: date) -> str:
    before = _before(norm, mention.span[0])
    if mention.end < today or _IGNORE_BEFORE.search(before) \
            or _NOT_A_SCHOOL_DAY.match(mention.text.strip()):
        return "ignore"
    if _ALSO_OFF.match(_after(norm, mention.span[1])):
        return "off" if _about_absence(norm, mention, before) else "ignore"
    cue = _RETURN_BEFORE.search(before) or _STRONG_RETURN.search(before)
    if (mention.cue == "until" and _UNTIL_OFF.search(before.split(" . ")[-1])) or (cue and (
            cue.group().startswith(("back", "return")) or not _NEGATED.search(before))):
        return "return"
    if _RETURN_AFTER.match(_after(norm, mention.span[1])) and not _NEGATED.search(before):
        return "return"
    if _PAST.search(before) or not _about_absence(norm, mention, before):
        return "ignore"  # "staying with us this week", "our flight back is on the 6th"
    return "off"


def _has_weekday(mention: DateMention) -> bool:
    """Monday to Friday somewhere in it: "Monday or Tuesday" counts even if Monday is INSET."""
    return (mention.end - mention.start).days >= 2 or any(
        d.weekday() < 5 for d in (mention.start, mention.end))


def _has_school_day(calendar: SchoolCalendar, mention: DateMention) -> bool:
    day = mention.start
    while day <= mention.end:
        if calendar.is_school_day(day):
            return True
        day += timedelta(days=1)
    return False


def _corrected(roles: list[tuple[DateMention, str]], norm: Normalised
               ) -> list[tuple[DateMention, str]]:
    """"back Tuesday, sorry I mean Wednesday": the second date takes the first one's place."""
    result: list[tuple[DateMention, str]] = []
    for mention, role in roles:
        if result and _CORRECTION.search(_before(norm, mention.span[0])):
            _, previous_role = result.pop()
            role = previous_role if previous_role != "ignore" else role
        result.append((mention, role))
    return result


def _about_absence(norm: Normalised, mention: DateMention, before: str) -> bool:
    """A day off is a date next to words of absence; a range must sit right by them."""
    after = _after(norm, mention.span[1])
    vague = mention.is_range and _VAGUE_RANGE.search(mention.text)
    reach_before, reach_after = (40, 12) if vague else (70, 50)
    window = (before.split(" . ")[-1][-reach_before:].rstrip() + " " + mention.text.lower()
              + " " + after.split(" . ")[0][:reach_after].lstrip())
    return any(cue.search(window) for cue in ABSENCE_CUES)


def plan_days(norm: Normalised, mentions: list[DateMention], now: datetime,
              calendar: SchoolCalendar, *, kind: str, part: str | None) -> DayPlan:
    """First day and return for one group's stretch of the message."""
    today = now.date()
    roles = _corrected([(m, _role(norm, m, today)) for m in mentions], norm)
    # A day off that holds no school day ("in bed all weekend") says nothing about school.
    said_off = [m for m, role in roles if role == "off" and _has_weekday(m)]
    off = [m for m in said_off if _has_school_day(calendar, m)]
    back = [m for m, role in roles if role == "return"]
    try:
        first = _first_day(off, now, calendar, kind)
        # "the last day" of term runs to the holidays: the day back is the next term's first.
        # "today" said in the holidays is not a day off school ("positive today, won't be
        # in on Monday"): it does not make the absence several days long.
        counted = [m for m in said_off if calendar.is_school_day(today)
                   or not _TODAY.match(m.text.strip())]
        several = len(counted) > 1 or any(m.is_range or "last day" in m.text.lower()
                                           for m in off)
        return_day, derived = _return_day(norm, off, back, first, calendar, kind, part,
                                          several)
    except NoSchoolDay:
        return DayPlan(None, None, False, 0.3, 0.3, (), ())
    one_day = bool(JUST_THE_DAY.search(norm.text)) and return_day is not None
    return DayPlan(
        first_day=first, return_day=return_day, one_day=one_day,
        first_confidence=0.9 if off else 0.75,
        return_confidence=0.5 if return_day is None else (0.7 if derived else 0.85),
        first_evidence=tuple(m.span for m in off[:1]),
        return_evidence=tuple(m.span for m in back[-1:]) if back else tuple(
            m.span for m in off[-1:] if return_day is not None))


def _first_day(off: list[DateMention], now: datetime, calendar: SchoolCalendar,
               kind: str) -> date:
    today = now.date()
    if off:  # "this week" said on a Thursday starts today, not on Monday
        return calendar.school_day_on_or_after(max(today, min(m.start for m in off)))
    if calendar.is_school_day(today) and (kind != "absence" or now.time() < AFTER_SCHOOL):
        return today
    return calendar.next_school_day(today)


def _return_day(norm: Normalised, off: list[DateMention], back: list[DateMention],
                first: date, calendar: SchoolCalendar, kind: str, part: str | None,
                several: bool) -> tuple[date | None, bool]:
    """The day back, and whether it was worked out rather than said."""
    if kind not in {"absence", "leave_request"} or part != "full":
        return None, False
    if back:
        said = back[-1].start
        day = calendar.school_day_on_or_after(said)
        while day <= first and _WEEKDAY.search(back[-1].text) and said < first + timedelta(30):
            # "off Friday 14th, back on Monday": the Monday after the days off
            said += timedelta(days=7)
            day = calendar.school_day_on_or_after(said)
        return (day, False) if day > first else (None, False)
    last = max((m.end for m in off), default=None)
    if last is not None and (several or kind == "leave_request"
                             or JUST_THE_DAY.search(norm.text)):
        return calendar.next_school_day(max(last, first)), True
    if JUST_THE_DAY.search(norm.text):
        return calendar.next_school_day(first), True
    lasting = _FOR_DURATION.search(norm.text)
    if lasting:  # "she will stay at home for a week": five school days from the first
        per = 5 if lasting.group(2).startswith("week") else 1
        count = _NUMBERS.get(lasting.group(1), 1) * per
        return calendar.add_school_days(first, count), True
    return None, False

"""Find the dates in a parent's message and resolve them to calendar days.

`find_dates` reads "back weds", "Monday week", "the 3rd", "13-15 July" or "next week" as days,
relative to when the message was sent. It is a small grammar over the canonical tokens of
`core.date_words`: each `_Grammar` method matches one kind of expression, and at each place in
the text the longest match wins. A number is a day only with a date context (an ordinal
suffix, a month, "the", a slash, "on"), so clock times ("at 9", "9.40", "10:30") are left
alone. Where English leaves a choice ("next Friday" said on a Thursday), the "Conventions"
section decides, once.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import wraps
from typing import TYPE_CHECKING, TypeVar, cast

from core.date_words import (
    AFTER_PLAIN_DAY,
    CLAUSE_ENDS,
    CUE_FILLERS,
    CUES,
    CURRENCY,
    FUTURE_CUES,
    MONTHS,
    NEGATIONS,
    NUMBER_NOUNS,
    PAST_CUES,
    POSSESSIVES,
    RANGE_LINKS,
    RELATIVE_MONTH,
    UNITS,
    WEAK_CUES,
    WEEKDAY_LEADS,
    WEEKDAYS,
    Token,
    tokenize,
)

if TYPE_CHECKING:  # core.calendar pulls in pydantic: too slow to import for every message
    from core.calendar import SchoolCalendar

ONE_DAY = timedelta(days=1)
T = TypeVar("T")


@dataclass(frozen=True)
class DateMention:
    start: date  # first day
    end: date  # last day, inclusive; == start for one day
    span: tuple[int, int]  # character offsets of the expression in the original text
    text: str  # text[span[0]:span[1]]
    is_range: bool
    cue: str | None  # the role word just before it: "until", "from", "back", "on", "by", ...


def find_dates(text: str, now: date | datetime, *,
               calendar: SchoolCalendar | None = None) -> list[DateMention]:
    """Every date expression in the text, in order of appearance, none overlapping."""
    today = now.date() if isinstance(now, datetime) else now
    return _Grammar(text, today, calendar).mentions()


def resolve_first(text: str, now: date | datetime, *,
                  calendar: SchoolCalendar | None = None) -> DateMention | None:
    """The first date expression in the text, or None."""
    found = find_dates(text, now, calendar=calendar)
    return found[0] if found else None


# --- Conventions --------------------------------------------------------------------------
# English leaves these choices open. They follow the two benchmark sources (Duckling and
# Recognizers-Text, /work/shared/data/PEER_DATES.md) where those agree; where they disagree,
# the reading a UK parent means. A week runs Monday to Sunday. Said on Tuesday 12 Feb 2013:
#   "Friday", "coming Friday"        15 Feb  the first one strictly after today (not RT's today)
#   "this Friday"                    15 Feb  the first one on or after today
#   "next Wednesday"                 20 Feb  that day of next week (both sources)
#   "last Tuesday"                    5 Feb  that day of last week (both sources)
#   "past Sunday", "since Sunday"    10 Feb  the most recent one before today
#   "Wednesday after next", "Wednesday week", "a week on Wednesday"   20 Feb
#   "Thu 15th"                       15 Aug  this month's if the weekday fits, else the next
#   "Sunday, Feb 10"           10 Feb 2013  last year's when only last year's fits the weekday
#   "the 3rd", "3 March", "15/2"             the next one on or after today; "15/2" is day/month
#   "next 3 days", "next 2 weeks"            from tomorrow (Duckling starts weeks next Monday)
#   "last 2 weeks"                           the two whole weeks before this one
#   "rest of the week"                       today to Sunday; said at a weekend, the week ahead
#   "2 weeks starting May 20th" said in November: next May (RT expects the May just gone)

def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _bare_weekday(today: date, weekday: int) -> date:
    """"back Monday", "coming Thursday": the first one strictly after today. Duckling; RT says
    today on a Monday, but a parent writing "back Monday" on a Monday means next week."""
    return _on_or_after(today + ONE_DAY, weekday)


def _this_weekday(today: date, weekday: int) -> date:
    """"this Friday": the first one on or after today (both sources)."""
    return _on_or_after(today, weekday)


def _next_weekday(today: date, weekday: int) -> date:
    """"next Friday": Friday of next week, even said on a Thursday (both sources)."""
    return _monday(today) + timedelta(days=7 + weekday)


def _last_weekday(today: date, weekday: int) -> date:
    """"last Wednesday": Wednesday of last week, even said on a Thursday (both sources)."""
    return _monday(today) + timedelta(days=weekday - 7)


def _past_weekday(today: date, weekday: int) -> date:
    """"this past Wednesday", "since Saturday": the most recent one before today (RT)."""
    return _on_or_after(today - timedelta(days=7), weekday)


def _second_weekday(today: date, weekday: int) -> date:
    """"Friday after next" (Duckling), UK "Monday week" and "a week on Tuesday": a week after
    the coming one."""
    return _bare_weekday(today, weekday) + timedelta(days=7)


WEEKDAY_MODIFIERS: dict[str, Callable[[date, int], date]] = {
    "this": _this_weekday, "coming": _bare_weekday, "upcoming": _bare_weekday,
    "next": _next_weekday, "following": _next_weekday, "last": _last_weekday,
    "previous": _last_weekday, "past": _past_weekday,
}
WEEK_SHIFTS = {"this": 0, "current": 0, "next": 1, "following": 1, "coming": 1, "upcoming": 1,
               "last": -1, "past": -1, "previous": -1}


def _days_ahead(today: date, days: int) -> tuple[date, date]:
    """"next 3 days" runs from tomorrow (both sources). So do "next 2 weeks" and "next
    fortnight": Duckling would start whole weeks next Monday and RT a fortnight the Monday
    after, but a parent "off for the next two weeks" means from now (RT's "the 3 next
    weeks")."""
    return today + ONE_DAY, today + timedelta(days=days)


def _weeks_behind(today: date, count: int) -> tuple[date, date]:
    """"last 2 weeks", "past 3 weeks": the whole weeks before this one (both sources)."""
    return _monday(today) - timedelta(days=7 * count), _monday(today) - ONE_DAY


def _weekend(today: date, shift: int) -> tuple[date, date]:
    """"this weekend": this week's Saturday and Sunday (the current one at a weekend)."""
    saturday = _monday(today) + timedelta(days=5 + 7 * shift)
    return saturday, saturday + ONE_DAY


def _rest_of_week(today: date) -> tuple[date, date]:
    """"rest of the week": today to Sunday (RT; Duckling stops on Saturday). Said at the
    weekend it is the week ahead: a parent on Sunday evening means the school week."""
    if today.weekday() >= 5:
        return _monday(today) + timedelta(days=7), _monday(today) + timedelta(days=13)
    return today, _monday(today) + timedelta(days=6)


def _week_of_month(year: int, month: int, nth: int) -> date | None:
    """Monday of "the first/last week of October": week 1 holds the month's first Thursday
    (RT), the last week its last Thursday."""
    if nth < 0:
        last = date(year, month, monthrange(year, month)[1])
        return _monday(last - timedelta(days=(last.weekday() - 3) % 7))
    monday = _monday(_on_or_after(date(year, month, 1), 3)) + timedelta(days=7 * (nth - 1))
    return monday if (monday + timedelta(days=3)).month == month else None


def _day_with_weekday(day: int, weekday: int, today: date) -> date | None:
    """"Thursday the 21st", "Mon 13th": this month's when its weekday fits, past or not (RT
    "I went back Thursday the 21st"), else the next month whose day falls on that weekday
    (Duckling "Thu 15th" said in February is 15 August)."""
    here = _safe_date(today.year, today.month, day)
    if here is not None and here.weekday() == weekday:
        return here
    return _next_day_of_month(day, today, weekday)


def _month_day_year(month: int, day: int, weekday: int | None, anchor: date) -> date | None:
    """"Feb 10": the next one on or after today; but when a weekday is written that only
    last year's fits ("Sunday, Feb 10" said on 12 Feb 2013), last year's (Duckling)."""
    future = next((d for year in range(anchor.year, anchor.year + 9)
                   if (d := _safe_date(year, month, day)) is not None and d >= anchor), None)
    if weekday is None or future is None or future.weekday() == weekday:
        return future
    past = _safe_date(future.year - 1, month, day)
    return past if past is not None and past.weekday() == weekday else future


# --- Calendar arithmetic ------------------------------------------------------------------

def _safe_date(year: int, month: int, day: int) -> date | None:
    if not (1 <= month <= 12 and 1 <= year <= 9998) or not 1 <= day <= monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _add_months(day: date, months: int) -> date:
    year, index = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, index + 1, min(day.day, monthrange(year, index + 1)[1]))


def _shift(day: date, days: int, months: int, sign: int) -> date:
    return _add_months(day, sign * months) + timedelta(days=sign * days)


def _next_day_of_month(day: int, anchor: date, weekday: int | None = None) -> date | None:
    """The first `day` of a month on or after `anchor` (falling on `weekday`, if given)."""
    for ahead in range(60):  # five years: every day-and-weekday pair comes round in that
        first = _add_months(anchor.replace(day=1), ahead)
        found = _safe_date(first.year, first.month, day)
        if found and found >= anchor and weekday in (None, found.weekday()):
            return found
    return None


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """"the second Monday of March" (nth=2), "the last Friday in October" (nth=-1)."""
    if nth < 0:
        last = date(year, month, monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    found = _on_or_after(date(year, month, 1), weekday) + timedelta(days=7 * (nth - 1))
    return found if found.month == month else None


def _after_half_term(calendar: SchoolCalendar, today: date) -> date | None:
    """The first school day after the break that is on now or comes next."""
    for term in sorted(calendar.spec.terms, key=lambda t: t.start):
        for item in sorted(term.breaks, key=lambda b: b.start):
            if item.end >= today:
                return calendar.school_day_on_or_after(item.end + ONE_DAY)
    return None


# --- Days as written, and how they resolve ------------------------------------------------

@dataclass(frozen=True)
class _Ref:
    """A day as written, perhaps incomplete: "the 3rd" lacks its month, "Friday" its day."""

    day: int | None = None
    month: int | None = None
    year: int | None = None
    weekday: int | None = None
    fixed: date | None = None  # already a calendar day ("tomorrow", "next Friday")
    past: bool = False  # a lone weekday after a past cue ("since Saturday")
    plain: bool = False  # a number with no date context of its own ("13" in "13-15 July")
    follows: bool = False  # "the Friday": the first after the date before it in the text


def _resolve(ref: _Ref, today: date, after: date | None = None) -> date | None:
    """The day `ref` means said on `today`; a range's second end falls on or after `after`."""
    if ref.fixed is not None:
        return ref.fixed
    if ref.day is None:
        if ref.weekday is None:
            return None
        if after is not None:
            return _on_or_after(after, ref.weekday)
        return (_past_weekday if ref.past else _bare_weekday)(today, ref.weekday)
    if ref.month is None:
        if ref.weekday is not None and after is None:
            return _day_with_weekday(ref.day, ref.weekday, today)
        return _next_day_of_month(ref.day, after or today, ref.weekday)
    if ref.year is not None:
        return _safe_date(ref.year, ref.month, ref.day)
    return _month_day_year(ref.month, ref.day, None if after else ref.weekday, after or today)


Found = tuple[_Ref, int]  # a day and the index of the token after it
Period = tuple[date, date, int]  # first and last day and the index of the token after them
Match = TypeVar("Match", Found, Period)


def _day(day: date | None, end: int) -> Found | None:
    """A rule's answer, or None when the day does not exist (a fifth Monday, 31 April)."""
    return (_Ref(fixed=day), end) if day is not None else None


def _longest(found: Iterable[Match | None]) -> Match | None:
    """The match that reaches furthest; the first of equals."""
    best = None
    for item in found:
        if item is not None and (best is None or item[-1] > best[-1]):
            best = item
    return best


def _memoised(method: Callable[..., T]) -> Callable[..., T]:
    """Remember a rule's answer at each token, so nested rules stay linear in the text."""
    @wraps(method)
    def wrapper(self: _Grammar, *args: object) -> T:
        key = (method.__name__, *args)
        if key not in self.memo:
            self.memo[key] = method(self, *args)
        return cast(T, self.memo[key])
    return wrapper


STARTERS = set(WEEKDAYS) | set(MONTHS) | {
    "today", "tonight", "tomorrow", "yesterday", "the", "a", "an", "in", "next", "last",
    "this", "past", "previous", "coming", "upcoming", "following", "current", "from",
    "between", "for", "all", "whole", "rest", "remainder", "remaining", "w", "after", "new",
    "week", "weekend", "day", "fortnight",
}
DAY_WORDS = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}
MIN_YEAR, MAX_YEAR = 1900, 2199  # a written year outside these is not a date's year
TIME_CUES = {"at", "about", "around", "approx", "by", "from", "until", "after", "before"}


class _Grammar:
    """The rules: each method matches one kind of expression starting at token `i`."""

    def __init__(self, text: str, today: date, calendar: SchoolCalendar | None) -> None:
        self.text, self.today, self.calendar = text, today, calendar
        self.toks = tokenize(text)
        self.norms = [token.norm for token in self.toks]
        self.words = sum(token.kind != "mark" for token in self.toks)
        self.memo: dict[tuple[object, ...], object] = {}

    def mentions(self) -> list[DateMention]:
        found: list[DateMention] = []
        i = 0
        while i < len(self.toks):
            hit = self.expression(i, found[-1].end if found else None)
            if hit is None:
                i += 1
                continue
            start, last, end, is_range = hit
            span = (self.toks[i].start, self.toks[end - 1].end)
            found.append(DateMention(start, last, span, self.text[span[0]:span[1]], is_range,
                                     self.cue(i)))
            i = end
        return found

    def expression(self, i: int, previous: date | None) -> tuple[date, date, int, bool] | None:
        """The longest expression at `i`, a run of days or one day. `previous` is the last day
        of the expression before: "leave on Thursday 17th ... back on the Friday"."""
        if not self._may_start(i):
            return None
        period = _longest([self.school_phrase(i), self.linked_range(i), self.lasting_range(i),
                           self.counted_span(i), self.week(i), self.weekend(i), self.rest_of(i)])
        point = self.point(i)
        day = _resolve(point[0], self.today) if point else None
        if point and point[0].follows and previous and point[0].weekday is not None:
            day = _on_or_after(previous + ONE_DAY, point[0].weekday)
        if period is not None and (day is None or period[2] >= point[1]):
            return (*period, period[0] != period[1])  # "after Christmas" is one day
        return (day, day, point[1], False) if day is not None else None

    # --- tokens ---

    def tok(self, i: int) -> Token | None:
        return self.toks[i] if 0 <= i < len(self.toks) else None

    def norm(self, i: int) -> str:
        return self.norms[i] if 0 <= i < len(self.norms) else ""

    def kind(self, i: int) -> str:
        return self.toks[i].kind if 0 <= i < len(self.toks) else ""

    def at(self, i: int, *words: str) -> bool:
        return self.norm(i) in words

    def opt(self, i: int, *words: str) -> int:
        """Step over an optional word."""
        return i + 1 if self.norm(i) in words else i

    def _plural(self, i: int) -> bool:
        return i < len(self.toks) and self.text[self.toks[i].end - 1] in "sS"

    def _may_start(self, i: int) -> bool:
        return self.kind(i) in ("num", "ord") or self.norm(i) in STARTERS

    def weekday(self, i: int) -> int | None:
        token = self.tok(i)
        if token is None or token.norm not in WEEKDAYS:
            return None
        if token.weak and not self._weekday_context(i):
            return None
        return WEEKDAYS[token.norm]

    def _weekday_context(self, i: int) -> bool:
        """"sat" and "sun" are weekdays after "on", "next"..., before a day, in a list of
        weekdays, or standing alone ("he sat", "in the sun" are not)."""
        before = self.norm(i - 1)
        if before in WEEKDAY_LEADS or self.kind(i + 1) in ("num", "ord"):
            return True
        if self.at(i + 1, "the") and self.kind(i + 2) == "ord":
            return True
        if before in ("and", "or", ",") and self.norm(i - 2) in WEEKDAYS:
            return True
        return self.words == 1

    def month(self, i: int) -> int | None:
        return MONTHS.get(self.norm(i)) if self.kind(i) == "word" else None

    def day_number(self, i: int) -> int | None:
        """A number or ordinal that can be a day of the month."""
        token = self.tok(i)
        if token is None or token.kind not in ("num", "ord") or token.digits > 2:
            return None
        return token.value if 1 <= token.value <= 31 else None

    def quantity(self, i: int) -> int | None:
        token = self.tok(i)
        if token is not None and token.norm in ("a", "an"):
            return 1
        if token is not None and token.kind == "num" and 1 <= token.value <= 400:
            return token.value
        return None

    def duration(self, i: int) -> tuple[int, int, int] | None:
        """"2 weeks", "a fortnight", "1 month and 21 days": (days, months, index after)."""
        days = months = 0
        end = None
        while (count := self.quantity(i)) is not None and self.norm(i + 1) in UNITS:
            unit = self.norm(i + 1)
            months += count * {"month": 1, "year": 12}.get(unit, 0)
            days += count * UNITS[unit]
            end = i + 2
            i = self.opt(self.opt(end, ","), "and")
        return (days, months, end) if end is not None else None

    def past_context(self, i: int) -> bool:
        """A past-tense word earlier in the clause: "since Saturday", "were you ... on Friday"."""
        for j in range(i - 1, max(i - 7, -1), -1):
            word = self.norm(j)
            if word in PAST_CUES:
                return True
            if word in CLAUSE_ENDS or word in FUTURE_CUES or word.endswith("'ll"):
                return False  # "he had d&v, back Monday"
        return False

    def cue(self, i: int) -> str | None:
        """The role word just before token `i`: "until" Friday, "back" Weds, "from" Monday."""
        if self.at(i - 1, "to"):
            return "until"  # "up to Friday", "off to Friday"
        weak: list[str | None] = []  # "be in on Monday": "in" says more than "on"
        for j in range(i - 1, max(i - 4, -1), -1):
            word = self.norm(j)
            if word in CUES:
                return self._unless_negated(CUES[word], j)
            if word in WEAK_CUES:
                weak.append(self._unless_negated(WEAK_CUES[word], j))
            elif word not in CUE_FILLERS:
                break
        return "back" if "back" in weak else next(iter(weak), None)

    def _unless_negated(self, cue: str, j: int) -> str | None:
        """"won't be in today" and "not back tomorrow" say no return."""
        if cue != "back":
            return cue
        for k in range(j - 1, max(j - 5, -1), -1):
            if self.norm(k) in CLAUSE_ENDS:
                break
            if self.norm(k) in NEGATIONS:
                return None
        return cue

    # --- guards: when a number is a day ---

    def _counted(self, i: int) -> bool:
        """A sum of money ("$12"), not a day."""
        return self.norm(i - 1) in CURRENCY

    def _possessed(self, i: int) -> bool:
        """"his 7th birthday", "Kacey's 16th": an ordinal that is not a date."""
        before = self.norm(i - 1)
        return before in POSSESSIVES or before.endswith("'s")

    def _is_time(self, i: int) -> bool:
        """A number followed by ":" or "." and more digits: "10:30", "9.40"."""
        mark, after = self.tok(i + 1), self.tok(i + 2)
        return (mark is not None and mark.norm in (":", ".") and after is not None
                and after.kind == "num" and mark.start == self.toks[i].end == after.start - 1)

    def _ends_day(self, i: int, *, plain: bool) -> bool:
        """Whether a day number may stop before token `i`: not "10 mins", "9.40", "the 2 kids",
        "the second one". A `plain` number ("the 24", "the first") takes only a few words after
        it, and "to" only when a day follows ("the first to know" is not a date)."""
        token = self.tok(i)
        if token is None or token.kind == "mark":
            return token is None or not (token.norm == "%" or self._is_time(i - 1))
        if token.norm in NUMBER_NOUNS or token.norm == "of":
            return False
        if not plain or token.kind != "word":
            return not plain
        if token.norm in RANGE_LINKS or token.norm == "and":
            return self._may_start(i + 1)
        return (token.norm in AFTER_PLAIN_DAY or token.norm in RELATIVE_MONTH
                or token.norm in WEEKDAYS or token.norm in MONTHS)

    # --- one day ---

    @_memoised
    def point(self, i: int) -> Found | None:
        """One day, however written."""
        return _longest([self.relative_day(i), self.offset(i), self.weekday_count(i),
                         self.weekday_week(i), self.modified_weekday(i), self.week_weekday(i),
                         self.offset_weekday(i), self.nth_weekday(i), self.day_ref(i)])

    def anchor(self, i: int) -> tuple[date, int] | None:
        """What an offset counts from: "now", "today", "next Friday", "January 12th"."""
        if self.at(i, "now"):
            return self.today, i + 1
        found = _longest([self.relative_day(i), self.modified_weekday(i),
                          self.week_weekday(i), self.nth_weekday(i), self.day_ref(i)])
        day = _resolve(found[0], self.today) if found else None
        return (day, found[1]) if day is not None else None

    def relative_day(self, i: int) -> Found | None:
        """"today", "tmrw", "the day after tomorrow", "the next day", "last night". Parts of
        today ("this morning") are times of day, which the message parser reads itself."""
        word = self.norm(i)
        if word in DAY_WORDS:
            if word == "tomorrow" and self.at(i + 1, "week"):  # UK "tomorrow week"
                return _day(self.today + timedelta(days=8), i + 2)
            return _day(self.today + timedelta(days=DAY_WORDS[word]), i + 1)
        if word == "last" and self.at(i + 1, "night"):
            return _day(self.today - ONE_DAY, i + 2)
        j = self.opt(i, "the")
        if self.at(j, "next", "following") and self.at(j + 1, "day"):
            return _day(self.today + ONE_DAY, j + 2)
        if self.at(j, "day") and self.at(j + 1, "after", "before") and \
                self.at(j + 2, "tomorrow", "yesterday"):
            days = (1 if self.at(j + 1, "after") else -1) + DAY_WORDS[self.norm(j + 2)]
            return _day(self.today + timedelta(days=days), j + 3)
        return None

    @_memoised
    def offset(self, i: int) -> Found | None:
        """"in 3 days", "2 weeks ago", "3 days after January 12th", "a week on Tuesday"."""
        start = self.opt(i, "in")
        found = self.duration(start)
        if found is None:
            return None
        days, months, j = found
        if self.at(j, "from", "after", "before") and (anchor := self.anchor(j + 1)):
            sign = -1 if self.at(j, "before") else 1
            return _day(_shift(anchor[0], days, months, sign), anchor[1])
        if start != i:
            return _day(_shift(self.today, days, months, 1), self.opt(j, "time"))
        if self.at(j, "ago", "earlier"):
            return _day(_shift(self.today, days, months, -1), j + 1)
        return self.week_on(days, months, j)

    def week_on(self, days: int, months: int, j: int) -> Found | None:
        """UK "a week today", "a week tomorrow", "a week on Tuesday", "two weeks Friday"."""
        if months or days % 7:
            return None
        if self.at(j, "today", "tomorrow"):
            base, end = self.today + timedelta(days=DAY_WORDS[self.norm(j)]), j + 1
        else:
            k = self.opt(j, "on")
            weekday = self.weekday(k)
            if weekday is None:
                return None
            base, end = _bare_weekday(self.today, weekday), k + 1
        return _day(base + timedelta(days=days), end)

    def weekday_count(self, i: int) -> Found | None:
        """"3 fridays from now", "2 thursdays ago"."""
        count, weekday, j = self.quantity(i), self.weekday(i + 1), i + 2
        if count is None or weekday is None:
            return None
        weeks = timedelta(days=7 * (count - 1))
        if self.at(j, "from") and self.at(j + 1, "now", "today"):
            return _day(_bare_weekday(self.today, weekday) + weeks, j + 2)
        if self.at(j, "ago", "back"):
            return _day(_past_weekday(self.today, weekday) - weeks, j + 1)
        return None

    def weekday_week(self, i: int) -> Found | None:
        """UK "Monday week", "mon wk" and "Friday after next": a week after the coming one."""
        weekday = self.weekday(i)
        if weekday is None:
            return None
        if self.at(i + 1, "week") and not self.at(i + 2, "of"):
            end = i + 2
        elif self.at(i + 1, "after") and self.at(i + 2, "next"):
            end = i + 3
        else:
            return None
        return _day(_second_weekday(self.today, weekday), end)

    def modified_weekday(self, i: int) -> Found | None:
        """"this Friday", "next Weds", "last Sunday", "this coming Monday", "past Wednesday"."""
        word, j = self.norm(i), i + 1
        if word == "this" and self.at(j, "coming", "upcoming", "past"):
            word, j = self.norm(j), j + 1
        rule, weekday = WEEKDAY_MODIFIERS.get(word), self.weekday(j)
        if rule is None or weekday is None:
            return None
        # "off Thursday 3rd, back the following Monday": the Monday after the 3rd.
        follows = word == "following" and self.at(i - 1, "the")
        return _Ref(fixed=rule(self.today, weekday), weekday=weekday, follows=follows), j + 1

    def week_weekday(self, i: int) -> Found | None:
        """A weekday in a named week: "Friday next week", "next week on Friday", "tuesday of
        last week", "last week's Sunday", "1st week of Oct. on Friday"."""
        week = self.week(i)
        if week is not None:
            j = self.opt(self.opt(self.opt(week[2], "."), "on", "-", ","), "the")
            weekday = self.weekday(j)
            if weekday is not None:
                return _day(week[0] + timedelta(days=weekday), j + 1)
        weekday = self.weekday(i)
        if weekday is None:
            return None
        week = self.week(self.opt(i + 1, "of", "from", "in", ",", "-"))
        if week is None:
            return None
        return _day(week[0] + timedelta(days=weekday), week[2])

    def offset_weekday(self, i: int) -> Found | None:
        """"Monday two weeks from now", "in 3 days on Friday": that weekday in that week."""
        weekday, found = self.weekday(i), self.offset(i + 1)
        if weekday is None or found is None:  # the weekday after: "in 3 days on Friday"
            found = self.offset(i)
            weekday = self.weekday(found[1] + 1) if found and self.at(found[1], "on") else None
            if found is None or weekday is None:
                return None
            found = found[0], found[1] + 2
        day = found[0].fixed
        return _day(_monday(day) + timedelta(days=weekday), found[1]) if day else None

    def nth_weekday(self, i: int) -> Found | None:
        """"the first Monday of March", "last Friday in October", "second Sunday"."""
        j = self.opt(i, "the")
        token = self.tok(j)
        nth = -1 if self.at(j, "last") else token.value if token and token.kind == "ord" else 0
        weekday = self.weekday(j + 1)
        if not (nth == -1 or 1 <= nth <= 5) or weekday is None:
            return None
        found = self.month_of(j + 3) if self.at(j + 2, "of", "in") else None
        if found is None and nth == -1:
            return None  # plain "last Friday" is a modified weekday
        year, month, end = found or (self.today.year, self.today.month, j + 2)
        return _day(_nth_weekday(year, month, weekday, nth), end)

    @_memoised
    def day_ref(self, i: int, loose: bool = False) -> Found | None:
        """A date, perhaps with its weekday: "Weds 25th", "3 March", "15/2", "the 3rd", "Fri"."""
        j = self.opt(i, "this")
        weekday = self.weekday(j)
        if weekday is None:
            return None if j > i else self.date_body(i, loose)
        body = self.date_body(self.opt(j + 1, ",", "-", "(", "."), True)
        if body is not None and not (body[0].plain and self._is_span_of_hours(body[1])):
            return replace(body[0], weekday=weekday, plain=False), body[1]
        if j > i:
            return None  # "this Friday" alone is a modified weekday
        week = self._shared_week(j + 1)  # "Thursday and Friday next week"
        if week is not None:
            return _day(week[0] + timedelta(days=weekday), j + 1)
        follows = self.at(i - 1, "the")
        return _Ref(weekday=weekday, past=self.past_context(i), follows=follows), j + 1

    def _shared_week(self, i: int) -> Period | None:
        """The week named after a list of weekdays: "Mon, Tues and Weds next week"."""
        j = i
        while self.at(j, ",", "and", "&", "or") and self.weekday(j + 1) is not None:
            j += 2
        return self.week(self.opt(j, "of", "in", ",")) if j > i else None

    def _is_span_of_hours(self, i: int) -> bool:
        """"Monday 9 to 10" is a time, not Monday the 9th."""
        return self.norm(i) in RANGE_LINKS and self.kind(i + 1) == "num"

    def date_body(self, i: int, loose: bool) -> Found | None:
        """A date without its weekday; `loose` lets a plain number be a day ("Monday 21")."""
        return _longest([self.numeric(i), self.day_month(i), self.month_day(i),
                         self.day_of_relative_month(i), self.lone_day(i, loose)])

    def lone_day(self, i: int, loose: bool) -> Found | None:
        """"the 3rd", "on 15", "24th"; a plain number only in a range or after a weekday."""
        the = self.at(i, "the")
        j = i + 1 if the else i
        token, day = self.tok(j), self.day_number(j)
        if token is None or day is None or self._counted(j):
            return None
        suffixed = token.kind == "ord" and token.digits > 0
        if not (the or suffixed or loose or (token.digits and self.at(i - 1, "on"))):
            return None
        if not self._ends_day(j + 1, plain=token.digits == 0 or token.kind == "num") or \
                self._is_time(j):
            return None
        if token.kind == "ord" and not the and self._possessed(j):
            return None
        return _Ref(day=day, plain=token.kind == "num" and not the), j + 1

    def numeric(self, i: int) -> Found | None:
        """UK day/month order: "15/2", "03/12" (3 December), "21/04/16", "1.12", "15 - 2"."""
        first, sep, second = self.tok(i), self.norm(i + 1), self.tok(i + 2)
        if first is None or second is None or sep not in ("/", "-", ".") or self._counted(i):
            return None
        if first.kind != "num" or second.kind != "num" or first.digits > 2 or second.digits > 2:
            return None
        year, end = self.numeric_year(i + 3, sep)
        if sep == "." and not self._dotted_date(i, second.digits == 2 or year is not None):
            return None
        found = _safe_date(year or 2000, second.value, first.value)
        if found is None or not self._ends_day(end, plain=False):
            return None
        return _Ref(day=first.value, month=second.value, year=year), end

    def _dotted_date(self, i: int, month_written_out: bool) -> bool:
        """"1.12" is 1 December, but "at 9.10" and "38.5" are a time and a temperature."""
        tokens = self.toks[i:i + 3]
        joined = tokens[0].end == tokens[1].start and tokens[1].end == tokens[2].start
        return joined and month_written_out and self.norm(i - 1) not in TIME_CUES

    def numeric_year(self, i: int, sep: str) -> tuple[int | None, int]:
        """The year of "21/04/16" or "10/10/2013": two digits are this century."""
        token = self.tok(i + 1)
        if not self.at(i, sep) or token is None or token.kind != "num":
            return None, i
        if token.digits == 2:
            return 2000 + token.value, i + 2
        return (token.value, i + 2) if MIN_YEAR <= token.value <= MAX_YEAR else (None, i)

    def year(self, i: int) -> tuple[int | None, int]:
        """An optional year after a date: ", 2016", " of 2020", " in 2020", " 2013"."""
        j = self.opt(self.opt(i, ",", "."), "of", "in")
        token = self.tok(j)
        if token is not None and token.kind == "num" and token.digits == 4 and \
                MIN_YEAR <= token.value <= MAX_YEAR:
            return token.value, j + 1
        return None, i

    def day_month(self, i: int) -> Found | None:
        """Day first: "3 March", "15th of February", "the first of march", "16. Nov. 2016",
        "third day of october"."""
        j = self.opt(i, "the")
        day = self.day_number(j)
        if day is None or self._counted(j):
            return None
        k = self.opt(self.opt(self.opt(j + 1, "."), "day"), "of")
        month = self.month(k)
        if month is None:
            return None
        year, end = self.year(k + 1)
        return _Ref(day=day, month=month, year=year), end

    def month_day(self, i: int) -> Found | None:
        """Month first: "March 3rd", "Oct. 2", "Nov/2", "february the 15th", "Jan first"."""
        month = self.month(i)
        if month is None:
            return None
        j = self.opt(self.opt(i + 1, ".", ",", "-", "/"), "the")
        day = self.day_number(j)
        year, end = self.year(j + 1)
        if day is None or self._is_time(j):
            return None
        if year is None and not self._ends_day(end, plain=False):
            return None  # "May 2 weeks"
        return _Ref(day=day, month=month, year=year), end

    def day_of_relative_month(self, i: int) -> Found | None:
        """"20th of next month", "the 15th day of next month", "20 of this month"."""
        j = self.opt(i, "the")
        day = self.day_number(j)
        found = self.relative_month(self.opt(self.opt(j + 1, "day"), "of", "in"))
        if day is None or found is None:
            return None
        year, month, end = found
        return _Ref(day=day, month=month, year=year), end

    def relative_month(self, i: int) -> tuple[int, int, int] | None:
        """"this month", "the next month", "previous month", "the month": (year, month, end)."""
        j = self.opt(i, "the")
        if j > i and self.at(j, "month"):  # "the first Monday of the month"
            shift, end = 0, j + 1
        elif (shift := RELATIVE_MONTH.get(self.norm(j))) is not None and self.at(j + 1, "month"):
            end = j + 2
        else:
            return None
        moved = _add_months(self.today.replace(day=1), shift)
        return moved.year, moved.month, end

    def month_of(self, i: int) -> tuple[int, int, int] | None:
        """A whole month: "this month", "next month", "October" (the next October, or this
        one), "March 2019"."""
        found = self.relative_month(i)
        month = self.month(i)
        if found is not None or month is None:
            return found
        year, end = self.year(i + 1)
        if year is None:
            year = self.today.year + (month < self.today.month)
        return year, month, end

    # --- runs of days ---

    @_memoised
    def week(self, i: int) -> Period | None:
        """A Monday-to-Sunday week: "this week", "the week after next", "w/c 4 Feb"."""
        return _longest([self.relative_week(i), self.week_of(i), self.month_week(i)])

    def relative_week(self, i: int) -> Period | None:
        """"this week", "next week", "this coming week", "all week", "the week after next",
        "this working week" (Monday to Friday)."""
        j = self.opt(i, "the")
        if self.at(j, "this") and self.at(j + 1, "coming", "upcoming"):
            j += 1
        if self.at(j, "week") and self.at(j + 1, "after", "before") and \
                self.at(j + 2, "next", "last"):
            monday = _monday(self.today) + timedelta(days=14 if self.at(j + 1, "after") else -14)
            return monday, monday + timedelta(days=6), j + 3
        whole = self.at(j, "all", "whole")  # "all week": this week
        j = self.opt(j, "all", "whole")
        shift = WEEK_SHIFTS.get(self.norm(j), 0 if whole else None)
        j = self.opt(j, *WEEK_SHIFTS)
        working = self.at(j, "working", "work") and self.at(j + 1, "week")
        j += 1 if working else 0
        if shift is None or not self.at(j, "week", "workweek"):
            return None
        monday = _monday(self.today) + timedelta(days=7 * shift)
        short = working or self.at(j, "workweek")
        return monday, monday + timedelta(days=4 if short else 6), j + 1

    def week_of(self, i: int) -> Period | None:
        """"the week of October 7th", "the week commencing/starting February 4", "w/c feb 4"."""
        j = self.opt(i, "the")
        if self.at(j, "w") and self.at(j + 1, "/") and self.at(j + 2, "c"):
            k = j + 3
        elif self.at(j, "week") and self.at(j + 1, "of", "commencing", "starting", "beginning"):
            k = self.opt(j + 2, "on", "from")
        else:
            return None
        found = self.day_ref(k)
        day = _resolve(found[0], self.today) if found else None
        if found is None or day is None:
            return None
        return _monday(day), _monday(day) + timedelta(days=6), found[1]

    def month_week(self, i: int) -> Period | None:
        """"the first week of October", "3rd week of Jan", "the last week of this month"."""
        j = self.opt(i, "the")
        token = self.tok(j)
        nth = -1 if self.at(j, "last") else token.value if token and token.kind == "ord" else 0
        if not (nth == -1 or 1 <= nth <= 5) or not self.at(j + 1, "week"):
            return None
        found = self.month_of(j + 3) if self.at(j + 2, "of", "in") else None
        monday = _week_of_month(found[0], found[1], nth) if found else None
        if found is None or monday is None:
            return None
        return monday, monday + timedelta(days=6), found[2]

    def weekend(self, i: int) -> Period | None:
        """"this weekend", "the weekend", "next weekend", "the weekend after the next"."""
        j = self.opt(i, "the")
        shift = {"this": 0, "coming": 0, "next": 1, "last": -1, "past": -1}.get(self.norm(j))
        j += shift is not None
        if not self.at(j, "weekend"):
            return None
        end, shift = j + 1, shift or 0
        if self.at(end, "after") and self.at(self.opt(end + 1, "the"), "next"):
            end, shift = self.opt(end + 1, "the") + 1, shift + 2
        return (*_weekend(self.today, shift), end)

    def rest_of(self, i: int) -> Period | None:
        """"rest of the week", "the remainder of this week", "rest of the month"."""
        j = self.opt(i, "the")
        if not self.at(j, "rest", "remainder", "remaining"):
            return None
        k = self.opt(self.opt(j + 1, "of"), "the", "this", "current")
        if self.at(k, "week"):
            return (*_rest_of_week(self.today), k + 1)
        if self.at(k, "month"):
            last = monthrange(self.today.year, self.today.month)[1]
            return self.today, self.today.replace(day=last), k + 1
        return None

    def counted_span(self, i: int) -> Period | None:
        """"next 3 days", "the 2 next days", "last two weeks", "next fortnight"."""
        j = self.opt(i, "the")
        word = self.norm(j)
        if word in ("next", "last", "past", "previous"):
            count, unit, end = self.quantity(j + 1), self.norm(j + 2), j + 3
            if count is None and self.at(j + 1, "fortnight"):
                count, unit, end = 1, "fortnight", j + 2
        else:  # RT "the 3 next weeks" (but not "only 3 next week")
            count, unit, end = self.quantity(j), self.norm(j + 2), j + 3
            word = "next" if self.at(j + 1, "next") and self._plural(j + 2) else ""
        if count is None or unit not in ("day", "week", "fortnight") or not word:
            return None
        days = count * UNITS[unit]
        if word == "next":
            return (*_days_ahead(self.today, days), end)
        if unit == "day":
            return self.today - timedelta(days=days), self.today - ONE_DAY, end
        return (*_weeks_behind(self.today, days // 7), end)

    def lasting_range(self, i: int) -> Period | None:
        """A start and a length: "for 3 days from today", "a week starting tomorrow",
        "from 18th Dec for 10 days"."""
        found = self._length_first(i) or self._start_first(i)
        if found is None:
            return None
        start, (days, months, _), end = found
        return start, _shift(start, days, months, 1) - ONE_DAY, end

    def _length_first(self, i: int) -> tuple[date, tuple[int, int, int], int] | None:
        """"for 3 days from today", "a week starting tomorrow"; without "for", "3 days from
        today" is one day (an offset)."""
        length = self.duration(self.opt(i, "for"))
        j = self.opt(length[2], ",") if length else i
        if length and self.at(j, "starting", "beginning", "commencing"):
            start = self.anchor(self.opt(j + 1, "from", "on"))
        elif length and self.at(j, "from") and self.at(i, "for"):
            start = self.anchor(j + 1)
        else:
            return None
        return (start[0], length, start[1]) if start else None

    def _start_first(self, i: int) -> tuple[date, tuple[int, int, int], int] | None:
        """"from 18th Dec for 10 days", "today for 3 days"."""
        start = self.anchor(self.opt(i, "from"))
        j = self.opt(start[1], ",") if start else i
        length = self.duration(j + 1) if start and self.at(j, "for") else None
        return (start[0], length, length[2]) if start and length else None

    def linked_range(self, i: int) -> Period | None:
        """Two ends: "from 13th to 15th July", "Monday to Wednesday", "between 4 and 22 this
        month", "today till tomorrow"."""
        j = self.opt(i, "from", "between")
        # "1-8 September" is a range of days, though "1-8" alone would be 1 August.
        left = next((found for found in (self.endpoint(j), self.lone_day(j, True))
                     if found and self._links(i, found[1])), None)
        right = self.endpoint(left[1] + 1) if left else None
        if left is None or right is None:
            return None
        first, last, end = left[0], right[0], right[1]
        month = self.relative_month(self.opt(end, "of", "in"))  # "4 to 22 this month"
        if month is not None:
            first, last, end = _in_month(first, month), _in_month(last, month), month[2]
        first = _borrow_month(first, last)
        if (first.plain or last.plain) and first.month is None:
            return None  # "from 9 to 10" is hours
        start = _resolve(first, self.today)
        stop = _resolve(last, self.today, after=start) if start else None
        return (start, stop, end) if start and stop and stop >= start else None

    def endpoint(self, i: int) -> Found | None:
        """One end of a range, where a plain number may be a day ("13" in "13-15 July")."""
        return _longest([self.point(i), self.day_ref(i, True)])

    def _links(self, i: int, j: int) -> bool:
        """A word joining a range's two ends: "to", "till", "-", or "and" after "between"."""
        return self.norm(j) in RANGE_LINKS or (self.at(i, "between") and self.at(j, "and"))

    def school_phrase(self, i: int) -> Period | None:
        """With a school calendar: "after Christmas", "after half term", "next term", "after
        the weekend". Without one these are left unresolved rather than guessed."""
        if self.calendar is None:
            return None
        try:
            found = self._school_day(i, self.calendar)
        except LookupError:  # NoSchoolDay: the calendar's term dates have run out
            return None
        return (found[0], found[0], found[1]) if found and found[0] else None

    def _school_day(self, i: int, calendar: SchoolCalendar) -> tuple[date | None, int] | None:
        after, today = self.at(i, "after"), self.today
        j = self.opt(i + 1, "the") if after else self.opt(i, "the")
        if after and self.at(j, "weekend"):
            return _monday(today) + timedelta(days=7), j + 1
        if after and (end := self._half_term(j)):
            return _after_half_term(calendar, today), end
        if after and (end := self._holidays(j)):
            return calendar.next_term_start(today), end
        if self.at(j, "next", "new") and self.at(j + 1, "term"):
            return calendar.next_term_start(today), j + 2
        return None

    def _half_term(self, i: int) -> int | None:
        """End of "half term", "half-term", "halfterm", "half term holiday"."""
        if self.at(i, "halfterm"):
            end = i + 1
        elif self.at(i, "half") and self.at(self.opt(i + 1, "-"), "term"):
            end = self.opt(i + 1, "-") + 1
        else:
            return None
        return self.opt(end, "holidays", "break")

    def _holidays(self, i: int) -> int | None:
        """End of "Christmas", "xmas holidays", "the Easter break", "the holidays"."""
        j = self.opt(i, "christmas", "easter", "summer")
        if self.at(i, "new") and self.at(i + 1, "year"):
            j = i + 2
        end = self.opt(j, "holidays", "break")
        return end if end > i else None


def _borrow_month(first: _Ref, last: _Ref) -> _Ref:
    """The first end of a range takes what it lacks from the second: "13 to 15 July",
    "26 June to 28 June 2020"."""
    if first.day is None or first.fixed is not None or last.month is None:
        return first
    if first.month is None:
        return replace(first, month=last.month, year=last.year, plain=False)
    if first.year is None and last.year is not None:
        return replace(first, year=last.year - (first.month > last.month))
    return first


def _in_month(ref: _Ref, month: tuple[int, int, int]) -> _Ref:
    """A day number given its month by "this month" or "next month" after the range."""
    if ref.day is None or ref.month is not None or ref.fixed is not None:
        return ref
    return replace(ref, year=month[0], month=month[1], plain=False)

"""Conventions and calendar arithmetic: the calendar day that a day as written means.

English leaves choices open ("next Friday" said on a Thursday); the "Conventions" section below
decides each one, once. `Ref` is a day as written, perhaps incomplete ("the 3rd" lacks its
month), and `resolve` turns it into a calendar day. `DateMention` is what `core.dates` returns.
The token readers of `core.date_tokens` and the rules of `core.date_grammar` build on these.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # core.calendar pulls in pydantic: too slow to import for every message
    from core.calendar import SchoolCalendar

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class DateMention:
    start: date  # first day
    end: date  # last day, inclusive; == start for one day
    span: tuple[int, int]  # character offsets of the expression in the original text
    text: str  # text[span[0]:span[1]]
    is_range: bool
    cue: str | None  # the role word just before it: "until", "from", "back", "on", "by", ...


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

def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def bare_weekday(today: date, weekday: int) -> date:
    """"back Monday", "coming Thursday": the first one strictly after today. Duckling; RT says
    today on a Monday, but a parent writing "back Monday" on a Monday means next week."""
    return on_or_after(today + ONE_DAY, weekday)


def _this_weekday(today: date, weekday: int) -> date:
    """"this Friday": the first one on or after today (both sources)."""
    return on_or_after(today, weekday)


def _next_weekday(today: date, weekday: int) -> date:
    """"next Friday": Friday of next week, even said on a Thursday (both sources)."""
    return monday_of(today) + timedelta(days=7 + weekday)


def _last_weekday(today: date, weekday: int) -> date:
    """"last Wednesday": Wednesday of last week, even said on a Thursday (both sources)."""
    return monday_of(today) + timedelta(days=weekday - 7)


def past_weekday(today: date, weekday: int) -> date:
    """"this past Wednesday", "since Saturday": the most recent one before today (RT)."""
    return on_or_after(today - timedelta(days=7), weekday)


def second_weekday(today: date, weekday: int) -> date:
    """"Friday after next" (Duckling), UK "Monday week" and "a week on Tuesday": a week after
    the coming one."""
    return bare_weekday(today, weekday) + timedelta(days=7)


WEEKDAY_MODIFIERS: dict[str, Callable[[date, int], date]] = {
    "this": _this_weekday, "coming": bare_weekday, "upcoming": bare_weekday,
    "next": _next_weekday, "following": _next_weekday, "last": _last_weekday,
    "previous": _last_weekday, "past": past_weekday,
}
WEEK_SHIFTS = {"this": 0, "current": 0, "next": 1, "following": 1, "coming": 1, "upcoming": 1,
               "last": -1, "past": -1, "previous": -1}


def days_ahead(today: date, days: int) -> tuple[date, date]:
    """"next 3 days" runs from tomorrow (both sources). So do "next 2 weeks" and "next
    fortnight": Duckling would start whole weeks next Monday and RT a fortnight the Monday
    after, but a parent "off for the next two weeks" means from now (RT's "the 3 next
    weeks")."""
    return today + ONE_DAY, today + timedelta(days=days)


def weeks_behind(today: date, count: int) -> tuple[date, date]:
    """"last 2 weeks", "past 3 weeks": the whole weeks before this one (both sources)."""
    return monday_of(today) - timedelta(days=7 * count), monday_of(today) - ONE_DAY


def weekend(today: date, shift: int) -> tuple[date, date]:
    """"this weekend": this week's Saturday and Sunday (the current one at a weekend)."""
    saturday = monday_of(today) + timedelta(days=5 + 7 * shift)
    return saturday, saturday + ONE_DAY


def rest_of_week(today: date) -> tuple[date, date]:
    """"rest of the week": today to Sunday (RT; Duckling stops on Saturday). Said at the
    weekend it is the week ahead: a parent on Sunday evening means the school week."""
    if today.weekday() >= 5:
        return monday_of(today) + timedelta(days=7), monday_of(today) + timedelta(days=13)
    return today, monday_of(today) + timedelta(days=6)


def week_of_month(year: int, month: int, nth: int) -> date | None:
    """Monday of "the first/last week of October": week 1 holds the month's first Thursday
    (RT), the last week its last Thursday."""
    if nth < 0:
        last = date(year, month, monthrange(year, month)[1])
        return monday_of(last - timedelta(days=(last.weekday() - 3) % 7))
    monday = monday_of(on_or_after(date(year, month, 1), 3)) + timedelta(days=7 * (nth - 1))
    return monday if (monday + timedelta(days=3)).month == month else None


def _day_with_weekday(day: int, weekday: int, today: date) -> date | None:
    """"Thursday the 21st", "Mon 13th": this month's when its weekday fits, past or not (RT
    "I went back Thursday the 21st"), else the next month whose day falls on that weekday
    (Duckling "Thu 15th" said in February is 15 August)."""
    here = safe_date(today.year, today.month, day)
    if here is not None and here.weekday() == weekday:
        return here
    return _next_day_of_month(day, today, weekday)


def _month_day_year(month: int, day: int, weekday: int | None, anchor: date) -> date | None:
    """"Feb 10": the next one on or after today; but when a weekday is written that only
    last year's fits ("Sunday, Feb 10" said on 12 Feb 2013), last year's (Duckling)."""
    future = next((d for year in range(anchor.year, anchor.year + 9)
                   if (d := safe_date(year, month, day)) is not None and d >= anchor), None)
    if weekday is None or future is None or future.weekday() == weekday:
        return future
    past = safe_date(future.year - 1, month, day)
    return past if past is not None and past.weekday() == weekday else future


# --- Calendar arithmetic ------------------------------------------------------------------

def safe_date(year: int, month: int, day: int) -> date | None:
    if not (1 <= month <= 12 and 1 <= year <= 9998) or not 1 <= day <= monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def add_months(day: date, months: int) -> date:
    year, index = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, index + 1, min(day.day, monthrange(year, index + 1)[1]))


def shift(day: date, days: int, months: int, sign: int) -> date:
    return add_months(day, sign * months) + timedelta(days=sign * days)


def _next_day_of_month(day: int, anchor: date, weekday: int | None = None) -> date | None:
    """The first `day` of a month on or after `anchor` (falling on `weekday`, if given)."""
    for ahead in range(60):  # five years: every day-and-weekday pair comes round in that
        first = add_months(anchor.replace(day=1), ahead)
        found = safe_date(first.year, first.month, day)
        if found and found >= anchor and weekday in (None, found.weekday()):
            return found
    return None


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date | None:
    """"the second Monday of March" (nth=2), "the last Friday in October" (nth=-1)."""
    if nth < 0:
        last = date(year, month, monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    found = on_or_after(date(year, month, 1), weekday) + timedelta(days=7 * (nth - 1))
    return found if found.month == month else None


def after_bank_holiday(calendar: SchoolCalendar, today: date) -> date | None:
    """The first school day after the next bank holiday ("back after the bank holiday")."""
    day = today
    for _ in range(120):
        if calendar.is_bank_holiday(day):
            return calendar.school_day_on_or_after(day + ONE_DAY)
        day += ONE_DAY
    return None


def first_day_back(calendar: SchoolCalendar, today: date) -> date:
    """The first school day of this term while it has not passed, else of the next term."""
    term = calendar.term_for(today)
    if term is not None:
        first = calendar.school_day_on_or_after(term.start)
        if today <= first:
            return first
    return calendar.next_term_start(today)


def last_day_of_term(calendar: SchoolCalendar, today: date) -> date | None:
    """The last school day of the term that is on now or comes next ("the last day")."""
    for term in sorted(calendar.spec.terms, key=lambda t: t.start):
        if term.end >= today:
            day = term.end
            while day >= today and not calendar.is_school_day(day):
                day -= ONE_DAY
            return day if day >= today else None
    return None


def after_half_term(calendar: SchoolCalendar, today: date) -> date | None:
    """The first school day after the break that is on now or comes next."""
    for term in sorted(calendar.spec.terms, key=lambda t: t.start):
        for item in sorted(term.breaks, key=lambda b: b.start):
            if item.end >= today:
                return calendar.school_day_on_or_after(item.end + ONE_DAY)
    return None


# --- Days as written, and how they resolve ------------------------------------------------

@dataclass(frozen=True)
class Ref:
    """A day as written, perhaps incomplete: "the 3rd" lacks its month, "Friday" its day."""

    day: int | None = None
    month: int | None = None
    year: int | None = None
    weekday: int | None = None
    fixed: date | None = None  # already a calendar day ("tomorrow", "next Friday")
    past: bool = False  # a lone weekday after a past cue ("since Saturday")
    plain: bool = False  # a number with no date context of its own ("13" in "13-15 July")
    follows: bool = False  # "the Friday": the first after the date before it in the text


def resolve(ref: Ref, today: date, after: date | None = None) -> date | None:
    """The day `ref` means said on `today`; a range's second end falls on or after `after`."""
    if ref.fixed is not None:
        return ref.fixed
    if ref.day is None:
        if ref.weekday is None:
            return None
        if after is not None:
            return on_or_after(after, ref.weekday)
        return (past_weekday if ref.past else bare_weekday)(today, ref.weekday)
    if ref.month is None:
        if ref.weekday is not None and after is None:
            return _day_with_weekday(ref.day, ref.weekday, today)
        return _next_day_of_month(ref.day, after or today, ref.weekday)
    if ref.year is not None:
        return safe_date(ref.year, ref.month, ref.day)
    return _month_day_year(ref.month, ref.day, None if after else ref.weekday, after or today)


def borrow_month(first: Ref, last: Ref) -> Ref:
    """The first end of a range takes what it lacks from the second: "13 to 15 July",
    "26 June to 28 June 2020"."""
    if first.day is None or first.fixed is not None or last.month is None:
        return first
    if first.month is None:
        return replace(first, month=last.month, year=last.year, plain=False)
    if first.year is None and last.year is not None:
        return replace(first, year=last.year - (first.month > last.month))
    return first


def in_month(ref: Ref, month: tuple[int, int, int]) -> Ref:
    """A day number given its month by "this month" or "next month" after the range."""
    if ref.day is None or ref.month is not None or ref.fixed is not None:
        return ref
    return replace(ref, year=month[0], month=month[1], plain=False)

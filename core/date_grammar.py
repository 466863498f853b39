"""The date grammar: the rules that read days and runs of days from a message's tokens.

Each `DateGrammar` method matches one kind of expression starting at token `i` and returns
the day or the run of days it means with the index of the token after it; at each place in
the text the longest match wins. The rules read tokens through `core.date_tokens` and resolve
days with the conventions and calendar arithmetic of `core.date_rules`.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from functools import wraps
from typing import TYPE_CHECKING, TypeVar, cast

from core.date_rules import (
    ONE_DAY,
    WEEK_SHIFTS,
    WEEKDAY_MODIFIERS,
    DateMention,
    Ref,
    after_bank_holiday,
    after_half_term,
    bare_weekday,
    borrow_month,
    days_ahead,
    first_day_back,
    in_month,
    last_day_of_term,
    monday_of,
    nth_weekday,
    on_or_after,
    past_weekday,
    resolve,
    rest_of_week,
    second_weekday,
    shift,
    week_of_month,
    weekend,
    weeks_behind,
)
from core.date_tokens import Found, Period, TokenReader, fixed_day, longest
from core.date_words import RANGE_LINKS, UNITS

if TYPE_CHECKING:
    from core.calendar import SchoolCalendar

T = TypeVar("T")


def _memoised(method: Callable[..., T]) -> Callable[..., T]:
    """Remember a rule's answer at each token, so nested rules stay linear in the text."""
    @wraps(method)
    def wrapper(self: DateGrammar, *args: object) -> T:
        key = (method.__name__, *args)
        if key not in self.memo:
            self.memo[key] = method(self, *args)
        return cast(T, self.memo[key])
    return wrapper


DAY_WORDS = {"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}


class DateGrammar(TokenReader):
    """The rules: each method matches one kind of expression starting at token `i`."""

    def __init__(self, text: str, today: date, calendar: SchoolCalendar | None) -> None:
        super().__init__(text, today)
        self.calendar = calendar
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
        period = longest([self.school_phrase(i), self.linked_range(i), self.lasting_range(i),
                          self.counted_span(i), self.week(i), self.weekend(i), self.rest_of(i)])
        point = self.point(i)
        day = resolve(point[0], self.today) if point else None
        if point and point[0].follows and previous and point[0].weekday is not None:
            day = on_or_after(previous + ONE_DAY, point[0].weekday)
        if period is not None and (day is None or period[2] >= point[1]):
            return (*period, period[0] != period[1])  # "after Christmas" is one day
        return (day, day, point[1], False) if day is not None else None

    # --- one day ---

    @_memoised
    def point(self, i: int) -> Found | None:
        """One day, however written."""
        return longest([self.relative_day(i), self.offset(i), self.weekday_count(i),
                        self.weekday_week(i), self.modified_weekday(i), self.week_weekday(i),
                        self.offset_weekday(i), self.nth_weekday(i), self.day_ref(i)])

    def anchor(self, i: int) -> tuple[date, int] | None:
        """What an offset counts from: "now", "today", "next Friday", "January 12th"."""
        if self.at(i, "now"):
            return self.today, i + 1
        found = longest([self.relative_day(i), self.modified_weekday(i),
                         self.week_weekday(i), self.nth_weekday(i), self.day_ref(i)])
        day = resolve(found[0], self.today) if found else None
        return (day, found[1]) if day is not None else None

    def relative_day(self, i: int) -> Found | None:
        """"today", "tmrw", "the day after tomorrow", "the next day", "last night". Parts of
        today ("this morning") are times of day, which the message parser reads itself."""
        word = self.norm(i)
        if word in DAY_WORDS:
            if word == "tomorrow" and self.at(i + 1, "week"):  # UK "tomorrow week"
                return fixed_day(self.today + timedelta(days=8), i + 2)
            return fixed_day(self.today + timedelta(days=DAY_WORDS[word]), i + 1)
        if word == "last" and self.at(i + 1, "night"):
            return fixed_day(self.today - ONE_DAY, i + 2)
        j = self.opt(i, "the")
        if self.at(j, "next", "following") and self.at(j + 1, "day"):
            return fixed_day(self.today + ONE_DAY, j + 2)
        if self.at(j, "day") and self.at(j + 1, "after", "before") and \
                self.at(j + 2, "tomorrow", "yesterday"):
            days = (1 if self.at(j + 1, "after") else -1) + DAY_WORDS[self.norm(j + 2)]
            return fixed_day(self.today + timedelta(days=days), j + 3)
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
            return fixed_day(shift(anchor[0], days, months, sign), anchor[1])
        if start != i:
            return fixed_day(shift(self.today, days, months, 1), self.opt(j, "time"))
        if self.at(j, "ago", "earlier"):
            return fixed_day(shift(self.today, days, months, -1), j + 1)
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
            base, end = bare_weekday(self.today, weekday), k + 1
        return fixed_day(base + timedelta(days=days), end)

    def weekday_count(self, i: int) -> Found | None:
        """"3 fridays from now", "2 thursdays ago"."""
        count, weekday, j = self.quantity(i), self.weekday(i + 1), i + 2
        if count is None or weekday is None:
            return None
        weeks = timedelta(days=7 * (count - 1))
        if self.at(j, "from") and self.at(j + 1, "now", "today"):
            return fixed_day(bare_weekday(self.today, weekday) + weeks, j + 2)
        if self.at(j, "ago", "back"):
            return fixed_day(past_weekday(self.today, weekday) - weeks, j + 1)
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
        return fixed_day(second_weekday(self.today, weekday), end)

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
        return Ref(fixed=rule(self.today, weekday), weekday=weekday, follows=follows), j + 1

    def week_weekday(self, i: int) -> Found | None:
        """A weekday in a named week: "Friday next week", "next week on Friday", "tuesday of
        last week", "last week's Sunday", "1st week of Oct. on Friday"."""
        week = self.week(i)
        if week is not None:
            j = self.opt(self.opt(self.opt(week[2], "."), "on", "-", ","), "the")
            weekday = self.weekday(j)
            if weekday is not None:
                return fixed_day(week[0] + timedelta(days=weekday), j + 1)
        weekday = self.weekday(i)
        if weekday is None:
            return None
        week = self.week(self.opt(i + 1, "of", "from", "in", ",", "-"))
        if week is None:
            return None
        return fixed_day(week[0] + timedelta(days=weekday), week[2])

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
        return fixed_day(monday_of(day) + timedelta(days=weekday), found[1]) if day else None

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
        return fixed_day(nth_weekday(year, month, weekday, nth), end)

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
            return fixed_day(week[0] + timedelta(days=weekday), j + 1)
        follows = self.at(i - 1, "the")
        return Ref(weekday=weekday, past=self.past_context(i), follows=follows), j + 1

    def _shared_week(self, i: int) -> Period | None:
        """The week named after a list of weekdays: "Mon, Tues and Weds next week"."""
        j = i
        while self.at(j, ",", "and", "&", "or") and self.weekday(j + 1) is not None:
            j += 2
        return self.week(self.opt(j, "of", "in", ",")) if j > i else None

    def _is_span_of_hours(self, i: int) -> bool:
        """"Monday 9 to 10" is a time, not Monday the 9th."""
        return self.norm(i) in RANGE_LINKS and self.kind(i + 1) == "num"

    # --- runs of days ---

    @_memoised
    def week(self, i: int) -> Period | None:
        """A Monday-to-Sunday week: "this week", "the week after next", "w/c 4 Feb"."""
        return longest([self.relative_week(i), self.week_of(i), self.month_week(i)])

    def relative_week(self, i: int) -> Period | None:
        """"this week", "next week", "this coming week", "all week", "the week after next",
        "this working week" (Monday to Friday)."""
        j = self.opt(i, "the")
        if self.at(j, "this") and self.at(j + 1, "coming", "upcoming"):
            j += 1
        if self.at(j, "week") and self.at(j + 1, "after", "before") and \
                self.at(j + 2, "next", "last"):
            monday = monday_of(self.today) + timedelta(days=14 if self.at(j + 1, "after") else -14)
            return monday, monday + timedelta(days=6), j + 3
        whole = self.at(j, "all", "whole")  # "all week": this week
        j = self.opt(j, "all", "whole")
        shift = WEEK_SHIFTS.get(self.norm(j), 0 if whole else None)
        j = self.opt(j, *WEEK_SHIFTS)
        working = self.at(j, "working", "work") and self.at(j + 1, "week")
        j += 1 if working else 0
        if shift is None or not self.at(j, "week", "workweek"):
            return None
        monday = monday_of(self.today) + timedelta(days=7 * shift)
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
        day = resolve(found[0], self.today) if found else None
        if found is None or day is None:
            return None
        return monday_of(day), monday_of(day) + timedelta(days=6), found[1]

    def month_week(self, i: int) -> Period | None:
        """"the first week of October", "3rd week of Jan", "the last week of this month"."""
        j = self.opt(i, "the")
        token = self.tok(j)
        nth = -1 if self.at(j, "last") else token.value if token and token.kind == "ord" else 0
        if not (nth == -1 or 1 <= nth <= 5) or not self.at(j + 1, "week"):
            return None
        found = self.month_of(j + 3) if self.at(j + 2, "of", "in") else None
        monday = week_of_month(found[0], found[1], nth) if found else None
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
        return (*weekend(self.today, shift), end)

    def rest_of(self, i: int) -> Period | None:
        """"rest of the week", "the remainder of this week", "rest of the month"."""
        j = self.opt(i, "the")
        if not self.at(j, "rest", "remainder", "remaining"):
            return None
        k = self.opt(self.opt(j + 1, "of"), "the", "this", "current")
        if self.at(k, "week"):
            return (*rest_of_week(self.today), k + 1)
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
            return (*days_ahead(self.today, days), end)
        if unit == "day":
            return self.today - timedelta(days=days), self.today - ONE_DAY, end
        return (*weeks_behind(self.today, days // 7), end)

    def lasting_range(self, i: int) -> Period | None:
        """A start and a length: "for 3 days from today", "a week starting tomorrow",
        "from 18th Dec for 10 days"."""
        found = self._length_first(i) or self._start_first(i)
        if found is None:
            return None
        start, (days, months, _), end = found
        return start, shift(start, days, months, 1) - ONE_DAY, end

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
            first, last, end = in_month(first, month), in_month(last, month), month[2]
        first = borrow_month(first, last)
        if (first.plain or last.plain) and first.month is None:
            return None  # "from 9 to 10" is hours
        start = resolve(first, self.today)
        stop = resolve(last, self.today, after=start) if start else None
        return (start, stop, end) if start and stop and stop >= start else None

    def endpoint(self, i: int) -> Found | None:
        """One end of a range, where a plain number may be a day ("13" in "13-15 July")."""
        return longest([self.point(i), self.day_ref(i, True)])

    def _links(self, i: int, j: int) -> bool:
        """A word joining a range's two ends: "to", "till", "-", or "and" after "between"."""
        return self.norm(j) in RANGE_LINKS or (self.at(i, "between") and self.at(j, "and"))

    def school_phrase(self, i: int) -> Period | None:
        """With a school calendar: "after Christmas", "after half term", "next term", "after
        the weekend". Without one these are left unresolved rather than guessed."""
        if self.calendar is None:
            return None
        try:
            run = self._rest_of_term(i, self.calendar)
            if run:
                return run
            found = self._school_day(i, self.calendar)
        except LookupError:  # NoSchoolDay: the calendar's term dates have run out
            return None
        return (found[0], found[0], found[1]) if found and found[0] else None

    def _rest_of_term(self, i: int, calendar: SchoolCalendar) -> Period | None:
        """"the rest of (the) term", "the rest of this term": today to its last school day."""
        j = self.opt(i, "the")
        if not (self.at(j, "rest") and self.at(j + 1, "of")):
            return None
        k = self.opt(j + 2, "the", "this")
        if not self.at(k, "term"):
            return None
        last = last_day_of_term(calendar, self.today)
        return (self.today, last, k + 1) if last else None

    def _school_day(self, i: int, calendar: SchoolCalendar) -> tuple[date | None, int] | None:
        after, today = self.at(i, "after"), self.today
        j = self.opt(i + 1, "the") if after else self.opt(i, "the")
        if after and self.at(j, "weekend"):
            return monday_of(today) + timedelta(days=7), j + 1
        if after and (end := self._half_term(j)):
            return after_half_term(calendar, today), end
        if after and (end := self._holidays(j)):
            if self.at(j, "christmas", "easter", "summer", "new"):
                return calendar.next_term_start(today), end
            # A bare "after the holidays" is after whichever break comes first: in October
            # that is half term, in December the Christmas holidays.
            candidates = [d for d in (after_half_term(calendar, today),
                                      calendar.next_term_start(today)) if d]
            return min(candidates), end
        if self.at(j, "next", "new") and self.at(j + 1, "term"):
            return calendar.next_term_start(today), j + 2
        if after and self.at(j, "bank") and self.at(j + 1, "holidays"):
            return after_bank_holiday(calendar, today), j + 2
        if not after and self.at(j, "last") and self.at(j + 1, "day") \
                and not self._plural(j + 1):
            if self.at(j + 2, "of"):  # "the last day of term", not "of Pesach"
                return (last_day_of_term(calendar, today), j + 4) if self.at(
                    j + 3, "term") else None
            return last_day_of_term(calendar, today), j + 2
        if not after and self.at(j, "first") and self.at(j + 1, "day") and self.at(j + 2, "back"):
            return first_day_back(calendar, today), j + 3
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

"""Reading the tokens of one message: the cursor the date grammar moves over them.

`TokenReader` holds the tokens of `core.date_words.tokenize` and answers small questions at
token `i`: which word is there, whether a number may be a day (the guards), which role word
comes before ("until", "back"), and the written forms of one day ("3 March", "15/2", "the
3rd") as an unresolved `Ref`. The rules that combine these into days and runs of days are in
`core.date_grammar`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TypeVar

from core.date_rules import Ref, add_months, safe_date
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

Found = tuple[Ref, int]  # a day and the index of the token after it
Period = tuple[date, date, int]  # first and last day and the index of the token after them
Match = TypeVar("Match", Found, Period)


def fixed_day(day: date | None, end: int) -> Found | None:
    """A rule's answer, or None when the day does not exist (a fifth Monday, 31 April)."""
    return (Ref(fixed=day), end) if day is not None else None


def longest(found: Iterable[Match | None]) -> Match | None:
    """The match that reaches furthest; the first of equals."""
    best = None
    for item in found:
        if item is not None and (best is None or item[-1] > best[-1]):
            best = item
    return best


STARTERS = set(WEEKDAYS) | set(MONTHS) | {
    "today", "tonight", "tomorrow", "yesterday", "the", "a", "an", "in", "next", "last",
    "this", "past", "previous", "coming", "upcoming", "following", "current", "from",
    "between", "for", "all", "whole", "rest", "remainder", "remaining", "w", "after", "new",
    "week", "weekend", "day", "fortnight",
}
MIN_YEAR, MAX_YEAR = 1900, 2199  # a written year outside these is not a date's year
TIME_CUES = {"at", "about", "around", "approx", "by", "from", "until", "after", "before"}


class TokenReader:
    """The tokens of one text, and what each one may be: a word, a number, a day, a cue."""

    def __init__(self, text: str, today: date) -> None:
        self.text, self.today = text, today
        self.toks = tokenize(text)
        self.norms = [token.norm for token in self.toks]
        self.words = sum(token.kind != "mark" for token in self.toks)

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

    # --- the written forms of one day ---

    def date_body(self, i: int, loose: bool) -> Found | None:
        """A date without its weekday; `loose` lets a plain number be a day ("Monday 21")."""
        return longest([self.numeric(i), self.day_month(i), self.month_day(i),
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
        return Ref(day=day, plain=token.kind == "num" and not the), j + 1

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
        found = safe_date(year or 2000, second.value, first.value)
        if found is None or not self._ends_day(end, plain=False):
            return None
        return Ref(day=first.value, month=second.value, year=year), end

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
        return Ref(day=day, month=month, year=year), end

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
        return Ref(day=day, month=month, year=year), end

    def day_of_relative_month(self, i: int) -> Found | None:
        """"20th of next month", "the 15th day of next month", "20 of this month"."""
        j = self.opt(i, "the")
        day = self.day_number(j)
        found = self.relative_month(self.opt(self.opt(j + 1, "day"), "of", "in"))
        if day is None or found is None:
            return None
        year, month, end = found
        return Ref(day=day, month=month, year=year), end

    def relative_month(self, i: int) -> tuple[int, int, int] | None:
        """"this month", "the next month", "previous month", "the month": (year, month, end)."""
        j = self.opt(i, "the")
        if j > i and self.at(j, "month"):  # "the first Monday of the month"
            shift, end = 0, j + 1
        elif (shift := RELATIVE_MONTH.get(self.norm(j))) is not None and self.at(j + 1, "month"):
            end = j + 2
        else:
            return None
        moved = add_months(self.today.replace(day=1), shift)
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

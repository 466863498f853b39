"""Find the dates in a parent's message and resolve them to calendar days.

`find_dates` reads "back weds", "Monday week", "the 3rd", "13-15 July" or "next week" as days,
relative to when the message was sent. The grammar that reads them is `core.date_grammar`,
over the token readers of `core.date_tokens` and the canonical tokens of `core.date_words`:
each rule matches one kind of expression, and at each place in the text the longest match
wins. A number is a day only with a date context (an ordinal suffix, a month, "the", a slash,
"on"), so clock times ("at 9", "9.40", "10:30") are left alone. Where English leaves a choice
("next Friday" said on a Thursday), the "Conventions" of `core.date_rules` decide, once.
Imports flow one way: date_words -> date_rules -> date_tokens -> date_grammar -> dates.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING

from core.date_grammar import DateGrammar
from core.date_rules import DateMention

if TYPE_CHECKING:  # core.calendar pulls in pydantic: too slow to import for every message
    from core.calendar import SchoolCalendar

__all__ = ["DateMention", "find_dates", "resolve_first"]


def find_dates(text: str, now: date | datetime, *,
               calendar: SchoolCalendar | None = None) -> list[DateMention]:
    """Every date expression in the text, in order of appearance, none overlapping."""
    today = now.date() if isinstance(now, datetime) else now
    return _share_months(text, DateGrammar(text, today, calendar).mentions())


_BARE_DAY = re.compile(r"^(?:the )?(\d{1,2})(?:st|nd|rd|th)?$", re.IGNORECASE)
_LIST_JOIN = re.compile(r"^\s*(?:and|&|,|or|\+)\s*$", re.IGNORECASE)
_LISTED_BEFORE = re.compile(r"(?<![\d/.:])(\d{1,2})(?:st|nd|rd|th)?\s*(?:and|&|,|or|\+)\s*$",
                            re.IGNORECASE)


def _listed_days(text: str, found: list[DateMention]) -> list[DateMention]:
    """"leave 17 and 18 December": a bare number listed before a dated day is a day too (a
    bare number alone is not read as a date, so the grammar leaves it)."""
    result: list[DateMention] = []
    for mention in found:
        before = text[:mention.span[0]]
        listed = _LISTED_BEFORE.search(before)
        covered = result and result[-1].span[1] > (listed.start() if listed else 0)
        clock = listed and re.search(r"\b(?:at|by|about|around)\s*$", before[:listed.start()])
        if listed and not covered and not clock and not _BARE_DAY.match(mention.text):
            start = listed.start(1)
            end = start + len(listed.group(1))
            result.append(DateMention(mention.start, mention.start, (start, end),
                                      text[start:end], False, mention.cue))
        result.append(mention)
    return result


def _share_months(text: str, found: list[DateMention]) -> list[DateMention]:
    """"on 11 and 12 March", "the 3rd, 4th and 5th of May": a list of days shares the month
    named at its end."""
    found = _listed_days(text, found)
    shared: set[int] = set()
    for i in range(len(found) - 2, -1, -1):
        bare, named = _BARE_DAY.match(found[i].text), found[i + 1]
        if bare and (i + 1 in shared or not _BARE_DAY.match(named.text)) and _LIST_JOIN.match(
                text[found[i].span[1]:named.span[0]]):
            try:
                day = named.start.replace(day=int(bare.group(1)))
            except ValueError:
                continue
            found[i] = replace(found[i], start=day, end=day)
            shared.add(i)
    return found


def resolve_first(text: str, now: date | datetime, *,
                  calendar: SchoolCalendar | None = None) -> DateMention | None:
    """The first date expression in the text, or None."""
    found = find_dates(text, now, calendar=calendar)
    return found[0] if found else None

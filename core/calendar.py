"""The school calendar: which days pupils are expected in, and local wall-clock time.

A day is a school day when it is a weekday inside a term, outside the term's breaks, not a
closure (INSET day, emergency closure) and not an England-and-Wales bank holiday.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.configfile import TimeZoneName, read_document, validate


class NoSchoolDay(LookupError):
    """The calendar has no school day in the direction asked (its term dates have run out)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Period(_Strict):
    name: str = ""
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"ends ({self.end}) before it starts ({self.start})")
        return self

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


class Term(Period):
    breaks: tuple[Period, ...] = ()

    @model_validator(mode="after")
    def _breaks_inside(self) -> Term:
        for item in self.breaks:
            if item.start < self.start or item.end > self.end:
                raise ValueError(f"break {item.name or item.start} is outside the term")
        return self


class Closure(_Strict):
    date: date
    reason: str = "School closed"


class CalendarSpec(_Strict):
    """A calendar file: the project's TOML format and the corpus JSON format share this shape."""

    model_config = ConfigDict(extra="ignore", frozen=True)  # corpus files carry notes

    school: str | None = Field(default=None, description="Who the calendar is for.")
    timezone: TimeZoneName = "Europe/London"
    terms: tuple[Term, ...] = Field(min_length=1)
    closures: tuple[Closure, ...] = ()
    bank_holidays: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _terms_do_not_overlap(self) -> CalendarSpec:
        ordered = sorted(self.terms, key=lambda t: t.start)
        for earlier, later in pairwise(ordered):
            if later.start <= earlier.end:
                raise ValueError(f"terms {earlier.name!r} and {later.name!r} overlap")
        return self


@dataclass(frozen=True)
class SchoolCalendar:
    """School days and local time for one school."""

    spec: CalendarSpec
    source: str = "calendar file"
    _closures: dict[date, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_closures", {c.date: c.reason for c in self.spec.closures})

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.spec.timezone)

    @cached_property
    def _bank_holidays(self) -> holidays.HolidayBase:
        years = {t.start.year for t in self.spec.terms} | {t.end.year for t in self.spec.terms}
        found = holidays.country_holidays("GB", subdiv="ENG", years=sorted(years))
        found.update({d: "Bank holiday" for d in self.spec.bank_holidays if d not in found})
        return found

    @property
    def first_day(self) -> date:
        return min(t.start for t in self.spec.terms)

    @property
    def last_day(self) -> date:
        return max(t.end for t in self.spec.terms)

    def term_for(self, day: date) -> Term | None:
        return next((t for t in self.spec.terms if day in t), None)

    def closed_because(self, day: date) -> str | None:
        """Why pupils are not expected in on `day`, or None on a school day."""
        if day.weekday() >= 5:
            return "weekend"
        if day in self._bank_holidays:
            return str(self._bank_holidays.get(day))
        if day in self._closures:
            return self._closures[day]
        term = self.term_for(day)
        if term is None:
            return "school holiday"
        return next((b.name or "half term" for b in term.breaks if day in b), None)

    def is_bank_holiday(self, day: date) -> bool:
        return day in self._bank_holidays

    def is_school_day(self, day: date) -> bool:
        return self.closed_because(day) is None

    def next_school_day(self, day: date) -> date:
        """The first school day strictly after `day`."""
        return self._step(day, +1)

    def previous_school_day(self, day: date) -> date:
        """The last school day strictly before `day`."""
        return self._step(day, -1)

    def school_day_on_or_after(self, day: date) -> date:
        """`day` itself when it is a school day, else the next one (a return that falls on a
        weekend or an INSET day moves to the next school day)."""
        return day if self.is_school_day(day) else self.next_school_day(day)

    def add_school_days(self, day: date, count: int) -> date:
        """Move `count` school days forward (or back, when negative) from `day`."""
        for _ in range(abs(count)):
            day = self._step(day, 1 if count > 0 else -1)
        return day

    def school_days(self, start: date, end: date) -> Iterator[date]:
        """School days from `start` up to but not including `end`."""
        day = start
        while day < end:
            if self.is_school_day(day):
                yield day
            day += timedelta(days=1)

    def school_days_between(self, start: date, end: date) -> int:
        """How many school days lie in [start, end): Monday to the next Monday is 5."""
        return sum(1 for _ in self.school_days(start, end))

    def next_term_start(self, day: date) -> date:
        """The first school day of the term after the one `day` is in (or the next term to
        start, in a holiday): what "back after Christmas" means."""
        current = self.term_for(day)
        after = current.end if current else day
        starts = sorted(t.start for t in self.spec.terms if t.start > after)
        if not starts:
            raise NoSchoolDay(f"no term after {day} in this calendar")
        return self.school_day_on_or_after(starts[0])

    def local_date(self, instant: datetime) -> date:
        """The school's calendar date at an aware instant."""
        return instant.astimezone(self.zone).date()

    def local_time(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def at_local(self, day: date, wall_clock: time) -> datetime:
        """The UTC instant at which the school's clocks show `wall_clock` on `day` (09:30 stays
        09:30 across the clock changes)."""
        return datetime.combine(day, wall_clock, tzinfo=self.zone).astimezone(UTC)

    def _step(self, start: date, direction: int) -> date:
        day, limit = start, self.last_day if direction > 0 else self.first_day
        while (day - limit).days * direction < 0:
            day += timedelta(days=direction)
            if self.is_school_day(day):
                return day
        raise NoSchoolDay(
            f"no school day {'after' if direction > 0 else 'before'} {start} in this calendar "
            f"({self.first_day} to {self.last_day}): load next year's term dates"
        )

    def to_json(self) -> str:
        return self.spec.model_dump_json(exclude_none=True)

    @classmethod
    def from_json(cls, text: str, *, source: str = "stored calendar") -> SchoolCalendar:
        return cls(CalendarSpec.model_validate(json.loads(text)), source=source)

    @classmethod
    def from_document(cls, document: dict[str, Any], *, source: str) -> SchoolCalendar:
        return cls(validate(CalendarSpec, document, source=source), source=source)


def load_calendar(path: Path) -> SchoolCalendar:
    """Read a calendar in the project's TOML format or the corpus JSON format."""
    return SchoolCalendar.from_document(read_document(path), source=path.name)

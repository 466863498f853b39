"""A typical English school year, for the demo and for schools that have not loaded their own.

Local authorities publish their own term dates and schools add INSET days, so this is a
stand-in that follows the common pattern: autumn half term in the week of the last Monday in
October, spring half term in the week of the third Monday in February, Easter holidays of two
weeks from Good Friday, summer half term in the week of the late-May bank holiday.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.easter import easter

from core.calendar import CalendarSpec, Closure, Period, SchoolCalendar, Term

TYPICAL_SOURCE = "typical England pattern (not this school's own term dates)"


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _week_of(monday: date, name: str) -> Period:
    return Period(name=name, start=monday, end=monday + timedelta(days=4))


def _first_weekday(day: date) -> date:
    return day if day.weekday() < 5 else _weekday_on_or_after(day, 0)


def academic_year_of(day: date) -> int:
    """The calendar year in which the academic year containing `day` began (September)."""
    return day.year if day.month >= 8 else day.year - 1


def typical_year(start_year: int) -> CalendarSpec:
    """Terms, half terms and five INSET days for the academic year starting in September."""
    end_year = start_year + 1
    autumn_start = _first_weekday(date(start_year, 9, 2))
    spring_start = _weekday_on_or_after(date(end_year, 1, 2), 0)
    good_friday = easter(end_year) - timedelta(days=2)
    summer_start = good_friday + timedelta(days=17)  # the Monday two weeks after Easter Monday
    terms = (
        Term(name=f"Autumn {start_year}", start=autumn_start,
             end=_weekday_on_or_before(date(start_year, 12, 19), 4),
             breaks=(_week_of(_weekday_on_or_before(date(start_year, 10, 31), 0),
                              "Autumn half term"),)),
        Term(name=f"Spring {end_year}", start=spring_start, end=good_friday,
             breaks=(_week_of(_weekday_on_or_after(date(end_year, 2, 15), 0),
                              "Spring half term"),)),
        Term(name=f"Summer {end_year}", start=summer_start,
             end=_weekday_on_or_before(date(end_year, 7, 23), 4),
             breaks=(_week_of(_weekday_on_or_before(date(end_year, 5, 31), 0),
                              "Summer half term"),)),
    )
    inset = [autumn_start, _first_weekday(autumn_start + timedelta(days=1)), spring_start,
             summer_start, terms[2].end]
    return CalendarSpec(
        school="Typical English school year", terms=terms,
        closures=tuple(Closure(date=d, reason="INSET day") for d in inset),
    )


def typical_calendar(today: date) -> SchoolCalendar:
    """This academic year and the next, so look-ahead across the summer keeps working."""
    year = academic_year_of(today)
    first, second = typical_year(year), typical_year(year + 1)
    spec = CalendarSpec(school=first.school, terms=first.terms + second.terms,
                        closures=first.closures + second.closures)
    return SchoolCalendar(spec, source=TYPICAL_SOURCE)

"""The typical English school year used for the demo and for schools with no calendar yet."""

from __future__ import annotations

from datetime import date

from core.calendar import load_calendar
from core.term_dates import academic_year_of, typical_calendar, typical_year
from tests.conftest import CORPUS_CALENDAR


def test_the_typical_year_has_the_usual_half_terms_and_holidays() -> None:
    year = typical_year(2026)
    autumn, spring, summer = year.terms
    assert (autumn.breaks[0].start, autumn.breaks[0].end) == (date(2026, 10, 26),
                                                               date(2026, 10, 30))
    assert (spring.breaks[0].start, spring.breaks[0].end) == (date(2027, 2, 15),
                                                               date(2027, 2, 19))
    assert spring.end == date(2027, 3, 26)  # Good Friday
    assert summer.start == date(2027, 4, 12)  # two weeks after Easter Monday
    assert summer.breaks[0].start == date(2027, 5, 31)  # the late-May bank holiday week
    assert len(year.closures) == 5


def test_the_typical_autumn_matches_a_real_school_calendar() -> None:
    real = load_calendar(CORPUS_CALENDAR)
    typical = typical_calendar(date(2026, 11, 22))
    days = [date(2026, 9, 7).fromordinal(n) for n in range(date(2026, 9, 7).toordinal(),
                                                            date(2026, 12, 31).toordinal())]
    differs = [d for d in days if real.is_school_day(d) != typical.is_school_day(d)]
    assert differs == [date(2026, 11, 27)]  # the real school's own INSET day


def test_the_typical_calendar_reaches_across_the_summer() -> None:
    calendar = typical_calendar(date(2027, 7, 20))
    assert calendar.next_school_day(date(2027, 7, 22)) == date(2027, 9, 6)


def test_the_academic_year_starts_in_september() -> None:
    assert academic_year_of(date(2027, 3, 1)) == 2026
    assert academic_year_of(date(2026, 9, 1)) == 2026

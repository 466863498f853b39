"""What the chase counts as a case, and how it reaches a parent: shared by the tick's reading
(core.chasing_state) and writing (core.chasing_actions), and by the staff Today page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from core.calendar import NoSchoolDay, SchoolCalendar
from core.conversation_models import ReportStatus
from core.policy import Policy

UNEXPLAINED = "N"
LIVE_REPORTS = (ReportStatus.collecting, ReportStatus.confirmed, ReportStatus.for_head,
                ReportStatus.approved)
CHANNEL_PREFERENCE = ("telegram", "whatsapp", "sms", "simulator")
LOOKBACK_DAYS = 30  # school days of unexplained absence counted back, at most


class Explanation(Protocol):
    """A parent's report, as far as explaining days goes."""

    @property
    def first_day(self) -> date | None: ...

    @property
    def return_day(self) -> date | None: ...


class Reachable(Protocol):
    """A contact, as far as reaching them goes."""

    @property
    def mobile(self) -> str | None: ...

    @property
    def whatsapp(self) -> str | None: ...

    @property
    def telegram_chat_id(self) -> int | None: ...


@dataclass(frozen=True)
class SchoolDay:
    """A school on one of its school days, with its policy and the local time of the tick."""

    id: int
    name: str
    calendar: SchoolCalendar
    policy: Policy
    today: date
    now: datetime  # local wall-clock time, naive

    @property
    def earlier_days(self) -> tuple[date, ...]:
        """The school days before today, most recent first, as far as the chase looks back."""
        return earlier_school_days(self.calendar, self.today)


# Keyed by the calendar object (schools share parsed calendars, core.schools) and the day;
# the calendar is kept with its entry so its id cannot be reused while the entry lives.
_earlier: dict[tuple[int, date], tuple[SchoolCalendar, tuple[date, ...]]] = {}


def earlier_school_days(calendar: SchoolCalendar, today: date) -> tuple[date, ...]:
    """The school days before `today`, most recent first, at most LOOKBACK_DAYS - 1."""
    key = (id(calendar), today)
    if key not in _earlier:
        if len(_earlier) > 4096:
            _earlier.clear()
        _earlier[key] = (calendar, _walk_back(calendar, today))
    return _earlier[key][1]


def _walk_back(calendar: SchoolCalendar, today: date) -> tuple[date, ...]:
    days: list[date] = []
    day = today
    while len(days) < LOOKBACK_DAYS - 1:
        try:
            day = calendar.previous_school_day(day)
        except NoSchoolDay:  # the first term this calendar holds: nothing before it
            break
        days.append(day)
    return tuple(days)


def lookback_start(today: date) -> date:
    """The earliest day whose marks can count towards today's run of unexplained days."""
    return today - timedelta(days=LOOKBACK_DAYS * 7 // 5 + 7)


def covers(report: Explanation, day: date, calendar: SchoolCalendar) -> bool:
    """Does a parent's report explain this day? With no day back, it explains the days from
    its first up to two school days on (after that, staff want to hear again)."""
    if report.first_day is None or day < report.first_day:
        return False
    if report.return_day is not None:
        return day < report.return_day
    return day <= calendar.add_school_days(report.first_day, 2)


def preferred_channel(contact: Reachable, channels: set[str]) -> str | None:
    """The channel to chase a contact on: Telegram if they linked it, WhatsApp, then SMS,
    among the channels the school has; the simulator only for the demo school."""
    have = {"telegram": contact.telegram_chat_id is not None,
            "whatsapp": contact.whatsapp is not None, "sms": contact.mobile is not None,
            "simulator": contact.mobile is not None}
    return next((c for c in CHANNEL_PREFERENCE if c in channels and have[c]), None)


def address_on(contact: Reachable, channel: str) -> str:
    """The contact's address on a channel: the thread a chase goes into."""
    if channel == "telegram":
        return str(contact.telegram_chat_id)
    if channel == "whatsapp":
        return contact.whatsapp or contact.mobile or ""
    return contact.mobile or ""

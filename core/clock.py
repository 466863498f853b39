"""The clock is an input: code asks a Clock for 'now' so tests and replays can set the time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def __call__(self) -> datetime:
        """Return the current instant as an aware UTC datetime."""
        ...


def system_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)


class FixedClock:
    """A clock that stands still until told to move; for tests and `--now` replays."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self.now = now.astimezone(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta

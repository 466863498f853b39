"""Keeping to the providers' rates, per process, with several processes sending at once.

Telegram allows a bot about 30 messages a second and one a second per chat. Twilio's rate is
per sending number (a UK long code takes about 10 a second through a Messaging Service), and
every school sends from its own number; Twilio queues anything faster rather than refusing it.
With N sending processes (ROLLCALL_OUTBOX_PROCESSES) each keeps to floor(rate / N), at least
one a second, so together they stay within the provider's limit without talking to each other.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import defaultdict

# (overall messages a second, messages a second to one recipient) per channel.
RATES = {"telegram": (30.0, 1.0), "sms": (10.0, 10.0), "whatsapp": (10.0, 10.0),
         "simulator": (1000.0, 1000.0)}
PER_NUMBER = {"sms", "whatsapp"}  # channels whose overall rate is per sending number


class RateLimiter:
    """Spaces sends so neither the overall rate nor one recipient's is exceeded."""

    def __init__(self, overall: float, per_recipient: float) -> None:
        self.gap, self.recipient_gap = 1.0 / overall, 1.0 / per_recipient
        self.next_any = 0.0
        self.next_for: dict[str, float] = defaultdict(float)
        self.last_start = 0.0

    def reserve(self, recipient: str) -> float:
        """Take the next free slot for `recipient`; the seconds to wait for it."""
        # The slot is taken before anyone sleeps, so concurrent senders queue up in order.
        now = time.monotonic()
        start = max(now, self.next_any, self.next_for[recipient])
        self.next_any, self.next_for[recipient] = start + self.gap, start + self.recipient_gap
        return start - now

    async def wait(self, recipient: str) -> None:
        delay = self.reserve(recipient)
        if delay > 0:
            await asyncio.sleep(delay)

    async def keep_spacing(self) -> None:
        """Just before a send: wait until the last one started at least a gap ago. Timers that
        fire late (a busy process) would otherwise let reserved slots bunch up into a burst."""
        while (wait := self.last_start + self.gap - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        self.last_start = time.monotonic()


def share(rate: float, processes: int) -> float:
    """One process's part of a rate: floor(rate / processes), never less than one a second."""
    return max(1.0, float(math.floor(rate / max(1, processes))))


class Rates:
    """One process's limiters: one per Twilio sending number, one per other channel."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
        self._limiters: dict[tuple[str, str | None], RateLimiter] = {}

    def share(self, channel: str) -> float:
        """This process's part of one sender's overall rate on `channel`, a second."""
        return share(RATES.get(channel, (10.0, 1.0))[0], self.processes)

    def limiter(self, channel: str, sender: str | None) -> RateLimiter:
        """The limiter for messages on `channel` from `sender` (a school's own number)."""
        key = (channel, sender if channel in PER_NUMBER else None)
        if key not in self._limiters:
            overall, each = RATES.get(channel, (10.0, 1.0))
            self._limiters[key] = RateLimiter(share(overall, self.processes),
                                              share(each, self.processes))
        return self._limiters[key]

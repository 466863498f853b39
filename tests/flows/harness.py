"""A parent's phone talking to the real conversation service over a real database.

`BotHarness.say(number, text)` hands a message to `bot.inbox.receive` as the simulator does;
`replies()` returns what the bot queued for that number since the last look. The clock is fixed
and moved by the test.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.inbox import Received, receive, receive_many
from core.clock import FixedClock
from core.conversation_models import AbsenceReport, Conversation, Message
from core.conversations import Inbound, UnknownAddress
from core.models import ChannelKind, Pupil, School
from core.roster import import_roster
from core.roster_rows import read_csv_text
from core.schools import set_channel_address
from tests.core.roster_files import csv_text, smith_family

_ids = itertools.count(1)


class BotHarness:
    def __init__(self, session: Session, school: School, clock: FixedClock) -> None:
        self.session, self.school, self.clock = session, school, clock
        import_roster(session=session, school=school, rows=read_csv_text(csv_text(
            smith_family())), clock=clock)
        set_channel_address(session=session, school=school, channel=ChannelKind.simulator,
                            address=school.slug)
        session.commit()
        self._seen: set[int] = set()

    def at(self, local: str) -> BotHarness:
        """Set the clock to a London wall-clock time, '2026-11-23 07:50'."""
        naive = datetime.fromisoformat(local)
        self.clock.now = naive.replace(tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)
        return self

    def later(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    def say(self, number: str, text: str, *, provider_id: str | None = None,
            channel: ChannelKind = ChannelKind.simulator, to: str | None = None
            ) -> Received | None:
        return receive(self.session, self.text(number, text, provider_id=provider_id,
                                               channel=channel, to=to), self.clock)

    def text(self, number: str, text: str, *, provider_id: str | None = None,
             channel: ChannelKind = ChannelKind.simulator, to: str | None = None) -> Inbound:
        """A message from `number` to the school, as a channel hands it over."""
        return Inbound(channel=channel, sender=number, to=to or self.school.slug, text=text,
                       provider_id=provider_id or f"sim-{next(_ids)}")

    def together(self, *texts: Inbound) -> list[Received | UnknownAddress | None]:
        """Messages that arrived at the same moment, read as one batch (as a busy web
        process reads them)."""
        return receive_many(self.session, texts, self.clock)

    def replies(self, number: str) -> list[str]:
        rows = self.session.exec(select(Message).join(
            Conversation, col(Conversation.id) == Message.conversation_id).where(
            Conversation.address == number, Message.direction == "outgoing").order_by(
            col(Message.id))).all()
        new = [m for m in rows if m.id not in self._seen]
        self._seen |= {m.id for m in new if m.id is not None}
        return [m.body for m in new]

    def reports(self) -> list[tuple[str, str, str | None, str | None, str | None, str]]:
        """(pupil's first name, kind, code, first day, return day, status) of every report."""
        rows = self.session.exec(select(AbsenceReport, Pupil).join(
            Pupil, col(Pupil.id) == AbsenceReport.pupil_id).order_by(
            col(AbsenceReport.id))).all()
        return [(p.legal_first_name, r.kind, r.suggested_code,
                 r.first_day.isoformat() if r.first_day else None,
                 r.return_day.isoformat() if r.return_day else None, r.status)
                for r, p in rows]

    def conversation(self, number: str) -> Conversation:
        self.session.expire_all()
        return self.session.exec(select(Conversation).where(
            Conversation.address == number)).one()

    def messages(self, number: str) -> list[Message]:
        self.session.expire_all()
        return list(self.session.exec(select(Message).join(
            Conversation, col(Conversation.id) == Message.conversation_id).where(
            Conversation.address == number).order_by(col(Message.id))).all())

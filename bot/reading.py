"""How the bot reads one stored message and answers it.

Keywords first (STOP, START, HELP, CANCEL), then an unknown sender, a thread staff have taken
over, or the report flow; any message with words a safeguarding lead must see also goes to
the DSL. Replies are rendered from templates in the contact's language and queued as outgoing
messages in the caller's transaction (bot.inbox commits). What is looked up about the sender
comes from the batch's SenderLookups, asked once for every message read together.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from bot.flows import report_absence as flow
from core.absence_reports import stage_reports, withdraw
from core.conversation_models import (
    AbsenceReport,
    Conversation,
    ConversationStatus,
    Message,
    MessageStatus,
)
from core.conversations import (
    Inbound,
    queue_reply,
    set_status,
)
from core.ladder_alerts import tell_staff_of_persistent_absentees
from core.messages import render
from core.models import ChannelKind, Contact, School
from core.parsing.pupils import Child
from core.schools import school_calendar, school_policy
from core.sender_lookups import SenderLookups
from core.staff_actions import alert_dsl, has_safeguarding_words
from core.telegram_links import link_by_code, link_by_phone

FLOOD_LIMIT = 12  # messages a minute from one sender; beyond it they are kept for staff only
STOP = re.compile(r"^(?:stop|stopall|unsubscribe|end|quit|cancel all)$")
START = re.compile(r"^(?:start|unstop|resume)$")
HELP = re.compile(r"^(?:help|info|\?)$")
CANCEL = re.compile(r"^(?:cancel|withdraw)$")


@dataclass
class Batch:
    """What messages read together share: the lookups about their senders, and what waits
    for the session's next flush (a thread's flow state needs its new reports' ids), so that
    the batch's reports, replies and updates are written together."""

    lookups: SenderLookups
    after_flush: list[Callable[[], None]] = field(default_factory=list)
    threads: set[int] = field(default_factory=set)  # read in this batch so far
    remembered: list[AbsenceReport] = field(default_factory=list)  # see remember_reports
    reports: list[tuple[School, AbsenceReport]] = field(default_factory=list)  # made, to check

    def before(self, session: Session, conversation: Conversation, now: datetime) -> None:
        """Ready to read a message in this thread: a second message in one batch from the
        same thread must see the flow state the first left, so the first is settled."""
        if conversation.id in self.threads:
            self.settle(session, now)
        self.threads.add(conversation.id or 0)

    def settle(self, session: Session, now: datetime) -> None:
        """Flush, then finish what waited for it; a persistently absent pupil's report gives
        the attendance officer a task (asked for all the batch's reports at once)."""
        if self.after_flush:
            session.flush()
            waiting, self.after_flush = self.after_flush, []
            for finish in waiting:
                finish()
        if self.reports:
            tell_staff_of_persistent_absentees(session, self.reports, now)
            self.reports = []

    def remember_reports(self, session: Session, conversations: Iterable[Conversation]) -> None:
        """Load, in one query, the reports the threads' flows may update, so updating each
        finds it in the session rather than asking the database."""
        ids = []
        for conversation in conversations:
            try:
                drafts = json.loads(conversation.flow_state or "{}").get("drafts", [])
                ids += [int(i) for draft in drafts for i in draft.get("ids", {}).values()]
            except (ValueError, AttributeError, TypeError):
                continue  # a thread whose state is broken fails when read, and goes to staff
        if ids:  # held here: the session keeps only weak references to what it loaded
            self.remembered = list(session.exec(select(AbsenceReport).where(
                col(AbsenceReport.id).in_(ids))).all())


def read_message(session: Session, school: School, conversation: Conversation,
                 message: Message, inbound: Inbound, now: datetime, batch: Batch, *,
                 flooding: bool) -> None:
    """Read one stored message and queue the answer, in the batch's transaction (the caller
    settles the batch and commits)."""
    batch.before(session, conversation, now)
    replies = _Replies(session, conversation, school, now, batch)
    word = re.sub(r"[^\w?]+", " ", inbound.text.lower()).strip()
    message.status = MessageStatus.handled.value
    if flooding:
        # One number sending dozens of texts must not keep the bot (or the provider's rate
        # limits) busy for everyone else: the messages are kept, staff see them.
        message.status = MessageStatus.for_staff.value
        message.error = f"more than {FLOOD_LIMIT} messages a minute from this sender"
        set_status(conversation, ConversationStatus.needs_attention, now)
    elif STOP.match(word):
        conversation.opted_out = True
        if conversation.channel != ChannelKind.sms:
            # On SMS the carrier-level opt-out (Twilio's) confirms it, and blocks ours.
            replies.send("stopped", force=True)
    elif START.match(word):
        conversation.opted_out = False
        if conversation.channel != ChannelKind.sms:
            replies.send("started")
    elif HELP.match(word):
        replies.send("help", force=True)
    elif conversation.contact_id is None:
        _unknown_sender(session, conversation, message, inbound, replies)
    elif conversation.bot_paused:
        message.status = MessageStatus.for_staff.value
        set_status(conversation, ConversationStatus.needs_attention, now)
    elif CANCEL.match(word):
        _cancel(session, conversation, replies)
    else:
        _run_flow(session, conversation, message, inbound, replies)
    if has_safeguarding_words(inbound.text):
        # Whoever sent it and whatever the bot made of it, the DSL reads it today.
        contact = session.get(Contact, conversation.contact_id) \
            if conversation.contact_id else None
        reported = session.exec(select(AbsenceReport.pupil_id).where(
            AbsenceReport.message_id == message.id)).all()
        pupils = [p for p in batch.lookups.pupils(contact.id) if not reported
                  or p.id in reported] if contact and contact.id else []
        alert_dsl(session, conversation, contact, pupils, now)
        if message.status == MessageStatus.handled.value:
            message.status = MessageStatus.for_staff.value
            set_status(conversation, ConversationStatus.needs_attention, now)
    conversation.updated_at = now
    session.add_all([conversation, message])


def _unknown_sender(session: Session, conversation: Conversation, message: Message,
                    inbound: Inbound, replies: _Replies) -> None:
    """An unknown sender learns nothing about any pupil; staff link them to a contact."""
    if inbound.channel is ChannelKind.telegram:
        contact = _telegram_link(session, conversation, inbound, replies.now)
        if contact is not None:
            conversation.contact_id = contact.id
            replies.send("telegram_linked")
            return
        if inbound.text.startswith("/start") and inbound.text.strip() != "/start":
            replies.send("telegram_link_failed", keyboard="share_phone")
        else:
            replies.send("telegram_share_phone", keyboard="share_phone")
    else:
        replies.send("unknown_sender", once_a_day=True)
    message.status = MessageStatus.for_staff.value
    set_status(conversation, ConversationStatus.needs_attention, replies.now)


def _telegram_link(session: Session, conversation: Conversation, inbound: Inbound,
                   now: datetime) -> Contact | None:
    chat_id = int(inbound.sender)
    if inbound.shared_phone:
        return link_by_phone(session, conversation.school_id, inbound.shared_phone, chat_id)
    found = re.match(r"^/start\s+(\S+)$", inbound.text.strip())
    if found:
        return link_by_code(session, conversation.school_id, found.group(1), chat_id, now)
    return None


def _cancel(session: Session, conversation: Conversation, replies: _Replies) -> None:
    state = json.loads(conversation.flow_state or "{}")
    drafts = state.get("drafts", [])
    confirmed = state.get("stage") == "confirmed"
    for draft in drafts:
        for report_id in draft.get("ids", {}).values():
            withdraw(session, report_id, replies.now)
    conversation.flow, conversation.flow_state = None, "{}"
    replies.send("cancelled", withdrawn=confirmed and bool(drafts))
    status = ConversationStatus.needs_attention if confirmed and drafts else \
        ConversationStatus.open
    set_status(conversation, status, replies.now)


def _run_flow(session: Session, conversation: Conversation, message: Message,
              inbound: Inbound, replies: _Replies) -> None:
    assert conversation.contact_id is not None
    ctx = _context(session, conversation, replies)
    state = json.loads(conversation.flow_state or "{}")
    if state.get("stage") == "asking" or flow.is_change_request(state, inbound.text):
        result = flow.step(state, inbound.text, ctx)
    else:
        result = flow.start(inbound.text, ctx)
    staged = stage_reports(session, conversation, message, list(result.drafts),
                           replies.now) if result.drafts else None
    state = dict(result.state)
    conversation.flow = "report_absence" if state else None

    def settle() -> None:  # once the reports have their ids
        drafts = staged.saved() if staged else []
        conversation.flow_state = json.dumps({**state, "drafts": drafts} if state else {})
        if staged:
            replies.batch.reports += staged.reports

    replies.batch.after_flush.append(settle)
    for reply in result.replies:
        replies.send(reply.template, **reply.context)
    if result.for_staff or conversation.opted_out:
        message.status = MessageStatus.for_staff.value
        message.error = result.for_staff
        set_status(conversation, ConversationStatus.needs_attention, replies.now)
    elif state.get("stage") == "asking":
        set_status(conversation, ConversationStatus.waiting_parent, replies.now)
    else:
        set_status(conversation, ConversationStatus.resolved, replies.now)


def _context(session: Session, conversation: Conversation,
             replies: _Replies) -> flow.FlowContext:
    assert conversation.contact_id is not None
    lookups = replies.batch.lookups
    pupils = lookups.pupils(conversation.contact_id)
    policy = replies.policy
    calendar = school_calendar(replies.school)
    local = calendar.local_time(replies.now).replace(tzinfo=None)
    ladder = lookups.evidence_required(replies.school.id or 0, [p.id or 0 for p in pupils],
                                       calendar.first_day) if policy.monitoring else set()
    children = tuple(flow.ChildRef(p.id or 0, Child(p.legal_first_name, p.legal_last_name,
                                                    p.preferred_first_name, _year(p.year_group)),
                                   p.medical_evidence, p.id in ladder) for p in pupils)
    chased = lookups.chased(conversation.contact_id, calendar.local_date(replies.now))
    return flow.FlowContext(local, children, calendar, ask_symptoms=policy.chasing.ask_symptoms,
                            ask_evidence=policy.messages.ask_evidence, chased=chased)


def _year(group: str) -> int | None:
    return int(group) if group.isdigit() else (0 if group == "R" else None)


class _Replies:
    """Renders and queues the bot's replies in the contact's language; none after STOP."""

    def __init__(self, session: Session, conversation: Conversation, school: School,
                 now: datetime, batch: Batch) -> None:
        self.session, self.conversation, self.school, self.now = (
            session, conversation, school, now)
        self.batch = batch
        contact = session.get(Contact, conversation.contact_id) \
            if conversation.contact_id else None
        self.language = contact.preferred_language if contact else "en"
        self.policy = policy = school_policy(school)
        self.base: dict[str, Any] = {"school": school.name,
                                     "office_phone": policy.messages.office_phone,
                                     "leave_process": policy.messages.leave_process}

    def send(self, template: str, *, force: bool = False, once_a_day: bool = False,
             keyboard: str | None = None, **context: Any) -> None:
        if self.conversation.opted_out and not force:
            return
        if once_a_day and self._replied_today(template):
            return
        body = render(template, self.language, **(self.base | context))
        message = queue_reply(self.session, self.conversation, body, now=self.now,
                              template=template)
        if keyboard:
            message.media = json.dumps([{"keyboard": keyboard}])

    def _replied_today(self, template: str) -> bool:
        last = self.session.exec(select(Message).where(
            Message.conversation_id == self.conversation.id, Message.template == template
        ).order_by(col(Message.id).desc())).first()
        return last is not None and (self.now - last.created_at).total_seconds() < 86400


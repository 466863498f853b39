"""The absence reports a conversation with a parent produces: written with the message that
made them, updated when the parent changes them, withdrawn when they take a child out or
cancel. A batch of messages stages its reports and flushes them together (bot.reading)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from core.codes import REASON_CODES
from core.conversation_models import AbsenceReport, Conversation, Message, ReportStatus
from core.models import School

EVIDENCE_NOTE = "medical evidence requested (attendance ladder)"


@dataclass(frozen=True)
class StagedReports:
    """A message's reports, added to the session but not yet flushed, so that a batch of
    messages writes all its reports in one statement. Once the session has flushed,
    `saved()` gives the drafts with their row ids, for the flow state."""

    school: School
    message_id: int
    drafts: list[tuple[dict[str, Any], dict[str, AbsenceReport]]]  # draft, rows by pupil
    now: datetime

    def saved(self) -> list[dict[str, Any]]:
        """The drafts with their reports' ids (after a flush)."""
        saved = []
        for draft, rows in self.drafts:
            ids: dict[str, int] = {key: value for key, value in draft.get("ids", {}).items()
                                   if key in rows}  # a child the parent took out is withdrawn
            for pupil_id, row in rows.items():
                assert row.id is not None, "saved() before the session flushed"
                ids[pupil_id] = row.id
            saved.append({**draft, "ids": ids,
                          "message_id": draft.get("message_id", self.message_id)})
        return saved

    @property
    def reports(self) -> list[tuple[School, AbsenceReport]]:
        """Each report with its school (a persistently absent pupil's gives the attendance
        officer a task: core.ladder_alerts.tell_staff_of_persistent_absentees)."""
        return [(self.school, row) for _, rows in self.drafts for row in rows.values()]


def stage_reports(session: Session, conversation: Conversation, message: Message,
                  drafts: list[dict[str, Any]], now: datetime) -> StagedReports:
    """Write each draft's reports (one per child) into the session: new ones added, earlier
    ones of the same draft updated, and withdrawn where the parent changed the child."""
    school = session.get(School, conversation.school_id)
    assert school is not None and message.id is not None
    staged = []
    for draft in drafts:
        ids: dict[str, int] = dict(draft.get("ids", {}))
        rows: dict[str, AbsenceReport] = {}
        for pupil_id in draft["pupils"]:
            row = session.get(AbsenceReport, ids[str(pupil_id)]) if str(pupil_id) in ids \
                else None
            if row is None:
                row = AbsenceReport(school_id=conversation.school_id, pupil_id=pupil_id,
                                    conversation_id=conversation.id,
                                    message_id=draft.get("message_id", message.id),
                                    kind=draft["kind"], part=draft["part"], created_at=now,
                                    updated_at=now)
            _fill(row, draft, now)
            session.add(row)
            rows[str(pupil_id)] = row
        for pupil_id, report_id in ids.items():
            if int(pupil_id) not in draft["pupils"]:  # the parent changed the child
                withdraw(session, report_id, now)
        staged.append((draft, rows))
    return StagedReports(school, message.id, staged, now)


def _fill(row: AbsenceReport, draft: dict[str, Any], now: datetime) -> None:
    row.kind = draft["kind"]
    row.reason = "late" if draft["kind"] == "late" else draft["reason"]
    row.suggested_code = REASON_CODES[row.reason]
    row.first_day = date.fromisoformat(draft["first_day"]) if draft["first_day"] else None
    row.return_day = date.fromisoformat(draft["return_day"]) if draft["return_day"] else None
    row.part = draft["part"]
    # The attendance ladder asked for medical evidence with this illness (bot/flows).
    asked = EVIDENCE_NOTE if row.pupil_id in draft.get("evidence_requested", ()) else None
    row.details = "; ".join(p for p in (draft.get("details"), asked) if p)[:500] or None
    row.evidence = json.dumps(draft.get("evidence", {}))
    row.status = ReportStatus(draft["status"]).value
    row.updated_at = now


def withdraw(session: Session, report_id: int, now: datetime) -> None:
    row = session.get(AbsenceReport, report_id)
    if row is not None:
        row.status = ReportStatus.withdrawn.value
        row.updated_at = now
        session.add(row)

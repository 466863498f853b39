"""The staff task a ladder step opens: who does it, why, by when, and for a call the numbers to
ring in order, for a letter the letter itself."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from core.attendance_models import TaskStatus
from core.chasing import OpenTask
from core.chasing_state import Morning, PupilRow
from core.letters import render_letter


def task_row(morning: Morning, action: OpenTask, now: datetime) -> dict[str, Any]:
    """The staff_task row for one step about one pupil."""
    school, pupil = morning.school, morning.pupils[action.pupil_id]
    return {"school_id": school.id, "pupil_id": pupil.id, "conversation_id": None,
            "kind": action.kind, "role": action.role, "title": action.title or action.step,
            "reason": reason(pupil, school.today), "details": _details(morning, action),
            "due_at": school.calendar.at_local(school.today, action.due),
            "status": TaskStatus.open.value, "outcome": None, "contact_made": None,
            "completed_at": None, "completed_by": None, "dedupe_key": None,
            "created_at": now}


def reason(pupil: PupilRow, today: date) -> str:
    """Why the task exists. No safeguarding flag in it: the pages show flags by role."""
    return f"{pupil.name}, {pupil.year_group}: absent with no reason on {today:%a %d %b}"


def _details(morning: Morning, action: OpenTask) -> str | None:
    """For a call, the numbers to ring in order; for a letter, the letter itself."""
    school, contacts = morning.school, morning.contacts.get(action.pupil_id, [])
    if action.kind == "letter" and action.template:
        since = school.calendar.add_school_days(school.today, 1 - action.day_number)
        return render_letter(
            action.template, school=school.name, pupil=morning.pupils[action.pupil_id].name,
            contact=contacts[0].name if contacts else "Parent or carer",
            first_day=since.isoformat(), days=action.day_number,
            office_phone=school.policy.messages.office_phone)
    if action.kind != "call":
        return None
    return "\n".join(f"{c.priority}. {c.name} ({c.relationship or 'contact'}): "
                     f"{c.mobile or 'no mobile on record'}" for c in contacts)

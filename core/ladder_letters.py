"""A ladder step's letter: the pupil's own figures, the parents on record and the school,
filled into templates/letters/ladder/<template>.txt; and the same letter as a PDF.

A letter template is given: `school`, `office_phone` (may be None), `date` (the letter's),
`parents` ("Sarah Smith and David Smith"), `pupil` (legal names), `first_name` (the name
the child goes by), `class_name` (may be None), `attendance` ("93.8%"), `possible`,
`attended`, `absent`, `days_missed` ("6.5"), `authorised`, `unauthorised`,
`unauthorised_recent` (rolling ten school weeks), `band` (may be None), `period_start`,
`as_of`, `target` (the school's, "96%"), `plan_target` and `review_date` (may be None),
`previous` (the step this one follows: its `title`, `date` and `target`, or None) and
`signed` (who signs, by role). Dates are written out: "Monday 23 November 2026".
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select

from core.attendance_models import Intervention
from core.calendar import SchoolCalendar
from core.ladder_policy import MonitoringSection
from core.letters import long_date, render_ladder_letter
from core.messages import names_list
from core.models import Contact, Pupil, PupilContact, School
from core.schools import school_policy

SIGNED = {"office": "School Office", "attendance_officer": "Attendance Officer",
          "dsl": "Designated Safeguarding Lead", "headteacher": "Headteacher",
          "admin": "School Office"}
# A font with every letter of the parents' and pupils' names (Polish, Romanian...), where the
# system has one; otherwise fpdf2's built-in Helvetica, which holds Latin-1 only.
UNICODE_FONTS = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                 Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"))


def parents_on_record(session: Session, pupil_id: int) -> list[str]:
    """The names of the contacts with parental responsibility, in calling order; the first
    contact when none is marked; none without contacts."""
    rows = session.exec(select(Contact.name, PupilContact.parental_responsibility).join(
        PupilContact, col(PupilContact.contact_id) == Contact.id).where(
        PupilContact.pupil_id == pupil_id).order_by(
        col(PupilContact.priority), col(PupilContact.id))).all()
    responsible = [name for name, pr in rows if pr]
    return responsible or [name for name, _ in rows[:1]]


def letter_context(session: Session, school: School, pupil: Pupil, step: Intervention,
                   monitoring: MonitoringSection, calendar: SchoolCalendar,
                   today: date) -> dict[str, object]:
    """What a ladder letter says about this pupil, from the figures stored with the step."""
    figures = json.loads(step.figures)
    parents = parents_on_record(session, pupil.id or 0)
    names = names_list(parents) or \
        f"Parent or carer of {pupil.legal_first_name} {pupil.legal_last_name}"
    absent = figures["authorised"] + figures["unauthorised"]
    anchor = session.get(Intervention, step.anchor_id) if step.anchor_id else None
    return {
        "school": school.name, "office_phone": school_policy(school).messages.office_phone,
        "date": long_date(today, weekday=False), "parents": names,
        "pupil": f"{pupil.legal_first_name} {pupil.legal_last_name}",
        "first_name": pupil.preferred_first_name or pupil.legal_first_name,
        "class_name": pupil.reg_group, "attendance": _pct(figures["percentage"]),
        "possible": figures["possible"], "attended": figures["attended"], "absent": absent,
        "days_missed": f"{absent / 2:g}", "authorised": figures["authorised"],
        "unauthorised": figures["unauthorised"],
        "unauthorised_recent": figures["unauthorised_recent"], "band": figures["band"],
        "period_start": long_date(calendar.first_day), "as_of": long_date(step.as_of),
        "target": _pct(monitoring.target),
        "plan_target": _pct(step.target) if step.target is not None else None,
        "review_date": long_date(step.review_due) if step.review_due else None,
        "previous": _previous(anchor, calendar) if anchor else None,
        "signed": SIGNED.get(step.role, "School Office"),
    }


def _previous(anchor: Intervention, calendar: SchoolCalendar) -> dict[str, str | None]:
    """The step this one follows: its title, the day it was decided and any target."""
    day = calendar.local_date(anchor.decided_at) if anchor.decided_at else anchor.as_of
    return {"title": anchor.title, "date": long_date(day),
            "target": _pct(anchor.target) if anchor.target is not None else None}


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%".replace(".0%", "%")


def write_letter(template: str, context: dict[str, object]) -> str:
    return render_ladder_letter(template, **context)


def letter_pdf(text: str, title: str) -> bytes:
    """The letter as an A4 PDF, ready to print and post."""
    from fpdf import FPDF  # ~0.25 s to import: only when a letter is printed

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_margins(25, 25, 25)
    pdf.add_page()
    font = next((f for f in UNICODE_FONTS if f.is_file()), None)
    if font is not None:
        pdf.add_font("Letter", fname=str(font))
        pdf.set_font("Letter", size=11)
    else:
        pdf.set_font("Helvetica", size=11)
        text = _latin1(text)
    pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def _latin1(text: str) -> str:
    """Letters Latin-1 lacks, written without their accents (Ł as L) for the built-in font."""
    plain = {"\u0141": "L", "\u0142": "l", "\u0110": "D", "\u0111": "d", "\u2019": "'",
             "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"}
    out = []
    for char in text:
        char = plain.get(char, char)
        if char.encode("latin-1", "ignore"):
            out.append(char)
        else:
            base = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode()
            out.append(base[:1] or "?")
    return "".join(out)

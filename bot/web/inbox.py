"""The Inbox: conversations with parents, one thread in full, and what staff do in it
(reply on the parent's channel, notes, look after it, correct a report's dates, hand back to
the bot, link an unknown sender)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from bot.delivery import wake
from bot.web.auth import Csrf, StaffDep, staff_school
from bot.web.render import flash, staff_page
from core.conversation_models import AbsenceReport, Conversation
from core.conversations import hand_back, link_sender, staff_reply
from core.models import Contact, StaffUser
from core.staff_actions import NotAllowed, add_note, assign, edit_dates, sees_safeguarding
from core.staff_inbox import (
    InboxFilter,
    evidence_segments,
    find_contacts,
    list_threads,
    load_thread,
    staff_names,
)

FILTERS = ((InboxFilter.all, "All"), (InboxFilter.needs_action, "Needs action"),
           (InboxFilter.unknown, "Unknown sender"), (InboxFilter.waiting, "Waiting for parent"),
           (InboxFilter.resolved, "Resolved"), (InboxFilter.mine, "Mine"))
FIELDS = {"pupils": "child", "reason": "reason", "first_day": "first day", "return": "day back",
          "kind": "what", "part": "part of the day"}


def _back(conversation_id: int) -> RedirectResponse:
    return RedirectResponse(f"/staff/inbox/{conversation_id}", status_code=303)


def _conversation(session: Session, staff: StaffUser, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.school_id != staff.school_id:
        raise HTTPException(404, "No such conversation")
    return conversation


def router() -> APIRouter:
    routes = APIRouter(tags=["staff pages"])

    @routes.get("/staff/inbox", response_class=HTMLResponse)
    def inbox_page(request: Request, staff: StaffDep, filter: InboxFilter = InboxFilter.all,
                   q: str = "") -> HTMLResponse:
        """Conversations, most recently active first."""
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            rows = list_threads(session=session, school=school, show=filter, search=q[:100],
                                staff=staff)
            return staff_page(request, staff, "inbox.html", section="inbox", rows=rows,
                              filters=FILTERS, current=filter, q=q[:100],
                              keepers=staff_names(session, school))

    @routes.get("/staff/inbox/{conversation_id}", response_class=HTMLResponse)
    def thread_page(request: Request, staff: StaffDep, conversation_id: int,
                    link_q: str = "") -> HTMLResponse:
        """The whole thread, its reports to approve, and the reply form."""
        with Session(request.app.state.engine) as session:
            school = staff_school(session, staff)
            thread = load_thread(session=session, school=school, conversation_id=conversation_id,
                                 safeguarding=sees_safeguarding(staff))
            if thread is None:
                raise HTTPException(404, "No such conversation")
            matches = find_contacts(session=session, school=school, search=link_q[:100]) \
                if link_q.strip() and thread.contact is None else []
            return staff_page(request, staff, "thread.html", section="inbox", thread=thread,
                              link_q=link_q[:100], matches=matches,
                              segments=evidence_segments, fields=FIELDS)

    @routes.post("/staff/inbox/{conversation_id}/reply", dependencies=[Csrf])
    async def reply(request: Request, staff: StaffDep, conversation_id: int,
                    text: Annotated[str, Form(min_length=1, max_length=1600)]
                    ) -> RedirectResponse:
        """Staff write to the parent; the outbox sends it on the parent's channel."""
        def work() -> None:
            with Session(request.app.state.engine) as session:
                conversation = _conversation(session, staff, conversation_id)
                staff_reply(session, conversation, staff, text.strip(),
                            request.app.state.clock())
                session.commit()

        await run_in_threadpool(work)
        wake(request.app.state)
        flash(request, "Reply queued: it goes out on the parent's channel.")
        return _back(conversation_id)

    @routes.post("/staff/inbox/{conversation_id}/hand-back", dependencies=[Csrf])
    def hand_back_form(request: Request, staff: StaffDep,
                       conversation_id: int) -> RedirectResponse:
        with Session(request.app.state.engine) as session:
            hand_back(session, _conversation(session, staff, conversation_id),
                      request.app.state.clock())
            session.commit()
        flash(request, "Handed back: the bot answers this parent again.")
        return _back(conversation_id)

    @routes.post("/staff/inbox/{conversation_id}/link", dependencies=[Csrf])
    def link_form(request: Request, staff: StaffDep, conversation_id: int,
                  contact_id: Annotated[int, Form()]) -> RedirectResponse:
        """Say who an unknown sender is."""
        with Session(request.app.state.engine) as session:
            conversation = _conversation(session, staff, conversation_id)
            contact = session.get(Contact, contact_id)
            if contact is None or contact.school_id != staff.school_id:
                raise HTTPException(404, "No such contact")
            link_sender(session, conversation, contact, request.app.state.clock())
            session.commit()
            flash(request, f"Linked to {contact.name}.")
        return _back(conversation_id)

    @routes.post("/staff/inbox/{conversation_id}/note", dependencies=[Csrf])
    def note_form(request: Request, staff: StaffDep, conversation_id: int,
                  text: Annotated[str, Form(min_length=1, max_length=2000)],
                  restricted: Annotated[bool, Form()] = False) -> RedirectResponse:
        """A private note for colleagues; never sent to the parent."""
        with Session(request.app.state.engine) as session:
            conversation = _conversation(session, staff, conversation_id)
            try:
                add_note(session, conversation, staff, text, request.app.state.clock(),
                         restricted=restricted)
            except NotAllowed as refused:
                raise HTTPException(403, str(refused)) from refused
            except ValueError as bad:
                flash(request, str(bad), error=True)
                return _back(conversation_id)
            session.commit()
        flash(request, "Safeguarding note saved: only the DSL and the head can read it."
              if restricted else "Note saved. Parents never see notes.")
        return _back(conversation_id)

    @routes.post("/staff/inbox/{conversation_id}/assign", dependencies=[Csrf])
    def assign_form(request: Request, staff: StaffDep, conversation_id: int,
                    staff_id: Annotated[str, Form()] = "") -> RedirectResponse:
        """Give the conversation to someone (or to nobody)."""
        with Session(request.app.state.engine) as session:
            conversation = _conversation(session, staff, conversation_id)
            to = session.get(StaffUser, int(staff_id)) if staff_id.isdigit() else None
            if staff_id and (to is None or to.school_id != staff.school_id or not to.active):
                raise HTTPException(404, "No such member of staff")
            assign(session, conversation, staff, to, request.app.state.clock())
            session.commit()
            who = "You are" if to and to.id == staff.id else f"{to.name} is" if to else \
                "Nobody is"
            flash(request, f"{who} looking after this conversation.")
        return _back(conversation_id)

    @routes.post("/staff/inbox/{conversation_id}/reports/{report_id}/dates",
                 dependencies=[Csrf])
    def dates_form(request: Request, staff: StaffDep, conversation_id: int, report_id: int,
                   first_day: Annotated[date, Form()],
                   return_day: Annotated[str, Form()] = "") -> RedirectResponse:
        """Correct the first day off and the day back before the code is approved."""
        with Session(request.app.state.engine) as session:
            conversation = _conversation(session, staff, conversation_id)
            report = session.get(AbsenceReport, report_id)
            if report is None or report.conversation_id != conversation.id:
                raise HTTPException(404, "No such report")
            try:
                back = date.fromisoformat(return_day) if return_day.strip() else None
                changed = edit_dates(session, conversation, report, staff, first_day, back,
                                     request.app.state.clock())
            except ValueError as bad:
                flash(request, f"Dates not changed: {bad}.", error=True)
                return _back(conversation_id)
            session.commit()
        flash(request, "Dates changed." if changed else "The dates were already those.")
        return _back(conversation_id)

    return routes

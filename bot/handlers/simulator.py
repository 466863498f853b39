"""The simulator: a page that looks like a phone, for demos and tests.

Anyone can pick one of a demo school's contacts (or type a number) and text the school; the
message goes through exactly the same conversation service as SMS, WhatsApp and Telegram, and
the replies appear as they are sent. Only schools that registered a simulator address (the
demo school does) can be reached: a school's real pupils are never behind it.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from bot.delivery import accept
from bot.pages import render_page
from core.conversation_models import Conversation, Direction, Message
from core.conversations import Inbound, UnknownAddress
from core.models import ChannelKind, Contact, SchoolChannel
from core.phones import InvalidPhone, to_e164

MAX_TEXT = 1600  # ten SMS segments; longer is not a text message
# Addresses and keys are printable text: a control character (a NUL, which PostgreSQL's text
# refuses) is a 422, not a query that fails.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"


class SimulatedText(BaseModel):
    school: str = Field(min_length=1, max_length=64, pattern=PRINTABLE,
                        description="The school's simulator address")
    number: str = Field(min_length=5, max_length=32, description="The sender's phone number")
    text: str = Field(min_length=1, max_length=MAX_TEXT)
    id: str | None = Field(default=None, max_length=64, pattern=PRINTABLE,
                           description="Idempotency key")


class ThreadMessage(BaseModel):
    direction: str
    author: str
    body: str
    status: str
    at: str


def router() -> APIRouter:
    routes = APIRouter(tags=["simulator"])

    @routes.get("/simulator", response_class=HTMLResponse)
    def simulator_page(request: Request) -> HTMLResponse:
        """The phone: pick a demo contact, text the school, watch the replies arrive."""
        with Session(request.app.state.engine) as session:
            schools = session.exec(select(SchoolChannel.address).where(
                SchoolChannel.channel == ChannelKind.simulator.value)).all()
            contacts = session.exec(select(Contact.name, Contact.mobile, SchoolChannel.address)
                                    .join(SchoolChannel,
                                          col(SchoolChannel.school_id) == Contact.school_id)
                                    .where(SchoolChannel.channel == ChannelKind.simulator.value,
                                           col(Contact.mobile).is_not(None))
                                    .order_by(col(Contact.name)).limit(400)).all()
        return render_page("simulator.html", schools=schools, contacts=contacts)

    @routes.post("/simulator/api/messages", status_code=202)
    async def simulator_send(body: SimulatedText, request: Request) -> dict[str, object]:
        """Text the school from the simulated phone."""
        try:
            number = to_e164(body.number)
        except InvalidPhone as error:
            raise HTTPException(422, str(error)) from None
        inbound = Inbound(channel=ChannelKind.simulator, sender=number, to=body.school,
                          text=body.text, provider_id=body.id or f"sim-{uuid.uuid4().hex}")
        try:
            received = await accept(request.app.state, inbound)
        except UnknownAddress:
            raise HTTPException(404, "no school is reachable from the simulator at that "
                                     "address") from None
        return {"accepted": True, "duplicate": received is None}

    @routes.get("/simulator/api/thread")
    def simulator_thread(request: Request,
                         school: Annotated[str, Query(max_length=64, pattern=PRINTABLE)],
                         number: Annotated[str, Query(max_length=32)]) -> list[ThreadMessage]:
        """The thread between the simulated phone and the school, oldest first."""
        try:
            number = to_e164(number)
        except InvalidPhone as error:
            raise HTTPException(422, str(error)) from None
        with Session(request.app.state.engine) as session:
            rows = session.exec(select(Message).join(
                Conversation, col(Conversation.id) == Message.conversation_id).join(
                SchoolChannel, col(SchoolChannel.school_id) == Conversation.school_id).where(
                SchoolChannel.channel == ChannelKind.simulator.value,
                SchoolChannel.address == school, Conversation.channel == "simulator",
                Conversation.address == number, Message.direction != Direction.note
            ).order_by(col(Message.id))).all()
        return [ThreadMessage(direction=m.direction, author=m.author, body=m.body,
                              status=m.status, at=m.created_at.isoformat()) for m in rows]

    return routes

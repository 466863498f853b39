"""Signing in and out of the staff pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from bot.web.auth import Csrf, start_session
from bot.web.render import staff_page, staff_path
from core.staff import AccountLocked, SignInRefused, sign_in


def router() -> APIRouter:
    routes = APIRouter(tags=["staff pages"])

    @routes.get("/staff/sign-in", response_class=HTMLResponse)
    def sign_in_page(request: Request, next: str = "/staff") -> HTMLResponse:
        return staff_page(request, None, "sign_in.html", next_url=staff_path(next), email="",
                          error=None)

    @routes.post("/staff/sign-in", dependencies=[Csrf])
    def sign_in_form(request: Request, email: Annotated[str, Form(max_length=254)],
                     password: Annotated[str, Form(max_length=1000)],
                     next: Annotated[str, Form(max_length=500)] = "/staff") -> Response:
        engine, clock = request.app.state.engine, request.app.state.clock
        with Session(engine, expire_on_commit=False) as session:
            try:
                user = sign_in(session=session, email=email, password=password, clock=clock)
            except (SignInRefused, AccountLocked) as refused:
                session.commit()  # the failure counts towards the lockout
                return staff_page(request, None, "sign_in.html", status_code=401,
                                  next_url=staff_path(next), email=email, error=str(refused))
            session.commit()
        start_session(request, user)
        return RedirectResponse(staff_path(next), status_code=303)

    @routes.post("/staff/sign-out", dependencies=[Csrf])
    def sign_out(request: Request) -> Response:
        request.session.clear()
        return RedirectResponse("/staff/sign-in", status_code=303)

    return routes

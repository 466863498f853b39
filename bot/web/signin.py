"""Signing in and out of the staff pages; someone with accounts at several schools under one
email says which school after their password is checked."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from bot.web.auth import Csrf, start_session
from bot.web.render import staff_page, staff_path
from core.models import School, StaffUser
from core.staff import AccountLocked, ChooseSchool, SignInRefused, sign_in

CHOICE_SECONDS = 300  # how long the password check stands while the person picks a school


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
            except ChooseSchool as several:
                session.commit()
                # The signed session cookie holds which accounts the password opened.
                request.session["choose"] = {"ids": [a.id for a in several.accounts],
                                             "until": time.time() + CHOICE_SECONDS}
                schools = [session.get(School, a.school_id) for a in several.accounts]
                return staff_page(request, None, "choose_school.html",
                                  next_url=staff_path(next),
                                  choices=list(zip(several.accounts, schools, strict=True)))
            session.commit()
        start_session(request, user)
        return RedirectResponse(staff_path(next), status_code=303)

    @routes.post("/staff/sign-in/school", dependencies=[Csrf])
    def choose_school(request: Request, staff_id: Annotated[int, Form()],
                      next: Annotated[str, Form(max_length=500)] = "/staff") -> Response:
        """The school picked, among the accounts the password just opened."""
        choice = request.session.pop("choose", None)
        if not isinstance(choice, dict) or staff_id not in choice.get("ids", []) \
                or choice.get("until", 0) < time.time():
            raise HTTPException(403, "Sign in again: that choice has expired.")
        with Session(request.app.state.engine, expire_on_commit=False) as session:
            user = session.get(StaffUser, staff_id)
        if user is None or not user.active:
            raise HTTPException(403, "Sign in again: that account is closed.")
        start_session(request, user)
        return RedirectResponse(staff_path(next), status_code=303)

    @routes.post("/staff/sign-out", dependencies=[Csrf])
    def sign_out(request: Request) -> Response:
        request.session.clear()
        return RedirectResponse("/staff/sign-in", status_code=303)

    return routes

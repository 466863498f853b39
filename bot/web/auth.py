"""Staff sign-in for the web pages: signed session cookies, a CSRF token on every form, and
who is signed in as a dependency.

The session cookie is signed with ROLLCALL_SECRET_KEY (Starlette's SessionMiddleware). It holds
the staff id, a per-session CSRF token (the synchronizer pattern: every POST form carries it and
it is compared in constant time) and a fingerprint of the password hash, so changing a
password signs out every other session.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.middleware.sessions import SessionMiddleware

from core.models import School, StaffUser
from core.settings import Settings

logger = logging.getLogger(__name__)
SESSION_HOURS = 12


class SignInNeeded(Exception):
    """The request needs a signed-in member of staff and has none."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def install_sessions(app: FastAPI, settings: Settings) -> None:
    """Signed session cookies, with a random key when none is configured."""
    if settings.secret_key is None:
        logger.warning("ROLLCALL_SECRET_KEY is not set: using a random key for this process "
                       "(development only; every staff sign-in ends at a restart)")
        key = secrets.token_urlsafe(32)
    else:
        key = settings.secret_key.get_secret_value()
    https = bool(settings.public_url and settings.public_url.startswith("https://"))
    app.add_middleware(SessionMiddleware, secret_key=key, session_cookie="rollcall_session",
                       max_age=SESSION_HOURS * 3600, same_site="lax", https_only=https)

    @app.exception_handler(SignInNeeded)
    async def _to_sign_in(request: Request, exc: SignInNeeded) -> Response:
        return RedirectResponse(f"/staff/sign-in?next={quote(exc.next_url)}", status_code=303)


def csrf_token(request: Request) -> str:
    """This session's CSRF token, made on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """Refuse a form POST without this session's token (403)."""
    form = await request.form()
    sent = form.get("csrf_token")
    expected = request.session.get("csrf")
    if not (isinstance(sent, str) and isinstance(expected, str)
            and secrets.compare_digest(sent, expected)):
        raise HTTPException(403, "This form has expired or did not come from Rollcall: "
                                 "reload the page and try again.")


Csrf = Depends(check_csrf)


def fingerprint(user: StaffUser) -> str:
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def start_session(request: Request, user: StaffUser) -> None:
    """A fresh session for the signed-in user (a new CSRF token too: no fixation)."""
    request.session.clear()
    request.session.update(staff=user.id, pw=fingerprint(user))
    csrf_token(request)


def current_staff(request: Request) -> StaffUser:
    staff_id = request.session.get("staff")
    if isinstance(staff_id, int):
        with Session(request.app.state.engine, expire_on_commit=False) as session:
            user = session.get(StaffUser, staff_id)
        if user is not None and user.active and request.session.get("pw") == fingerprint(user):
            return user
    request.session.pop("staff", None)
    raise SignInNeeded(request.url.path + (f"?{request.url.query}" if request.url.query else ""))


StaffDep = Annotated[StaffUser, Depends(current_staff)]


def staff_school(session: Session, staff: StaffUser) -> School:
    school = session.get(School, staff.school_id)
    assert school is not None  # a foreign key
    return school

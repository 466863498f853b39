"""Rendering a staff page with what the shared layout needs."""

from __future__ import annotations

from textwrap import shorten

from fastapi import Request
from fastapi.responses import HTMLResponse

from bot.pages import render_page
from bot.web.auth import csrf_token
from core.codes import CODES
from core.models import StaffUser
from core.staff_actions import sees_safeguarding

NAVIGATION = (("today", "/staff", "Today"), ("inbox", "/staff/inbox", "Inbox"),
              ("approvals", "/staff/approvals", "Approvals"), ("tasks", "/staff/tasks", "Tasks"),
              ("pupils", "/staff/pupils", "Pupils"),
              ("attendance", "/staff/attendance", "Attendance"),
              ("register", "/staff/register", "Register"))

# The code choices beside every report, built once: a page of fifty reports would otherwise
# build fifty lists of thirty-odd codes.
CODE_OPTIONS = tuple((c.code, f"{c.code}: {shorten(c.meaning, 60, placeholder='...')}")
                     for c in CODES.values())


def staff_page(request: Request, staff: StaffUser | None, name: str, *, section: str = "",
               status_code: int = 200, **context: object) -> HTMLResponse:
    """A page in templates/pages/staff/ inside the layout (navigation, sign-out)."""
    flash = request.session.pop("flash", None)
    return render_page(f"staff/{name}", status_code=status_code, staff=staff,
                       code_options=CODE_OPTIONS,
                       csrf=csrf_token(request), navigation=NAVIGATION, section=section,
                       flash=flash, safeguarding=staff is not None and sees_safeguarding(staff),
                       **context)


def flash(request: Request, text: str, *, error: bool = False) -> None:
    """A one-line notice shown on the next page (after a redirect)."""
    request.session["flash"] = {"text": text, "error": error}


def staff_path(url: str, fallback: str = "/staff") -> str:
    """`url` if it is a path of the staff pages on this site, else `fallback`: a redirect
    never leaves for another host."""
    return url if url.startswith("/staff") and not url.startswith("//") else fallback

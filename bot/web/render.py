"""Rendering a staff page with what the shared layout needs."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from bot.pages import render_page
from bot.web.auth import csrf_token
from core.models import StaffUser

NAVIGATION = (("today", "/staff", "Today"), ("inbox", "/staff/inbox", "Inbox"),
              ("approvals", "/staff/approvals", "Approvals"), ("tasks", "/staff/tasks", "Tasks"))


def staff_page(request: Request, staff: StaffUser | None, name: str, *, section: str = "",
               status_code: int = 200, **context: object) -> HTMLResponse:
    """A page in templates/pages/staff/ inside the layout (navigation, sign-out)."""
    return render_page(f"staff/{name}", status_code=status_code, staff=staff,
                       csrf=csrf_token(request), navigation=NAVIGATION, section=section,
                       **context)

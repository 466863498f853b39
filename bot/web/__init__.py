"""The staff web pages: sign-in, Today, Inbox, Approvals, Tasks, Pupils, Attendance (with its
Ladder) and Register."""

from __future__ import annotations

from fastapi import FastAPI

from bot.web import (
    approvals,
    attendance,
    inbox,
    ladder,
    pupils,
    register,
    signin,
    tasks,
    today,
)
from bot.web.auth import install_sessions
from core.settings import Settings


def add_staff_pages(app: FastAPI, settings: Settings) -> None:
    """Sessions, CSRF and every staff page; each page needs a signed-in member of staff."""
    install_sessions(app, settings)
    for module in (signin, today, inbox, approvals, tasks, pupils, attendance, ladder, register):
        app.include_router(module.router())

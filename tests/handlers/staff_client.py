"""A signed-in staff browser for HTTP tests: the demo school, its staff with the demo
password, and forms posted with the page's CSRF token, as a browser would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from bot.app import create_app
from core import db
from core.clock import FixedClock
from core.demo import DEMO_PASSWORD, ensure_demo_school, set_demo_passwords
from core.settings import Settings

SECRET = "test-secret-key-for-signing-cookies-0123456789"
STAFF = {"office": "office@oakfield.example.org",
         "attendance_officer": "attendance@oakfield.example.org",
         "dsl": "dsl@oakfield.example.org", "headteacher": "head@oakfield.example.org",
         "admin": "admin@oakfield.example.org"}
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday, after the chase began
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def demo_database(directory: Path) -> str:
    """A migrated SQLite file holding the demo school, its staff able to sign in."""
    url = f"sqlite:///{directory / 'rollcall.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    with Session(engine) as session:
        school, _ = ensure_demo_school(session=session, clock=FixedClock(NOW))
        set_demo_passwords(session=session, school=school)
        session.commit()
    engine.dispose()
    return url


def staff_app(url: str, clock: FixedClock | None = None) -> Iterator[TestClient]:
    settings = Settings(database_url=url, secret_key=SECRET, tick=False)
    with TestClient(create_app(settings, clock=clock or FixedClock(NOW))) as client:
        yield client


def csrf_of(page: Response) -> str:
    found = _CSRF.search(page.text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def post_form(client: TestClient, page_url: str, action: str, data: dict[str, str]) -> Response:
    """Open the page, then submit a form on it with its token (redirects not followed)."""
    token = csrf_of(client.get(page_url))
    return client.post(action, data={**data, "csrf_token": token}, follow_redirects=False)


def sign_in(client: TestClient, role: str, password: str = DEMO_PASSWORD) -> Response:
    return post_form(client, "/staff/sign-in", "/staff/sign-in",
                     {"email": STAFF[role], "password": password})

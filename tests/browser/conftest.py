"""Shared set-up for the browser tests: Debian's Chromium driven by Playwright against a real
uvicorn serving the demo school; screenshots go to tests/artifacts/."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import uvicorn
from sqlmodel import Session, col, select

from bot.app import create_app
from core import db
from core.attendance_models import StaffTask
from core.clock import FixedClock
from core.demo import DEMO_PASSWORD
from core.models import Contact, Pupil, PupilContact
from core.settings import Settings
from tests.handlers.staff_client import NOW, SECRET, STAFF, demo_database

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

NEEDS_CHROMIUM = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium; .ci/run "
           "installs it)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a browser test and needs Chromium."""
    for item in items:
        if item.path.parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)
            item.add_marker(NEEDS_CHROMIUM)


URLS: dict[str, str] = {}  # the server's address -> its database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real uvicorn serving the demo school on 127.0.0.1."""
    url = demo_database(tmp_path_factory.mktemp("browser"))
    port = _free_port()
    app = create_app(Settings(database_url=url, secret_key=SECRET, tick=False),
                     clock=FixedClock(NOW))
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if uv.started:
            break
        time.sleep(0.05)
    URLS[f"http://127.0.0.1:{port}"] = url
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


@pytest.fixture
def demo_parent(server: str) -> tuple[str, str]:
    """A demo parent's number and their child's first name."""
    with Session(db.make_engine(URLS[server])) as session:
        number, child = session.exec(select(Contact.mobile, Pupil.legal_first_name).join(
            PupilContact, col(PupilContact.contact_id) == Contact.id).join(
            Pupil, col(Pupil.id) == PupilContact.pupil_id).where(
            col(Contact.mobile).is_not(None)).order_by(Contact.id)).first()  # type: ignore[misc]
    return str(number), child


@pytest.fixture
def demo_task(server: str) -> str:
    """An overdue call for the attendance officer; its title."""
    with Session(db.make_engine(URLS[server])) as session:
        pupil = session.exec(select(Pupil).order_by(Pupil.id)).first()
        assert pupil is not None
        title = f"Ring {pupil.display_name}'s family"
        session.add(StaffTask(school_id=pupil.school_id, pupil_id=pupil.id, kind="call",
                              role="attendance_officer", title=title,
                              reason="absent with no reason", due_at=NOW - timedelta(hours=1),
                              created_at=NOW))
        session.commit()
        return title


@pytest.fixture
def page(server: str) -> Iterator[object]:
    ARTIFACTS.mkdir(exist_ok=True)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=ARGS)
        context = browser.new_context(base_url=server, viewport={"width": 1024, "height": 768},
                                      locale="en-GB", timezone_id="Europe/London")
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, role: str = "office") -> None:  # type: ignore[no-untyped-def]
    page.goto("/staff")
    shot(page, "sign-in")
    page.get_by_label("Email").fill(STAFF[role])
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Today at Oakfield Primary (demo)").wait_for()
    shot(page, "today")

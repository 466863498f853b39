"""The staff pages in a real browser: Debian's Chromium, driven by Playwright, against a real
uvicorn server. Sign in, approve a suggested code, reply to a parent and see it arrive on the
simulator phone, complete a task; a screenshot of each page goes to tests/artifacts/."""

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

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at "
                       "/usr/bin/chromium (apt-get install chromium; .ci/run installs it)"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="needs the playwright package "
                               "(pip install -e '.[test]')")


_URL: dict[str, str] = {}  # the server's address -> its database


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
    _URL[f"http://127.0.0.1:{port}"] = url
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)
    app.state.engine.dispose()


@pytest.fixture
def demo_parent(server: str) -> tuple[str, str]:
    """A demo parent's number and their child's first name."""
    with Session(db.make_engine(_URL[server])) as session:
        number, child = session.exec(select(Contact.mobile, Pupil.legal_first_name).join(
            PupilContact, col(PupilContact.contact_id) == Contact.id).join(
            Pupil, col(Pupil.id) == PupilContact.pupil_id).where(
            col(Contact.mobile).is_not(None)).order_by(Contact.id)).first()  # type: ignore[misc]
    return str(number), child


@pytest.fixture
def demo_task(server: str) -> str:
    """An overdue call for the attendance officer; its title."""
    with Session(db.make_engine(_URL[server])) as session:
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
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=ARGS)
        context = browser.new_context(base_url=server, viewport={"width": 1024, "height": 768})
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


def test_staff_approve_a_code_and_reply_to_a_parent_who_sees_it(page, server: str,  # type: ignore[no-untyped-def]
                                                                 demo_parent: tuple[str, str]
                                                                 ) -> None:
    number, child = demo_parent
    page.goto("/simulator")
    page.get_by_label("Demo contact").select_option(number)
    page.get_by_placeholder("Text message").fill(f"{child} is off sick today, back tomorrow")
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Reply CHANGE").wait_for()
    shot(page, "simulator-report")

    sign_in(page)
    page.get_by_role("link", name="Inbox", exact=True).click()
    shot(page, "inbox")
    page.locator("table a").first.click()
    page.get_by_text("Suggested code").first.wait_for()
    shot(page, "conversation")
    page.get_by_role("button", name="Approve").first.click()
    page.get_by_text("Approved with code I").wait_for()

    page.get_by_label("Reply to the parent").fill("Thank you, get well soon")
    page.get_by_role("button", name="Send reply").click()
    page.get_by_text("Reply queued").wait_for()
    shot(page, "conversation-replied")

    page.goto("/simulator")
    page.get_by_label("Demo contact").select_option(number)
    page.locator("#thread").get_by_text("Thank you, get well soon").wait_for()
    shot(page, "simulator-staff-reply")


def test_staff_complete_a_task(page, server: str, demo_task: str) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "attendance_officer")
    page.get_by_role("link", name="Approvals", exact=True).click()
    shot(page, "approvals")
    page.get_by_role("link", name="Tasks", exact=True).click()
    page.get_by_text(demo_task).wait_for()
    shot(page, "tasks")
    row = page.locator("tr", has_text=demo_task)
    row.get_by_label("Outcome").fill("Spoke to mum: chickenpox")
    row.get_by_label("Contact made with a parent or carer").check()
    row.get_by_role("button", name="Complete").click()
    page.get_by_text("Task completed.").wait_for()
    assert page.get_by_text(demo_task).count() == 0
    shot(page, "tasks-done")

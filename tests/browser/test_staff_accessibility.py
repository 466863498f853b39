"""Every staff page, as the browser renders it, passes axe-core's WCAG 2.1 A and AA rules
(labels on every control, contrast, headings, landmarks...), and works from the keyboard."""

from __future__ import annotations

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlmodel import Session, col, select

from core import db
from core.attendance_models import Intervention
from core.clock import FixedClock
from core.conversation_models import AbsenceReport
from core.demo import DEMO_PASSWORD, DEMO_SLUG
from core.ladder_decisions import Decider, approve_intervention
from core.models import School
from tests.browser.conftest import URLS, shot, sign_in
from tests.handlers.staff_client import NOW, STAFF
from tests.handlers.test_staff_ladder import with_ladder

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
        "resultTypes": ["violations"]}


@pytest.fixture
def busy_morning(server: str, demo_parent: tuple[str, str], demo_task: str) -> dict[str, int]:
    """A parent's report waiting for approval, a task, and the ids of the pages about them."""
    number, child = demo_parent
    httpx.post(f"{server}/simulator/api/messages", json={
        "school": DEMO_SLUG, "number": number,
        "text": f"{child}'s got a temp, back Weds hopefully"}).raise_for_status()
    with Session(db.make_engine(URLS[server])) as session:
        report = session.exec(select(AbsenceReport).order_by(
            col(AbsenceReport.id).desc())).first()
    assert report is not None
    return {"conversation": report.conversation_id, "pupil": report.pupil_id}


@pytest.fixture
def ladder_steps(server: str) -> dict[str, int]:
    """The demo school on a policy with an attendance ladder: two steps proposed, one of
    them approved (its letter written)."""
    with_ladder(URLS[server])
    engine = db.make_engine(URLS[server])
    with Session(engine) as session:
        school = session.exec(select(School).where(School.slug == DEMO_SLUG)).one()
        first = session.exec(select(Intervention).order_by(col(Intervention.id))).first()
        assert first is not None and first.id is not None
        letter = first.id
        approve_intervention(session=session, school=school, intervention_id=letter,
                             staff=Decider(STAFF["attendance_officer"], "attendance_officer"),
                             clock=FixedClock(NOW))
        session.commit()
    engine.dispose()
    return {"letter": letter}


def audit(page, name: str) -> None:  # type: ignore[no-untyped-def]
    shot(page, name)
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, f"{name}:\n{results.generate_report()}"


def test_every_staff_page_passes_the_wcag_aa_audit(page, busy_morning: dict[str, int],  # type: ignore[no-untyped-def]
                                                   ladder_steps: dict[str, int]) -> None:
    page.goto("/staff/sign-in")
    audit(page, "a11y-sign-in")
    sign_in(page, "headteacher")  # sees every control, safeguarding ones included
    pages = {"today": "/staff", "inbox": "/staff/inbox",
             "conversation": f"/staff/inbox/{busy_morning['conversation']}",
             "approvals": "/staff/approvals", "tasks": "/staff/tasks",
             "pupils": "/staff/pupils", "pupil": f"/staff/pupils/{busy_morning['pupil']}",
             "attendance": "/staff/attendance", "register": "/staff/register",
             "attendance-charts": "/staff/attendance/charts",
             "ladder": "/staff/attendance/ladder",
             "ladder-letter": f"/staff/attendance/ladder/{ladder_steps['letter']}/letter"}
    for name, url in pages.items():
        page.goto(url)
        audit(page, f"a11y-{name}")
    page.set_viewport_size({"width": 768, "height": 1024})  # a tablet, upright
    for name in ("inbox", "conversation", "pupil", "register", "ladder"):
        page.goto(pages[name])
        audit(page, f"a11y-tablet-{name}")


def test_the_pages_work_from_the_keyboard(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/staff/sign-in")
    page.keyboard.press("Tab")  # the first stop skips the header
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.get_by_label("Email").focus()
    page.keyboard.type(STAFF["office"])
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")  # no mouse: the form submits from the password field
    page.get_by_role("heading", name="Today at Oakfield Primary (demo)").wait_for()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the skip link
    assert page.evaluate("document.activeElement.id") == "main"
    for _ in range(30):  # tabbing on from the top reaches the Inbox link
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Inbox":
            break
    else:
        raise AssertionError("Tab never reached the Inbox link")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Inbox").wait_for()

"""The staff pages in a real browser: sign in, approve a suggested code, reply to a parent and
see it arrive on the simulator phone, complete a task; a screenshot of each page goes to
tests/artifacts/."""

from __future__ import annotations

from tests.browser.conftest import shot, sign_in


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

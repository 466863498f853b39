"""The Register page as office staff and inspectors use it: the day's file for the MIS (the
same as `rollcall export register`), N marks left too long, and the amendment trail filtered
by pupil, register days and who changed the mark, on the page and as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from bot.cli import app as cli
from bot.web.register import TRAIL_CAP
from core.clock import FixedClock
from core.conversation_models import AbsenceReport
from core.demo import DEMO_SLUG
from core.models import Pupil, School
from core.register import import_marks
from core.register_approval import approve_report
from core.register_rows import read_marks_text
from core.roster import import_roster
from core.roster_rows import read_csv_text
from core.schools import add_school, find_school
from tests.core.register_files import make_report, marks_csv
from tests.core.roster_files import csv_text, row, upn
from tests.handlers.channel_app import copy_of, engine_of
from tests.handlers.page_tables import table
from tests.handlers.staff_client import NOW, STAFF, demo_database, sign_in, staff_app

FILE_NAME = "oakfield-primary-demo-register-2026-11-23.csv"
OTHER_UPN = upn(901)  # a pupil of another school, with marks and a trail of his own


@dataclass(frozen=True)
class Pupils:
    """Three demo pupils: `b` is on a child protection plan, and no name holds another's."""

    a: Pupil
    b: Pupil
    c: Pupil


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(demo_database(tmp_path_factory.mktemp("register")).removeprefix("sqlite:///"))


@pytest.fixture
def url(template_db: Path, tmp_path: Path) -> str:
    return copy_of(template_db, tmp_path)


@pytest.fixture
def client(url: str) -> Iterator[TestClient]:
    yield from staff_app(url)


@pytest.fixture
def pupils(client: TestClient) -> Pupils:
    """Marks from the MIS on Mon 16, Fri 20 and Mon 23 November; then the MIS changes B's
    Friday N to O (08:30), the office approves B's illness on Monday (09:00) and the
    attendance officer C's Monday-afternoon appointment (09:30); Elm Grove has its own."""
    clock = FixedClock(NOW - timedelta(hours=2))
    with Session(engine_of(client), expire_on_commit=False) as session:
        school = find_school(session, DEMO_SLUG)
        chosen = choose_pupils(session, school)
        a, b, c = chosen.a.upn, chosen.b.upn, chosen.c.upn
        mis(session, school, clock, ("2026-11-16", "AM", a, "N"), ("2026-11-20", "AM", b, "N"),
            ("2026-11-23", "AM", a, "/"), ("2026-11-23", "PM", a, "\\"),
            ("2026-11-23", "AM", b, "N"), ("2026-11-23", "PM", b, "N"),
            ("2026-11-23", "AM", c, "/"))
        clock.advance(timedelta(minutes=30))
        mis(session, school, clock, ("2026-11-20", "AM", b, "O"))
        clock.advance(timedelta(minutes=30))
        approve(session, school, clock, b, STAFF["office"], "office")
        clock.advance(timedelta(minutes=30))
        approve(session, school, clock, c, STAFF["attendance_officer"], "attendance_officer",
                part="pm", code="M", reason="medical")
        another_school(session, clock)
    return chosen


def choose_pupils(session: Session, school: School) -> Pupils:
    everyone = list(session.exec(select(Pupil).where(Pupil.school_id == school.id).order_by(
        col(Pupil.id))))
    b = next(p for p in everyone if p.child_protection_plan)
    others = [p for p in everyone if p.legal_last_name != b.legal_last_name]
    a = others[0]
    c = next(p for p in others if p.legal_last_name != a.legal_last_name)
    return Pupils(a, b, c)


def mis(session: Session, school: School, clock: FixedClock,
        *marks: tuple[str, str, str, str]) -> None:
    import_marks(session=session, school=school, rows=read_marks_text(marks_csv(*marks)),
                 clock=clock)
    session.commit()


def approve(session: Session, school: School, clock: FixedClock, pupil_upn: str, staff: str,
            role: str, **report: str) -> None:
    made = make_report(session, school, clock, pupil_upn, first_day=NOW.date(), **report)
    assert made.id is not None
    approve_report(session=session, school=school, report_id=made.id, staff=staff, role=role,
                   clock=clock)
    session.commit()


def another_school(session: Session, clock: FixedClock) -> None:
    other, _ = add_school(session=session, clock=clock, name="Elm Grove Primary")
    import_roster(session=session, school=other, clock=clock, rows=read_csv_text(csv_text(
        [row(901, "Zebedee", "Quill", "Zoe Quill", "07700 900950")])))
    mis(session, other, clock, ("2026-11-23", "AM", OTHER_UPN, "N"))
    mis(session, other, clock, ("2026-11-23", "AM", OTHER_UPN, "O"))


def trail(client: TestClient, **filters: str) -> list[tuple[str, str, str, str]]:
    """(UPN, mark date, session, change) for each row of the page's trail, as shown."""
    page = client.get("/staff/register", params=filters)
    assert page.status_code == 200
    return [(cells[1].split()[-1], cells[2], cells[3], cells[4])
            for cells in table(page.text, "trail")]


def trail_file(client: TestClient, **filters: str) -> list[dict[str, str]]:
    response = client.get("/staff/register/trail.csv", params=filters)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_download_is_the_commands_file_for_that_day(client: TestClient, url: str,
                                                        pupils: Pupils) -> None:
    sign_in(client, "office")
    download = client.get("/staff/register/export", params={"day": "2026-11-23"})
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["content-disposition"] == f'attachment; filename="{FILE_NAME}"'
    command = CliRunner().invoke(cli, ["export", "register", "--date", "2026-11-23",
                                       "--school", DEMO_SLUG],
                                 env={"ROLLCALL_DATABASE_URL": url})
    assert command.exit_code == 0, command.output
    assert download.text == command.stdout
    a, b, c = pupils.a.upn, pupils.b.upn, pupils.c.upn
    assert sorted(download.text.splitlines()[1:]) == sorted([
        f"{a},2026-11-23,AM,/,mis,no", f"{a},2026-11-23,PM,\\,mis,no",
        f"{b},2026-11-23,AM,I,rollcall,yes", f"{b},2026-11-23,PM,I,rollcall,yes",
        f"{c},2026-11-23,AM,/,mis,no", f"{c},2026-11-23,PM,M,rollcall,yes"])


def test_the_page_previews_the_days_marks_by_code_before_download(
        client: TestClient, pupils: Pupils) -> None:
    sign_in(client, "attendance_officer")
    page = client.get("/staff/register").text  # today, on the school's clock: Monday 23
    assert 'type="date" id="day" name="day" value="2026-11-23"' in page
    assert "6 marks;\n    3 with changes in the amendment trail" in page
    assert [(code, marks) for code, _, marks in table(page, "day-codes")] == [
        ("/", "2"), ("I", "2"), ("M", "1"), ("\\", "1")]
    assert "not a school day" not in page


def test_a_weekend_says_it_is_not_a_school_day_and_still_downloads(
        client: TestClient, pupils: Pupils) -> None:
    sign_in(client, "office")
    page = client.get("/staff/register", params={"day": "2026-11-21"}).text
    assert "Saturday 21 November is not a school day\n    (weekend)" in page
    assert "you can still download the file, but it holds no marks" in page
    download = client.get("/staff/register/export", params={"day": "2026-11-21"})
    assert download.text == "upn,date,session,mark,source,amended\n"


def test_n_marks_left_too_long_link_to_the_pupil(client: TestClient, pupils: Pupils) -> None:
    sign_in(client, "office")
    page = client.get("/staff/register").text
    assert table(page, "standing") == [
        [pupils.a.display_name, pupils.a.upn, "Mon 16 Nov 2026", "AM", "5"]]
    assert f'<a href="/staff/pupils/{pupils.a.id}">' in page


def test_the_trail_is_newest_first_with_who_and_why(client: TestClient, pupils: Pupils) -> None:
    sign_in(client, "headteacher")
    b, c = pupils.b.upn, pupils.c.upn
    assert trail(client) == [(c, "Mon 23 Nov 2026", "PM", "none → M"),
                             (b, "Mon 23 Nov 2026", "PM", "N → I"),
                             (b, "Mon 23 Nov 2026", "AM", "N → I"),
                             (b, "Fri 20 Nov 2026", "AM", "N → O")]
    page = client.get("/staff/register").text
    first, *_, last = table(page, "trail")
    assert first[0] == "23 Nov 2026 09:30"  # London is on GMT in November
    report = first[8].removeprefix("Report #")
    assert first[5:8] == [f"approved report #{report}",
                          f"Sam Greene ({STAFF['attendance_officer']})", "attendance officer"]
    with Session(engine_of(client)) as session:
        made = session.get(AbsenceReport, int(report))
    assert made is not None  # the link opens the parent's conversation it came from
    assert f'<a href="/staff/inbox/{made.conversation_id}">Report #{report}</a>' in page
    assert last[5:9] == ["changed in the MIS", "MIS import", "system", ""]


def test_the_trail_filters_by_pupil_by_dates_and_by_who(client: TestClient,
                                                        pupils: Pupils) -> None:
    sign_in(client, "office")
    b, c = pupils.b.upn, pupils.c.upn
    by_name = trail(client, pupil=pupils.b.display_name.upper())
    assert [r[0] for r in by_name] == [b, b, b]
    assert trail(client, pupil=c[-6:].lower()) == [(c, "Mon 23 Nov 2026", "PM", "none → M")]
    assert trail(client, **{"from": "2026-11-20", "to": "2026-11-20"}) == [
        (b, "Fri 20 Nov 2026", "AM", "N → O")]
    assert [r[:3] for r in trail(client, **{"from": "2026-11-23"})] == [
        (c, "Mon 23 Nov 2026", "PM"), (b, "Mon 23 Nov 2026", "PM"), (b, "Mon 23 Nov 2026", "AM")]
    assert trail(client, by=STAFF["office"]) == [(b, "Mon 23 Nov 2026", "PM", "N → I"),
                                                 (b, "Mon 23 Nov 2026", "AM", "N → I")]
    assert trail(client, by="MIS import") == [(b, "Fri 20 Nov 2026", "AM", "N → O")]
    assert trail(client, pupil=pupils.a.display_name) == []


def test_the_staff_select_offers_who_is_in_the_trail(client: TestClient,
                                                     pupils: Pupils) -> None:
    sign_in(client, "office")
    page = client.get("/staff/register", params={"by": STAFF["office"]}).text
    assert '<option value="MIS import">MIS import</option>' in page
    assert (f'<option value="{STAFF["office"]}" selected>Jo Patel ({STAFF["office"]})'
            "</option>") in page
    assert STAFF["headteacher"] not in page.split('id="by"')[1].split("</select>")[0]


def test_the_trail_csv_holds_what_the_filters_match(client: TestClient, pupils: Pupils) -> None:
    sign_in(client, "office")
    page = client.get("/staff/register", params={"by": STAFF["office"], "from": "2026-11-23"})
    link = ("/staff/register/trail.csv?from=2026-11-23&amp;by="
            + STAFF["office"].replace("@", "%40"))
    assert f'<a href="{link}">Download these changes as CSV</a>' in page.text
    rows = trail_file(client, by=STAFF["office"], **{"from": "2026-11-23"})
    assert [(r["upn"], r["date"], r["session"], r["old_mark"], r["new_mark"], r["changed_by"],
             r["role"]) for r in rows] == [
        (pupils.b.upn, "2026-11-23", "AM", "N", "I", STAFF["office"], "office"),
        (pupils.b.upn, "2026-11-23", "PM", "N", "I", STAFF["office"], "office")]
    assert rows[0]["changed_at"] == "2026-11-23T09:00:00+00:00"
    assert rows[0]["pupil"] == pupils.b.display_name
    assert len(trail_file(client)) == 4


def test_another_schools_marks_never_appear(client: TestClient, pupils: Pupils) -> None:
    sign_in(client, "office")
    page = client.get("/staff/register").text
    assert "Zebedee" not in page and OTHER_UPN not in page
    assert "4 changes, newest first." in page
    assert trail(client, pupil="Zebedee") == []
    assert OTHER_UPN not in client.get("/staff/register/export",
                                       params={"day": "2026-11-23"}).text
    assert OTHER_UPN not in client.get("/staff/register/trail.csv").text


def test_no_safeguarding_flag_shows_even_to_the_dsl(client: TestClient, pupils: Pupils) -> None:
    sign_in(client, "dsl")
    page = client.get("/staff/register").text
    assert pupils.b.display_name in page  # on a child protection plan
    assert 'class="flag"' not in page


def test_a_bad_date_filter_is_said_and_left_out(client: TestClient, pupils: Pupils) -> None:
    sign_in(client, "office")
    page = client.get("/staff/register", params={"from": "23/11"})
    assert "Mark date from &#39;23/11&#39; is not a date like 2026-11-23" in page.text
    assert len(table(page.text, "trail")) == 4
    assert client.get("/staff/register/export", params={"day": "soon"}).status_code == 400


def test_a_long_trail_is_capped_and_says_so_while_the_csv_holds_it_all(
        client: TestClient, pupils: Pupils) -> None:
    clock = FixedClock(NOW)
    with Session(engine_of(client)) as session:
        school = find_school(session, DEMO_SLUG)
        upns = session.exec(select(Pupil.upn).where(Pupil.school_id == school.id)).all()
        for mark in ("N", "O"):  # every pupil's Tuesday, then changed: one entry each
            mis(session, school, clock, *[("2026-11-24", "AM", u, mark) for u in upns])
    sign_in(client, "office")
    page = client.get("/staff/register").text
    total = len(upns) + 4
    assert f"Showing the newest {TRAIL_CAP} of {total} changes" in page
    assert len(table(page, "trail")) == TRAIL_CAP
    assert len(trail_file(client)) == total


@pytest.mark.parametrize("path", ["/staff/register/export?day=2026-11-23",
                                  "/staff/register/trail.csv"])
def test_neither_file_is_given_without_signing_in(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/staff/sign-in?next=")

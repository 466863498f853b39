"""The API the MIS and staff tools call: its key, register marks in, tasks, approvals.

Each test gets a copy of one seeded SQLite file (Example Primary with the Smiths) and the app
on it; the app's background loops are not started, so only the requests act.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.app import create_app
from core import db
from core.attendance_models import StaffTask
from core.models import Pupil, School
from core.settings import Settings
from tests.core.register_files import AMELIA, JACK, make_report, register, trail
from tests.handlers.channel_app import copy_of, monday_morning, seed_school

KEY = "k" * 32
AUTH = {"Authorization": f"Bearer {KEY}"}
MON, TUE = date(2026, 11, 23), date(2026, 11, 24)
OFFICE = "office@example.sch.uk"


@pytest.fixture(scope="module")
def seeded(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return seed_school(migrated_sqlite, tmp_path_factory.mktemp("seeded"), monday_morning(),
                       {})


@pytest.fixture
def database(seeded: Path, tmp_path: Path) -> str:
    return copy_of(seeded, tmp_path)


@pytest.fixture
def engine(database: str) -> Iterator[Engine]:
    engine = db.make_engine(database)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@pytest.fixture
def school(session: Session) -> School:
    return session.exec(select(School)).one()


def client_for(database: str, key: str | None = KEY) -> TestClient:
    settings = Settings(database_url=database, api_key=key, channels=[])
    return TestClient(create_app(settings, clock=monday_morning()))


@pytest.fixture
def client(database: str) -> TestClient:
    return client_for(database)


def mark(day: str, session: str, upn: str, code: str) -> dict[str, str]:
    return {"date": day, "session": session, "upn": upn, "mark": code}


@pytest.mark.parametrize("method, path", [
    ("post", "/api/v1/register/marks"), ("get", "/api/v1/tasks"),
    ("post", "/api/v1/tasks/1/complete"), ("post", "/api/v1/reports/1/approve")])
def test_without_a_key_configured_the_api_is_off(database: str, method: str, path: str) -> None:
    response = client_for(database, key=None).request(method, path, headers=AUTH, json={})
    assert (response.status_code, response.json()) == (
        503, {"detail": "API disabled: set ROLLCALL_API_KEY"})


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer " + "x" * 32}, {"Authorization": f"Basic {KEY}"},
    {"Authorization": f"Bearer {KEY}x"}])
def test_a_missing_or_wrong_key_is_refused(client: TestClient, headers: dict[str, str]) -> None:
    response = client.get("/api/v1/tasks", headers=headers)
    assert (response.status_code, response.json()) == (401, {"detail": "missing or wrong API key"})
    assert response.headers["www-authenticate"] == "Bearer"


def test_marks_from_the_mis_go_into_the_register_once(client: TestClient,
                                                      session: Session) -> None:
    marks = [mark("2026-11-23", "AM", JACK, "N"), mark("23/11/2026", "am", AMELIA, "/"),
             mark("2026-11-23", "PM", AMELIA, "")]
    response = client.post("/api/v1/register/marks", headers=AUTH, json=marks)
    assert (response.status_code, response.json()) == (
        200, {"added": 2, "updated": 0, "unchanged": 0, "kept": 0, "blank": 1})
    again = client.post("/api/v1/register/marks?school=example", headers=AUTH,
                        json={"marks": [mark("2026-11-23", "AM", JACK, "I")]})
    assert again.json()["updated"] == 1
    assert register(session) == {(JACK, MON, "AM"): ("I", "mis"),
                                 (AMELIA, MON, "AM"): ("/", "mis")}
    assert [entry[3:7] for entry in trail(session)] == [
        ("N", "I", "changed in the MIS", "MIS import")]


def test_one_bad_mark_writes_nothing_and_says_which(client: TestClient,
                                                    session: Session) -> None:
    marks = [mark("2026-11-23", "AM", JACK, "N"), mark("2026-11-23", "AM", AMELIA, "Q9"),
             mark("2026-13-01", "PM", AMELIA, "N")]
    response = client.post("/api/v1/register/marks", headers=AUTH,
                           json={"school": "example", "marks": marks})
    assert (response.status_code, response.json()) == (422, {
        "detail": "2 of 3 marks rejected; nothing was written",
        "rejected": [
            {"line": 2, "reason": "mark 'Q9': 'Q9' is not a national attendance code"},
            {"line": 3, "reason": "date '2026-13-01' is not a day of the calendar"}]})
    assert register(session) == {}


def test_an_unknown_school_is_not_found(client: TestClient) -> None:
    response = client.post("/api/v1/register/marks?school=nowhere", headers=AUTH, json=[])
    assert response.status_code == 404
    assert response.json()["detail"].startswith("no school 'nowhere'")


def add_task(session: Session, school: School, pupil_upn: str | None, title: str,
             due: datetime, status: str = "open") -> int:
    pupil = session.exec(select(Pupil).where(Pupil.upn == pupil_upn)).first()
    task = StaffTask(school_id=school.id, pupil_id=pupil.id if pupil else None, kind="call",
                     role="office", title=title, reason="No reply to the 09:30 text",
                     details="Sarah Smith +447700900001", due_at=due, status=status,
                     created_at=due)
    session.add(task)
    session.commit()
    assert task.id is not None
    return task.id


def test_open_tasks_are_listed_soonest_first(client: TestClient, session: Session,
                                             school: School) -> None:
    late = add_task(session, school, JACK, "Call Jack's parents",
                    datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    soon = add_task(session, school, None, "Check the undelivered text",
                    datetime(2026, 11, 23, 9, 45, tzinfo=UTC))
    add_task(session, school, AMELIA, "Done already", datetime(2026, 11, 23, 9, 0, tzinfo=UTC),
             status="done")
    response = client.get("/api/v1/tasks", headers=AUTH)
    assert response.status_code == 200
    assert response.json() == [
        {"id": soon, "upn": None, "kind": "call", "role": "office",
         "title": "Check the undelivered text", "reason": "No reply to the 09:30 text",
         "due_at": "2026-11-23T09:45:00Z", "details": "Sarah Smith +447700900001"},
        {"id": late, "upn": JACK, "kind": "call", "role": "office",
         "title": "Call Jack's parents", "reason": "No reply to the 09:30 text",
         "due_at": "2026-11-23T10:00:00Z", "details": "Sarah Smith +447700900001"}]


def test_a_task_is_completed_once_with_its_outcome(client: TestClient, session: Session,
                                                   school: School) -> None:
    task_id = add_task(session, school, JACK, "Call Jack's parents",
                       datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
    done = {"outcome": "Mum says tummy bug, back Weds", "staff": OFFICE}
    response = client.post(f"/api/v1/tasks/{task_id}/complete", headers=AUTH, json=done)
    assert (response.status_code, response.json()) == (200, {
        "id": task_id, "status": "done", "outcome": "Mum says tummy bug, back Weds",
        "completed_by": OFFICE, "completed_at": "2026-11-23T07:50:00Z"})
    retry = client.post(f"/api/v1/tasks/{task_id}/complete", headers=AUTH, json=done)
    assert retry.status_code == 200
    other = client.post(f"/api/v1/tasks/{task_id}/complete", headers=AUTH,
                        json={**done, "outcome": "No answer"})
    assert (other.status_code, other.json()) == (409, {"detail": f"task #{task_id} is "
                                                                 "already done"})
    assert client.get("/api/v1/tasks", headers=AUTH).json() == []
    missing = client.post("/api/v1/tasks/999/complete", headers=AUTH, json=done)
    assert missing.status_code == 404


def test_approving_a_report_writes_its_marks_once(client: TestClient, session: Session,
                                                  school: School) -> None:
    report = make_report(session, school, monday_morning(), JACK, first_day=MON,
                         return_day=TUE)
    url = f"/api/v1/reports/{report.id}/approve"
    response = client.post(url, headers=AUTH, json={"staff": OFFICE, "role": "office"})
    assert (response.status_code, response.json()) == (200, {
        "report_id": report.id, "status": "approved", "code": "I", "marks": [
            {"date": "2026-11-23", "session": "AM", "old_mark": None, "new_mark": "I",
             "changed": True},
            {"date": "2026-11-23", "session": "PM", "old_mark": None, "new_mark": "I",
             "changed": True}]})
    again = client.post(url, headers=AUTH, json={"staff": OFFICE, "role": "office"})
    assert [m["changed"] for m in again.json()["marks"]] == [False, False]
    assert len(trail(session)) == 2


def test_a_changed_code_without_a_reason_is_refused_and_writes_nothing(
        client: TestClient, session: Session, school: School) -> None:
    report = make_report(session, school, monday_morning(), JACK, first_day=MON)
    url = f"/api/v1/reports/{report.id}/approve"
    refused = client.post(url, headers=AUTH, json={"staff": OFFICE, "role": "office",
                                                   "code": "M"})
    assert (refused.status_code, refused.json()) == (422, {
        "detail": "code M differs from the suggested I: give the reason for the change"})
    assert register(session) == {}
    changed = client.post(url, headers=AUTH, json={"staff": OFFICE, "role": "office",
                                                   "code": "M", "reason": "dentist letter"})
    assert changed.status_code == 200
    assert {entry[5] for entry in trail(session)} == {"dentist letter"}


def test_a_withdrawn_report_cannot_be_approved(client: TestClient, session: Session,
                                               school: School) -> None:
    report = make_report(session, school, monday_morning(), JACK, first_day=MON,
                         status="withdrawn")
    response = client.post(f"/api/v1/reports/{report.id}/approve", headers=AUTH,
                           json={"staff": OFFICE, "role": "office"})
    assert (response.status_code, response.json()) == (409, {
        "detail": f"report #{report.id} was withdrawn by the parent"})


def test_the_schema_documents_the_api_and_its_key(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert {"/api/v1/register/marks", "/api/v1/tasks", "/api/v1/tasks/{task_id}/complete",
            "/api/v1/reports/{report_id}/approve"} <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["HTTPBearer"]["type"] == "http"
    approval = schema["components"]["schemas"]["ApprovalIn"]
    assert approval["required"] == ["staff"]

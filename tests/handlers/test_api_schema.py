"""/api/v1 fuzzed against its own OpenAPI schema with schemathesis: requests the schema allows
(positive) and requests it forbids (negative), each sent with the deployment's API key through
Starlette's TestClient. Never a 500; every answer is one the schema documents, in the shape it
documents.

Schemathesis's pytest plugin is not used (it lags pytest releases): its Hypothesis strategies
(`operation.as_strategy()`) run inside a plain @given. ROLLCALL_FUZZ_EXAMPLES sets the examples
per operation and mode. PostgreSQL variants run under `-m postgres`: an id past 64 bits or a
NUL character fails there in its own way.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine
from sqlmodel import Session, select

from bot.app import create_app
from core.attendance_models import StaffTask
from core.models import Pupil, School
from core.settings import Settings
from tests.core.register_files import AMELIA, JACK, make_report
from tests.handlers.channel_app import monday_morning
from tests.handlers.fuzz_strategies import EXAMPLES, seed

KEY = "api-key-" + "k" * 32
MONDAY = date(2026, 11, 23)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def app(engine: Engine) -> FastAPI:
    """The API on Example Primary with two reports to approve (ids 1 and 2) and two open
    tasks (ids 1 and 2), so that small generated ids reach real rows."""
    url = seed(engine, monday_morning(), {})
    with Session(engine) as session:
        school = session.exec(select(School)).one()
        for upn in (AMELIA, JACK):
            make_report(session, school, monday_morning(), upn, first_day=MONDAY)
            pupil = session.exec(select(Pupil).where(Pupil.upn == upn)).one()
            session.add(StaffTask(school_id=school.id, pupil_id=pupil.id, kind="call",
                                  role="office", title="Call the parents", reason="No reply",
                                  due_at=monday_morning()(), created_at=monday_morning()()))
        session.commit()
    return create_app(Settings(database_url=url, api_key=KEY, channels=[],
                               migrate_on_start=False, tick=False, outbox_in_web=False),
                      clock=monday_morning())


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def operations(app: FastAPI) -> list[APIOperation]:
    schema = schemathesis.openapi.from_dict(app.openapi())
    found = [result.ok() for result in schema.get_all_operations()]
    return sorted((o for o in found if o.path.startswith("/api/v1/")), key=lambda o: o.label)


def call(client: TestClient, case: Case) -> Any:
    """The case as the MIS would send it, with the deployment's key."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    kwargs.pop("cookies", None)  # the API reads none
    if isinstance(kwargs.get("data"), str | bytes):  # a raw body, not a form
        kwargs["content"] = kwargs.pop("data")
    headers = {k: v for k, v in (kwargs.pop("headers", None) or {}).items()
               if k.lower() != "authorization"}
    return client.request(**kwargs, headers=headers | {"Authorization": f"Bearer {KEY}"})


def test_every_api_operation_is_documented_here(app: FastAPI) -> None:
    assert [o.label for o in operations(app)] == [
        "GET /api/v1/tasks", "POST /api/v1/register/marks",
        "POST /api/v1/reports/{report_id}/approve", "POST /api/v1/tasks/{task_id}/complete"]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
@pytest.mark.parametrize("label", [
    "GET /api/v1/tasks", "POST /api/v1/register/marks",
    "POST /api/v1/reports/{report_id}/approve", "POST /api/v1/tasks/{task_id}/complete"])
def test_the_api_never_fails_and_answers_as_its_schema_says(
        app: FastAPI, client: TestClient, label: str, mode: GenerationMode) -> None:
    [operation] = [o for o in operations(app) if o.label == label]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.data_too_large])
    @given(operation.as_strategy(generation_mode=mode))
    def check(case: Case) -> None:
        response = call(client, case)
        case.validate_response(response, checks=CHECKS)

    check()


@pytest.mark.parametrize("method, path, body", [
    pytest.param("get", "/api/v1/tasks?school=ex%00ample", None, id="NUL-in-a-query"),
    pytest.param("post", "/api/v1/register/marks", {"school": "ex\x00", "marks": []},
                 id="NUL-in-the-school"),
    pytest.param("post", "/api/v1/register/marks", [
        {"date": "2026-11-23", "session": "AM", "upn": f"{AMELIA}\x00", "mark": "N"}],
        id="NUL-in-a-UPN"),
    pytest.param("post", "/api/v1/tasks/1/complete",
                 {"outcome": "rang\x00", "staff": "office@example.org"}, id="NUL-in-an-outcome"),
    pytest.param("post", "/api/v1/tasks/1/complete",
                 {"outcome": "rang", "staff": "office\x00@example.org"}, id="NUL-in-an-email"),
    pytest.param("post", "/api/v1/reports/1/approve", {
        "staff": "office@example.org", "code": "M", "reason": "letter\x00"},
        id="NUL-in-a-reason"),
    pytest.param("post", "/api/v1/reports/1/approve", {"staff": "office@example.org",
                                                        "code": "\x00"}, id="NUL-as-a-code"),
    pytest.param("post", f"/api/v1/reports/{2**63}/approve", {"staff": "office@example.org"},
                 id="id-past-64-bits"),
    pytest.param("post", f"/api/v1/tasks/{2**31}/complete",
                 {"outcome": "rang", "staff": "office@example.org"}, id="id-past-32-bits"),
    pytest.param("post", "/api/v1/tasks/1/complete", {"outcome": float("nan"),
                                                      "staff": "office@example.org"},
                 id="NaN-for-text"),
])
def test_what_no_database_can_hold_is_a_clear_422_and_writes_nothing(
        client: TestClient, method: str, path: str, body: object) -> None:
    answer = client.request(method, path, content=json.dumps(body), headers={
        "Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.json()["detail"]
    tasks = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {KEY}"}).json()
    assert len(tasks) == 2  # nothing was completed

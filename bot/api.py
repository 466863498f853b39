"""The API for the MIS and staff tools (/api/v1): register marks in, staff tasks out, reports
approved into the register.

One bearer key for the deployment (ROLLCALL_API_KEY), compared in constant time. Without a key
the API is off and says so (503): it never runs open. Every call works on one school: the
`school` slug, which may be left out when the deployment has one school.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from bot.api_problems import EMAIL, LINE, REFUSALS, TEXT, Problem
from core.codes import UnknownCode
from core.models import School, StaffRole
from core.register import MarkImportReport, import_marks
from core.register_approval import (
    ApprovalRefused,
    CannotApprove,
    ReportNotFound,
    approve_report,
)
from core.register_tasks import TaskClosed, TaskNotFound, complete_task, open_tasks
from core.schools import SchoolNotFound, find_school
from core.settings import Settings

logger = logging.getLogger(__name__)


MAX_MARKS = 50_000  # a whole school's sessions for a term, in one call
bearer = HTTPBearer(auto_error=False, description="ROLLCALL_API_KEY")


class MarkIn(BaseModel):
    """One pupil's mark for one session, as the MIS has it."""

    date: str = Field(max_length=32, examples=["2026-11-23", "23/11/2026"])
    session: str = Field(max_length=8, examples=["AM", "PM"])
    upn: str = Field(max_length=32)
    mark: str = Field(max_length=8, description="A 2024 national code; blank: not taken yet",
                      examples=["/", "\\", "N", "I"])


class MarkBatch(BaseModel):
    school: str | None = Field(default=None, max_length=64, pattern=LINE,
                               description="The school's slug")
    marks: list[MarkIn] = Field(max_length=MAX_MARKS)


class MarksImported(BaseModel):
    added: int
    updated: int
    unchanged: int
    kept: int = Field(description="Ns not put over a code approved in Rollcall")
    blank: int = Field(description="Marks left blank: registers not taken yet")


class RejectedMark(BaseModel):
    line: int = Field(description="The mark's position in the list, from 1")
    reason: str


class MarksRejected(Problem):
    rejected: list[RejectedMark] = Field(
        default_factory=list, description="Each bad mark (none when the request itself did "
        "not validate)")


class TaskPublic(BaseModel):
    id: int
    upn: str | None
    kind: str
    role: str
    title: str
    reason: str
    due_at: datetime = Field(description="When it falls due, in UTC")
    details: str | None


class TaskCompletion(BaseModel):
    outcome: str = Field(min_length=1, max_length=1000, pattern=TEXT)
    staff: str = Field(max_length=254, pattern=EMAIL, description="The staff member's email")
    contact_made: bool | None = Field(
        default=None, description="For a call: a parent or carer was reached (the chase's "
        "no-contact steps then stop for the day).")


class TaskDone(BaseModel):
    id: int
    status: str
    outcome: str | None
    completed_by: str | None
    completed_at: datetime | None


class ApprovalIn(BaseModel):
    code: str | None = Field(default=None, max_length=4,
                             description="Another code than the suggested one (needs reason)")
    reason: str | None = Field(default=None, max_length=500, pattern=TEXT)
    staff: str = Field(max_length=254, pattern=EMAIL, description="The staff member's email")
    role: StaffRole | None = Field(default=None, description="Default: their staff record's")


class MarkWrittenPublic(BaseModel):
    date: date
    session: str
    old_mark: str | None
    new_mark: str
    changed: bool


class ApprovalPublic(BaseModel):
    report_id: int
    status: str
    code: str
    marks: list[MarkWrittenPublic]


# Row ids are the database's 32-bit integers: a larger one names nothing, and saying so
# beats a query the database refuses.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The row's id")]
SchoolQuery = Annotated[str | None, Query(max_length=64, pattern=LINE,
                                          description="The school's slug")]


def _database(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        yield session


Database = Annotated[Session, Depends(_database)]


def router(settings: Settings) -> APIRouter:
    """The API's routes, behind the key in `settings` (or answering 503 without one)."""
    routes = APIRouter(prefix="/api/v1", tags=["api"],
                       dependencies=[Depends(_key_check(settings))], responses=REFUSALS)

    @routes.post("/register/marks", response_model=MarksImported, responses={
        422: {"model": MarksRejected},
        409: {"model": Problem, "description": "The same marks were being written at once"}})
    def post_marks(body: list[MarkIn] | MarkBatch, request: Request, db: Database,
                   school: SchoolQuery = None) -> MarksImported | JSONResponse:
        """Marks from the MIS: all written, or none when any is bad (422 lists which)."""
        marks = body.marks if isinstance(body, MarkBatch) else body
        found = _school(db, _one_slug(school, body))
        rows = ((n, mark.model_dump()) for n, mark in enumerate(marks, start=1))
        with _transaction(db):
            report = import_marks(session=db, school=found, rows=rows,
                                  clock=request.app.state.clock, all_or_nothing=True)
        if report.rejected:
            return _rejected(report, len(marks))
        logger.info("register marks from the API for %s: %d added, %d updated", found.slug,
                    report.added, report.updated)
        return MarksImported(added=report.added, updated=report.updated,
                             unchanged=report.unchanged, kept=report.kept, blank=report.blank)

    @routes.get("/tasks")
    def get_tasks(db: Database, school: SchoolQuery = None) -> list[TaskPublic]:
        """Open staff tasks, soonest due first."""
        return [TaskPublic(id=t.task.id or 0, upn=t.upn, kind=t.task.kind, role=t.task.role,
                           title=t.task.title, reason=t.task.reason,
                           due_at=t.task.due_at.astimezone(UTC), details=t.task.details)
                for t in open_tasks(session=db, school=_school(db, school))]

    @routes.post("/tasks/{task_id}/complete", responses={
        409: {"model": Problem, "description": "The task was completed with another outcome"}})
    def post_task_complete(task_id: RowId, body: TaskCompletion, request: Request, db: Database,
                           school: SchoolQuery = None) -> TaskDone:
        """Mark a task done with its outcome; sending the same completion again is harmless."""
        found = _school(db, school)
        try:
            with _transaction(db):
                task = complete_task(session=db, school=found, task_id=task_id,
                                     outcome=body.outcome, staff=body.staff,
                                     clock=request.app.state.clock,
                                     contact_made=body.contact_made)
        except TaskNotFound as error:
            raise HTTPException(404, str(error)) from None
        except TaskClosed as error:
            raise HTTPException(409, str(error)) from None
        return TaskDone(id=task_id, status=task.status, outcome=task.outcome,
                        completed_by=task.completed_by, completed_at=task.completed_at)

    @routes.post("/reports/{report_id}/approve", responses={
        409: {"model": Problem, "description": "Withdrawn or unfinished report"}})
    def post_approve(report_id: RowId, body: ApprovalIn, request: Request, db: Database,
                     school: SchoolQuery = None) -> ApprovalPublic:
        """Approve the report's code, or another with a reason, into the register."""
        found = _school(db, school)
        try:
            with _transaction(db):
                approval = approve_report(
                    session=db, school=found, report_id=report_id, staff=body.staff,
                    clock=request.app.state.clock, code=body.code, reason=body.reason,
                    role=body.role.value if body.role else None)
        except ReportNotFound as error:
            raise HTTPException(404, str(error)) from None
        except CannotApprove as error:
            raise HTTPException(409, str(error)) from None
        except (ApprovalRefused, UnknownCode) as error:
            raise HTTPException(422, str(error)) from None
        return ApprovalPublic(report_id=report_id, status="approved", code=approval.code,
                              marks=[MarkWrittenPublic(date=m.day, session=m.session,
                                                       old_mark=m.old_mark, new_mark=m.new_mark,
                                                       changed=m.changed)
                                     for m in approval.marks])

    return routes


def _key_check(settings: Settings) -> Callable[[HTTPAuthorizationCredentials | None], None]:
    """A dependency: 503 when no key is configured, 401 unless the bearer key matches."""
    key = settings.api_key.get_secret_value().encode() if settings.api_key else None

    def check(credentials: Annotated[HTTPAuthorizationCredentials | None,
                                     Depends(bearer)]) -> None:
        if key is None:
            raise HTTPException(503, "API disabled: set ROLLCALL_API_KEY")
        # Header values arrive decoded as latin-1; bytes let compare_digest take any of them.
        given = credentials.credentials.encode("latin-1") if credentials else b""
        if not secrets.compare_digest(given, key):
            raise HTTPException(401, "missing or wrong API key",
                                headers={"WWW-Authenticate": "Bearer"})

    return check


def _one_slug(query: str | None, body: list[MarkIn] | MarkBatch) -> str | None:
    given = body.school if isinstance(body, MarkBatch) else None
    if query and given and query != given:
        raise HTTPException(422, f"the query names school {query!r}, the body {given!r}")
    return query or given


def _school(db: Session, slug: str | None) -> School:
    if not slug and db.exec(select(func.count()).select_from(School)).one() > 1:
        raise HTTPException(422, "there are several schools: say which with `school`")
    try:
        return find_school(db, slug)
    except SchoolNotFound as error:
        raise HTTPException(404, str(error)) from None


def _rejected(report: MarkImportReport, total: int) -> JSONResponse:
    body = MarksRejected(
        detail=f"{len(report.rejected)} of {total} marks rejected; nothing was written",
        rejected=[RejectedMark(line=p.line, reason=p.message) for p in report.rejected])
    return JSONResponse(body.model_dump(), status_code=422)


@contextmanager
def _transaction(db: Session) -> Iterator[None]:
    """Commit what the block wrote; on an error nothing is committed (closing the session
    rolls back), so a refused call writes nothing."""
    try:
        yield
        db.commit()
    except IntegrityError:
        # Two writers inserting the same new mark at once: the loser's call is undone whole.
        db.rollback()
        raise HTTPException(409, "the same marks were being written at the same time; "
                                 "send them again") from None

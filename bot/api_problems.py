"""How the API says no: the shape of a refused call, the statuses every call may answer,
the limits on what text it takes, and the 422 for a request that does not validate.

Every refusal is a 4xx with a `detail` (a sentence, or field by field for a request that does
not validate), documented in the schema, so that the MIS can tell its own mistakes from ours.
"""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

# Text the database stores has no control characters but tabs and line breaks (a NUL, which
# anyone can post, is refused by PostgreSQL's text): such a request is a 422, not a 500.
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
LINE = r"^[^\x00-\x1f\x7f]*$"
EMAIL = r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$"


class FieldProblem(BaseModel):
    """One part of a request that did not validate."""

    loc: list[str | int] = Field(description="Where: body, query or path, then the field")
    msg: str
    type: str


class Problem(BaseModel):
    """A refused call: why, in words, or (a request that did not validate) field by field."""

    detail: str | list[FieldProblem]


REFUSALS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body is not JSON"},
    401: {"model": Problem, "description": "Missing or wrong API key"},
    404: {"model": Problem, "description": "No such school (or task, or report)"},
    422: {"model": Problem, "description": "The request does not validate, or names no "
          "school where there are several"},
    503: {"model": Problem, "description": "The API is off: ROLLCALL_API_KEY is not set"},
}


async def invalid_request(request: Request, error: Exception) -> JSONResponse:
    """FastAPI's 422 for a request that does not validate, with the values JSON cannot
    carry (NaN and the infinities, which Python's JSON reader accepts) written as text: the
    default answer would echo them back and fail with a 500."""
    assert isinstance(error, RequestValidationError)
    return JSONResponse({"detail": _finite(jsonable_encoder(error.errors()))}, status_code=422)


def _finite(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value

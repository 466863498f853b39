"""Reading school configuration files (TOML or JSON) with errors that name the file and the key."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


# An IANA time zone name such as "Europe/London", checked when the file is read.
TimeZoneName = Annotated[str, AfterValidator(_known_zone)]


class ConfigError(ValueError):
    """A configuration file that can't be used; says which file, which key and what is wrong."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = [f"{source}: {key}: {problem}" if key else f"{source}: {problem}"
                 for key, problem in problems]
        super().__init__("\n".join(lines))


def read_document(path: Path) -> dict[str, Any]:
    """Parse a .toml or .json file into a dict, or raise ConfigError saying where it broke."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(str(path), [("", "file not found")]) from None
    except UnicodeDecodeError as error:
        raise ConfigError(str(path), [("", f"not UTF-8 text ({error.reason})")]) from None
    return parse_document(text, source=str(path), json_format=path.suffix.lower() == ".json")


def parse_document(text: str, *, source: str, json_format: bool = False) -> dict[str, Any]:
    try:
        document = json.loads(text) if json_format else tomllib.loads(text)
    except json.JSONDecodeError as error:
        problem = f"invalid JSON at line {error.lineno}: {error.msg}"
        raise ConfigError(source, [("", problem)]) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(source, [("", f"invalid TOML: {error}")]) from None
    if not isinstance(document, dict):
        raise ConfigError(source, [("", "expected a table of settings at the top level")])
    return document


def validate(model: type[Model], document: dict[str, Any], *, source: str) -> Model:
    """Validate a parsed document, turning pydantic's errors into one ConfigError."""
    try:
        return model.model_validate(document)
    except ValidationError as error:
        raise ConfigError(source, [_describe(e) for e in error.errors()]) from None


def _describe(error: Any) -> tuple[str, str]:
    key = ".".join(str(part) for part in error["loc"])
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown setting (check the spelling)"
    elif error["type"] == "missing":
        message = "required but missing"
    elif "input" in error and not isinstance(error["input"], dict | list):
        message = f"{message} (got {error['input']!r})"
    return key, message

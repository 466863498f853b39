"""The domain (core/) knows no web framework and no provider SDK."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {"fastapi", "starlette", "uvicorn", "twilio", "telegram", "httpx", "typer", "bot"}
CORE = Path(__file__).resolve().parents[1] / "core"


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_no_web_framework_nor_provider_sdk() -> None:
    offenders = {
        str(path.relative_to(CORE.parent)): sorted(imported_roots(path) & FORBIDDEN)
        for path in CORE.rglob("*.py")
        if imported_roots(path) & FORBIDDEN
    }
    assert offenders == {}


def test_the_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import json\nfrom fastapi import FastAPI\nfrom twilio.rest import Client\n")
    assert imported_roots(sample) & FORBIDDEN == {"fastapi", "twilio"}

"""The README documents every setting and every command, so it stays the front door."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from bot.cli import app
from core.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def test_every_setting_is_documented_with_its_environment_variable() -> None:
    documented = set(re.findall(r"`(ROLLCALL_[A-Z_]+)`", README))
    expected = {f"ROLLCALL_{name.upper()}" for name in Settings.model_fields}
    assert expected - documented == set()


def test_the_readme_documents_no_setting_that_does_not_exist() -> None:
    documented = set(re.findall(r"^\| `(ROLLCALL_[A-Z_]+)`", README, flags=re.MULTILINE))
    expected = {f"ROLLCALL_{name.upper()}" for name in Settings.model_fields}
    assert documented - expected == set()


def command_paths() -> list[str]:
    paths = []

    def walk(command: object, prefix: str) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, f"{prefix} {name}")
        else:
            paths.append(prefix)

    walk(get_command(app), "rollcall")
    return paths


def test_every_command_is_in_the_cli_reference() -> None:
    missing = [path for path in command_paths() if f"`{path}" not in README]
    assert missing == []

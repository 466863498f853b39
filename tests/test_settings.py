"""Settings come from ROLLCALL_* variables and .env, with embedded defaults."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from core.settings import Settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(f"ROLLCALL_{name.upper()}", raising=False)


def test_the_defaults_need_no_accounts_anywhere(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.database_url == "sqlite:///rollcall.db"
    assert settings.channels == ["simulator"]


def test_channels_are_a_comma_separated_list(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ROLLCALL_CHANNELS", "simulator, SMS,telegram")
    assert Settings().channels == ["simulator", "sms", "telegram"]


def test_an_unknown_channel_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLCALL_CHANNELS", "fax")
    with pytest.raises(ValidationError, match="channels"):
        Settings()


def test_a_dot_env_file_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("ROLLCALL_DATABASE_URL=sqlite:///other.db\n")
    assert Settings().database_url == "sqlite:///other.db"


def test_a_short_api_key_is_refused_and_a_blank_one_is_unset(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROLLCALL_API_KEY", "changeme")
    with pytest.raises(ValidationError, match="at least 24 characters"):
        Settings()
    monkeypatch.setenv("ROLLCALL_API_KEY", " ")
    assert Settings().api_key is None

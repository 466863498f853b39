"""Deployment settings, read from ROLLCALL_* environment variables and an optional .env file."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Channel = Literal["simulator", "sms", "whatsapp", "telegram"]


class Settings(BaseSettings):
    """One deployment's configuration; build it once in the entry point and pass it down."""

    model_config = SettingsConfigDict(
        env_prefix="ROLLCALL_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = Field(
        default="sqlite:///rollcall.db",
        description="SQLAlchemy URL of the database; the default is a SQLite file in the "
        "working directory.",
    )
    channels: Annotated[list[Channel], NoDecode] = Field(
        default_factory=lambda: ["simulator"],
        description="Comma-separated channels to switch on: simulator, sms, whatsapp, telegram.",
    )
    host: str = Field(default="127.0.0.1", description="Address `rollcall serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `rollcall serve` uses.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Logging level. Message bodies are never logged at INFO."
    )
    migrate_on_start: bool = Field(
        default=True,
        description="Apply database migrations when the app starts (turn off when a deploy "
        "step runs `rollcall db upgrade` instead).",
    )

    @field_validator("channels", mode="before")
    @classmethod
    def _split_channels(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

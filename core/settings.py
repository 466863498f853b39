"""Deployment settings, read from ROLLCALL_* environment variables and an optional .env file."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Channel = Literal["simulator", "sms", "whatsapp", "telegram"]
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
# Telegram accepts 1-256 of these characters as a webhook secret token, and nothing else.
TELEGRAM_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
TELEGRAM_TOKEN = re.compile(r"^\d+:[A-Za-z0-9_-]+$")
API_KEY_MIN = 24
SECRET_KEY_MIN = 32


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
    api_key: SecretStr | None = Field(
        default=None,
        description="Bearer key for the MIS and staff API (/api/v1); at least 24 characters. "
        "Without it the API answers 503.",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        description="Signs staff session cookies; at least 32 characters. Without it each "
        "process makes a random key (development only: sign-ins end at a restart).",
    )

    public_url: str | None = Field(
        default=None,
        description="The public base URL providers call (https://rollcall.example.org); webhook "
        "signatures are checked against it, not the URL a proxy hands the app.",
    )
    twilio_account_sid: str | None = Field(
        default=None, description="Twilio account SID (AC...), for SMS and WhatsApp.")
    twilio_auth_token: SecretStr | None = Field(
        default=None, description="Twilio auth token: signs Twilio's webhooks and our API calls.")
    twilio_from: str | None = Field(
        default=None, description="The Twilio number SMS is sent from, in E.164 (+44...).")
    twilio_whatsapp_from: str | None = Field(
        default=None, description="The WhatsApp sender number on Twilio, in E.164.")
    twilio_whatsapp_template_sid: str | None = Field(
        default=None,
        description="Content SID (HX...) of the approved WhatsApp template used outside the "
        "24-hour window; its variable {{1}} carries the message text.",
    )
    twilio_api_base: str | None = Field(
        default=None,
        description="Send Twilio API calls here instead of https://api.twilio.com (a stand-in "
        "for tests or staging).",
    )
    telegram_token: SecretStr | None = Field(
        default=None, description="The Telegram bot's token from BotFather (123456:ABC...).")
    telegram_secret: SecretStr | None = Field(
        default=None,
        description="Secret Telegram sends with every webhook call (1-256 of A-Z, a-z, 0-9, _ "
        "and -); set with `rollcall telegram set-webhook`.",
    )
    telegram_api_base: str | None = Field(
        default=None,
        description="Send Telegram Bot API calls here instead of https://api.telegram.org (a "
        "stand-in for tests or staging).",
    )

    tick: bool = Field(
        default=True,
        description="Run the chase tick every minute inside `rollcall serve` (it is safe in "
        "every process; turn off where a separate scheduler runs `rollcall tick`).")
    outbox_in_web: bool = Field(
        default=True,
        description="`rollcall serve` also sends queued messages; turn off when `rollcall "
        "worker` processes do the sending.")
    outbox_processes: int = Field(
        default=1, ge=1,
        description="How many processes send from the outbox (workers, and web processes "
        "that send); each keeps to floor(rate / N) of every provider rate, at least 1 a "
        "second, so together they stay within it.")

    @field_validator("channels", mode="before")
    @classmethod
    def _split_channels(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    @field_validator("api_key", "secret_key", "public_url", "twilio_account_sid",
                     "twilio_auth_token", "twilio_from", "twilio_whatsapp_from",
                     "twilio_whatsapp_template_sid",
                     "twilio_api_base", "telegram_token", "telegram_secret", "telegram_api_base",
                     mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # `ROLLCALL_TWILIO_FROM=` in a .env file means "not set", not an invalid number.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("public_url", "twilio_api_base", "telegram_api_base")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not re.match(r"^https?://[^/?#\s]+(/[^?#\s]*)?$", value):
            raise ValueError("must be an http(s) URL without a query, such as "
                             "https://rollcall.example.org")
        return value.rstrip("/")

    @field_validator("twilio_from", "twilio_whatsapp_from")
    @classmethod
    def _check_number(cls, value: str | None) -> str | None:
        if value is not None and not E164.match(value):
            raise ValueError("must be a number in E.164, such as +447700900123")
        return value

    @field_validator("telegram_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TELEGRAM_SECRET.match(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("api_key")
    @classmethod
    def _check_api_key(cls, value: SecretStr | None) -> SecretStr | None:
        # The API reads and writes pupils' registers: a short key could be guessed.
        if value is not None and len(value.get_secret_value().strip()) < API_KEY_MIN:
            raise ValueError(f"must be at least {API_KEY_MIN} characters: make one with "
                             "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
        return value

    @field_validator("secret_key")
    @classmethod
    def _check_secret_key(cls, value: SecretStr | None) -> SecretStr | None:
        # Anyone who knows the key can sign a cookie saying they are the head.
        if value is not None and len(value.get_secret_value().strip()) < SECRET_KEY_MIN:
            raise ValueError(f"must be at least {SECRET_KEY_MIN} characters: make one with "
                             "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'")
        return value

    @field_validator("telegram_token")
    @classmethod
    def _check_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TELEGRAM_TOKEN.match(value.get_secret_value()):
            raise ValueError("does not look like a bot token from BotFather (123456:ABC...)")
        return value

    def missing_for(self, channel: str) -> list[str]:
        """The settings a channel cannot run without that are not set, as variable names."""
        needed = {
            "sms": ("twilio_account_sid", "twilio_auth_token", "twilio_from", "public_url"),
            "whatsapp": ("twilio_account_sid", "twilio_auth_token", "twilio_whatsapp_from",
                         "public_url"),
            "telegram": ("telegram_token", "telegram_secret"),
        }.get(channel, ())
        return [f"ROLLCALL_{name.upper()}" for name in needed if not getattr(self, name)]

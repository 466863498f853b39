"""Sending SMS and WhatsApp messages through Twilio, with the real `twilio` client.

The client is synchronous (it uses `requests`), so each call runs in a thread of the sender's
own pool, sized to the outbox's concurrency: asyncio's default pool has only cpu + 4 threads,
which at Twilio's ~100 ms a call would cap sending near 60 a second. Each thread has a client
of its own, because the twilio client keeps the last response on itself and two threads
sharing one could read each other's answers. Twilio's answer decides whether the outbox tries
again: throttling, its own faults and an unreachable API may pass; a refused message (a bad
number, a recipient who texted STOP) will not.
"""

from __future__ import annotations

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from requests import RequestException
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.senders import Outgoing, SendError, Sent
from core.settings import Settings

TIMEOUT_SECONDS = 15.0  # requests waits forever without one; a stuck call would block a thread
THREADS = 32  # calls in flight at once; the outbox's concurrency when it builds the sender
STATUS_PATH = "/webhooks/twilio/status"
# Twilio error codes staff are likely to meet, said plainly in the thread's error column.
KNOWN_ERRORS = {
    21211: "not a valid phone number",
    21408: "the school's Twilio account cannot send to this country",
    21610: "the parent has replied STOP to this number",
    21614: "not a mobile number",
    63016: "outside WhatsApp's 24-hour window and not a template",
}


@dataclass(frozen=True)
class TwilioConfig:
    """What the sender needs from the settings (checked complete before it is built)."""

    account_sid: str
    auth_token: str
    public_url: str
    sms_from: str | None = None
    whatsapp_from: str | None = None
    whatsapp_template_sid: str | None = None
    api_base: str | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> TwilioConfig:
        assert settings.twilio_account_sid and settings.twilio_auth_token
        assert settings.public_url
        return cls(account_sid=settings.twilio_account_sid,
                   auth_token=settings.twilio_auth_token.get_secret_value(),
                   public_url=settings.public_url, sms_from=settings.twilio_from,
                   whatsapp_from=settings.twilio_whatsapp_from,
                   whatsapp_template_sid=settings.twilio_whatsapp_template_sid,
                   api_base=settings.twilio_api_base)


class RebasedHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client, sending every call to `base` instead of *.twilio.com.

    The client's region and edge options can only choose among Twilio's hosts, so a stand-in
    (tests, staging) is reached the way Twilio documents for proxies: a custom http_client.
    """

    def __init__(self, base: str, timeout: float = TIMEOUT_SECONDS) -> None:
        super().__init__(timeout=timeout)
        self.base = urlsplit(base)

    def request(self, method: str, url: str, params: dict[str, object] | None = None,
                data: dict[str, object] | None = None, headers: dict[str, str] | None = None,
                auth: tuple[str, str] | None = None, timeout: float | None = None,
                allow_redirects: bool = False) -> Response:
        parts = urlsplit(url)
        url = urlunsplit((self.base.scheme, self.base.netloc, self.base.path + parts.path,
                          parts.query, parts.fragment))
        return super().request(method, url, params=params, data=data, headers=headers,
                               auth=auth, timeout=timeout, allow_redirects=allow_redirects)


class TwilioSender:
    """Sends SMS and WhatsApp messages; one instance serves both channels."""

    def __init__(self, config: TwilioConfig, timeout: float = TIMEOUT_SECONDS,
                 threads: int = THREADS) -> None:
        self.config, self.timeout = config, timeout
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="twilio")
        self._local = threading.local()

    async def send(self, message: Outgoing) -> Sent:
        fields = self._fields(message)
        try:
            created = await asyncio.get_running_loop().run_in_executor(
                self._pool, lambda: self._client().messages.create(**fields))
        except (TwilioRestException, TwilioServiceException) as error:
            raise _refused(error.status, error.code) from error
        except RequestException as error:
            raise SendError(f"Twilio could not be reached: {type(error).__name__}",
                            retry=True) from error
        assert created.sid is not None
        return Sent(provider_id=created.sid, status=str(created.status or "queued"))

    async def close(self) -> None:
        """Stop the sender's threads (when the app or worker stops); calls in flight finish
        on their own, within the time-out."""
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _client(self) -> Client:
        """This thread's client, made on its first call."""
        client: Client | None = getattr(self._local, "client", None)
        if client is None:
            config = self.config
            http_client = RebasedHttpClient(config.api_base, self.timeout) if config.api_base \
                else TwilioHttpClient(timeout=self.timeout)
            client = self._local.client = Client(config.account_sid, config.auth_token,
                                                 http_client=http_client)
        return client

    def _fields(self, message: Outgoing) -> dict[str, str]:
        """The Message resource to create: SMS, WhatsApp free-form, or WhatsApp template."""
        config = self.config
        fields = {"to": message.to, "status_callback": config.public_url + STATUS_PATH}
        if message.channel == "sms":
            if not config.sms_from:
                raise SendError("ROLLCALL_TWILIO_FROM is not set", retry=False)
            # Each school texts from its own number; the deployment's is the fallback.
            return fields | {"from_": message.from_address or config.sms_from,
                             "body": message.text}
        if not config.whatsapp_from:
            raise SendError("ROLLCALL_TWILIO_WHATSAPP_FROM is not set", retry=False)
        sender = message.from_address or config.whatsapp_from
        fields |= {"to": f"whatsapp:{message.to}", "from_": f"whatsapp:{sender}"}
        if message.in_session:
            return fields | {"body": message.text}
        # Outside the 24 hours after the parent last wrote, WhatsApp delivers only templates
        # Meta approved; ours carries the whole text in its one variable.
        if not config.whatsapp_template_sid:
            raise SendError("outside WhatsApp's 24-hour window and "
                            "ROLLCALL_TWILIO_WHATSAPP_TEMPLATE_SID is not set", retry=False)
        return fields | {"content_sid": config.whatsapp_template_sid,
                         "content_variables": json.dumps({"1": message.text})}


def _refused(status: int, code: int | None) -> SendError:
    """Twilio's refusal as a SendError: throttling and Twilio's own faults are worth a retry."""
    retry = status == 429 or status >= 500
    meaning = KNOWN_ERRORS.get(code or 0)
    text = f"Twilio refused the message: HTTP {status}, error {code}"
    return SendError(f"{text} ({meaning})" if meaning else text, retry=retry)

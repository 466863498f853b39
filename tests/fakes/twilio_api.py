"""Twilio's REST API as far as Rollcall uses it: creating a Message.

`POST /2010-04-01/Accounts/{AccountSid}/Messages.json` with HTTP basic auth answers 201 and a
Message resource shaped like Twilio's; `then_fail(status, code)` makes the next call fail the
way Twilio fails (its legacy error body: code, message, more_info, status).
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

from tests.fakes.server import Answer, FakeServer, Request

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "test-auth-token-" + "f" * 16
MESSAGES = re.compile(r"^/2010-04-01/Accounts/(AC\w+)/Messages\.json$")
ERRORS = {
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    21211: "The 'To' number is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
}


class FakeTwilio(FakeServer):
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        super().__init__()
        self.account_sid, self.auth_token = account_sid, auth_token

    def then_fail(self, status: int, code: int) -> None:
        self.then_answer(status, error(status, code))

    def messages(self) -> list[dict[str, str]]:
        """The form fields of every Message created, oldest first."""
        return [r.params() for r in self.requests if MESSAGES.match(r.path.split("?")[0])]

    def answer(self, request: Request) -> Answer:
        found = MESSAGES.match(request.path)
        if request.method != "POST" or not found:
            return Answer(404, error(404, 20404))
        if found.group(1) != self.account_sid or not self._authorised(request):
            return Answer(401, error(401, 20003))
        return Answer(201, self._message(request.params()))

    def _authorised(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    def _message(self, form: dict[str, str]) -> dict[str, Any]:
        sid = "SM" + uuid.uuid4().hex
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}"
        return {
            "account_sid": self.account_sid, "api_version": "2010-04-01",
            "body": form.get("Body", ""), "date_created": "Mon, 23 Nov 2026 07:50:00 +0000",
            "date_sent": None, "date_updated": "Mon, 23 Nov 2026 07:50:00 +0000",
            "direction": "outbound-api", "error_code": None, "error_message": None,
            "from": form.get("From"), "messaging_service_sid": None, "num_media": "0",
            "num_segments": "1", "price": None, "price_unit": "GBP", "sid": sid,
            "status": "queued", "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": form.get("To"), "uri": f"{uri}.json",
        }


def error(status: int, code: int) -> dict[str, Any]:
    return {"code": code, "message": ERRORS.get(code, "Error"), "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}"}

"""Telegram's Bot API as far as Rollcall uses it: getMe, sendMessage and setWebhook.

Calls go to `/bot<token>/<method>`; a wrong token gets 401 as from Telegram. Answers are
`{"ok": true, "result": ...}`; `then_fail(status, description)` makes the next call fail
the way Telegram fails (`{"ok": false, "error_code", "description", "parameters"}`).
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from tests.fakes.server import Answer, FakeServer, Request

BOT_ID = 7000000001
TOKEN = f"{BOT_ID}:AAH-test-token_0123456789abcdefghij"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "Example Primary",
            "username": "example_primary_bot", "can_join_groups": False,
            "can_read_all_group_messages": False, "supports_inline_queries": False}


class FakeTelegram(FakeServer):
    def __init__(self, token: str = TOKEN) -> None:
        super().__init__()
        self.token = token
        self._message_ids = itertools.count(100)

    def then_fail(self, status: int, description: str, retry_after: int | None = None) -> None:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        self.then_answer(status, body)

    def calls(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call to `method`, JSON values decoded, oldest first."""
        return [{k: _decoded(v) for k, v in r.params().items()} for r in self.requests
                if r.path == f"/bot{self.token}/{method}"]

    def answer(self, request: Request) -> Answer:
        prefix = f"/bot{self.token}/"
        if not request.path.startswith(prefix):
            return _failure(401, "Unauthorized")
        method, params = request.path[len(prefix):], request.params()
        if method == "getMe":
            return Answer(200, {"ok": True, "result": BOT_USER})
        if method == "sendMessage":
            return Answer(200, {"ok": True, "result": self._sent(params)})
        if method == "setWebhook":
            return Answer(200, {"ok": True, "result": True, "description": "Webhook was set"})
        return _failure(404, "Not Found")

    def _sent(self, params: dict[str, str]) -> dict[str, Any]:
        return {"message_id": next(self._message_ids), "date": 1795420200,
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER, "text": params["text"]}


def _failure(status: int, description: str) -> Answer:
    return Answer(status, {"ok": False, "error_code": status, "description": description})


def _decoded(value: str) -> Any:
    # PTB sends each parameter as a form field; objects (reply_markup) are JSON inside it.
    return json.loads(value) if value[:1] in ("{", "[") else value

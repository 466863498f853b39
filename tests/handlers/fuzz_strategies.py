"""What the webhook fuzz and race tests share: a seeded database on either engine, requests
fired at the same instant, and Hypothesis strategies for what providers (or anyone on the
internet) might post.

Strategies lean towards the shapes that broke things before: NUL characters (PostgreSQL text
refuses them), numbers past 64 bits, fields missing or of the wrong type, and sizes at and past
every cap.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from hypothesis import strategies as st
from sqlalchemy import Engine

from core.clock import FixedClock
from core.models import ChannelKind
from tests.handlers.channel_app import JAMES, SARAH, add_example_school

T = TypeVar("T")
EXAMPLES = int(os.environ.get("ROLLCALL_FUZZ_EXAMPLES", "60"))


def seed(engine: Engine, clock: FixedClock, addresses: dict[ChannelKind, str]) -> str:
    """Example Primary with the Smiths, in a migrated database; the URL to give the app."""
    add_example_school(engine, clock, addresses)
    return engine.url.render_as_string(hide_password=False)


def at_once(*calls: Callable[[], T]) -> list[T]:
    """Run the calls in threads released at the same instant, like two deliveries of one
    webhook arriving together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], T]) -> T:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


# Text: anything unicode can hold, with the awkward characters made likely.
AWKWARD = st.sampled_from(["\x00", "\ufeff", "\u202e", "\ud7ff", "\U0001f912", "\r\n", "%",
                           "&", "=", "+", "\\", "'", '"', "<", "\u0301", "\x7f", "\t"])
TEXT = st.lists(st.one_of(st.characters(codec="utf-8"), AWKWARD), max_size=60).map("".join)
WORDS = st.one_of(TEXT.filter(str.strip), st.sampled_from([
    "Millie is off sick today", "Jack has a temperature, back Thursday", "STOP", "START",
    "help", "cancel", "\x00", "Jack\x00 is ill", "/start", "/start 123456", "1", "both"]))
HUGE = st.integers(min_value=1, max_value=6).map(lambda n: "x" * (4000 * n))
FIELD = st.one_of(TEXT, HUGE, st.sampled_from(["", " ", "0", "-1", "1e9", "NaN", "null"]))
NUMBER = st.sampled_from([SARAH, JAMES, "+447700900599", "+40712345678"])
SID = st.from_regex(r"\ASM[0-9a-f]{32}\Z")
BIG = st.one_of(st.integers(), st.integers(min_value=2**63 - 2, max_value=2**80),
                st.integers(max_value=-(2**63) + 2, min_value=-(2**80)))
ANY_JSON = st.recursive(st.one_of(st.none(), st.booleans(), BIG, st.floats(), TEXT),
                        lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                st.dictionaries(TEXT, inner, max_size=3)),
                        max_leaves=6)
# A generated request, and whether it is a parent's message the app must keep.
Post = tuple[dict[str, Any], bool]


def twilio_message(sms_number: str, whatsapp_number: str) -> st.SearchStrategy[Post]:
    """A Twilio message form, SMS or WhatsApp, well formed with any text (kept), or with fields
    junk or gone."""
    def form_for(sid: str, sender: str, body: str, whatsapp: bool) -> dict[str, Any]:
        prefix = "whatsapp:" if whatsapp else ""
        return {"MessageSid": sid, "From": prefix + sender,
                "To": prefix + (whatsapp_number if whatsapp else sms_number), "Body": body,
                "NumMedia": "0", "AccountSid": "AC" + "0" * 32, "SmsStatus": "received"}

    form = st.builds(form_for, SID, NUMBER, st.one_of(WORDS, HUGE, st.just("")), st.booleans())
    junk = st.one_of(FIELD, NUMBER, SID)
    return st.one_of(form.map(lambda f: (f, True)),
                     form.flatmap(lambda f: _mangled(f, junk)).map(lambda f: (f, False)))


def twilio_status() -> st.SearchStrategy[dict[str, str]]:
    """A status callback: a known status or junk, and ErrorCode junk of every kind."""
    report = st.fixed_dictionaries({
        "MessageSid": st.one_of(SID, FIELD), "To": st.one_of(NUMBER, FIELD),
        "MessageStatus": st.one_of(st.sampled_from(
            ["queued", "sent", "delivered", "read", "failed", "undelivered"]), FIELD),
    }, optional={"ErrorCode": st.one_of(st.sampled_from(
        ["21610", "0", "-1", "99999999999999999999999", "٣", "²", "1" * 5000]), FIELD)})
    return st.one_of(report, report.flatmap(lambda f: _mangled(f, FIELD)))


def _mangled(fields: dict[str, Any], junk: st.SearchStrategy[Any]
             ) -> st.SearchStrategy[dict[str, Any]]:
    """The fields with some dropped, some junk, and junk ones added (NumMedia, MediaUrl99)."""
    names = [*sorted(fields), "NumMedia", "MediaUrl0", "MediaUrl99", "MediaContentType0"]
    changes = st.dictionaries(st.sampled_from(names), st.one_of(st.none(), junk), min_size=1)
    return changes.map(lambda c: {k: v for k, v in (fields | c).items() if v is not None})


def telegram_update(chat: int) -> st.SearchStrategy[Post]:
    """A Bot API update with a new private text message (kept), with odd but valid values at
    the edges (ids up to Telegram's 52 bits, dates up to 2106); or the same with a part
    replaced by junk (huge ids, odd dates, wrong types) or left out; or any JSON at all."""
    user = st.fixed_dictionaries({"id": st.just(chat), "is_bot": st.just(False),
                                  "first_name": TEXT})
    message = st.fixed_dictionaries({
        "message_id": st.integers(1, 2**31 - 1), "date": st.integers(0, 2**32 - 1),
        "chat": st.fixed_dictionaries({"id": st.one_of(st.just(chat), st.integers(
            1, 2**52 - 1)), "type": st.just("private"), "first_name": TEXT}),
        "from": user, "text": WORDS})
    update = st.fixed_dictionaries({"update_id": st.integers(0, 2**52), "message": message})
    junk = st.one_of(ANY_JSON, BIG, st.floats(), TEXT, st.none(), st.just({}))
    return st.one_of(
        update.map(lambda u: (u, True)),
        update.flatmap(lambda u: _replaced(u, junk)).map(lambda u: (u, False)),
        st.dictionaries(TEXT, ANY_JSON, max_size=3).map(lambda u: (u, False)))


TELEGRAM_PARTS = [("update_id",), ("message",), ("message", "message_id"), ("message", "date"),
                  ("message", "chat"), ("message", "chat", "id"), ("message", "chat", "type"),
                  ("message", "from"), ("message", "from", "id"), ("message", "text"),
                  ("message", "caption"), ("message", "contact"), ("message", "photo"),
                  ("message", "contact", "phone_number"), ("edited_message",)]


def _replaced(update: dict[str, Any], junk: st.SearchStrategy[Any]
              ) -> st.SearchStrategy[dict[str, Any]]:
    """The update with one part junk (or gone: None deletes), copied, never changed in place."""
    def apply(path: tuple[str, ...], value: Any) -> dict[str, Any]:
        copy = json.loads(json.dumps(update))
        parent = copy
        for key in path[:-1]:
            if not isinstance(parent.get(key), dict):
                parent[key] = {}
            parent = parent[key]
        parent[path[-1]] = value
        if value is None:
            del parent[path[-1]]
        return copy

    contact = st.fixed_dictionaries({"phone_number": st.one_of(NUMBER, FIELD, BIG),
                                     "first_name": TEXT, "user_id": st.one_of(BIG, st.none())})
    return st.builds(apply, st.sampled_from(TELEGRAM_PARTS), st.one_of(junk, contact))


def simulator_post() -> st.SearchStrategy[Any]:
    """What the simulator page posts, or anything else JSON can say."""
    return st.one_of(ANY_JSON, st.fixed_dictionaries({
        "school": st.one_of(st.just("example"), TEXT),
        "number": st.one_of(NUMBER, FIELD), "text": st.one_of(WORDS, HUGE)},
        optional={"id": st.one_of(TEXT, ANY_JSON)}))

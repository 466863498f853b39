"""What to monitor, in Prometheus's text format at /metrics (prometheus_client).

Queue depth and the oldest queued message are read from the database when scraped, so any
process gives the deployment's true figure. Counters and histograms (webhooks, sends, ticks)
are per process: scrape every process, and sum. No label names a school, pupil or number:
the metrics say how the service is, never who it is about.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as _generate
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.clock import Clock
from core.conversation_models import Direction, MessageStatus
from core.conversation_models import Message as StoredMessage

logger = logging.getLogger(__name__)
CONTENT_TYPE = CONTENT_TYPE_LATEST
REGISTRY = CollectorRegistry()

WEBHOOKS = Counter("rollcall_webhook_requests", "Webhook requests by channel and outcome "
                   "(accepted, duplicate, refused: a bad signature or secret, invalid: a body "
                   "we could not read, error: our failure)", ["channel", "outcome"],
                   registry=REGISTRY)
SENDS = Histogram("rollcall_send_seconds", "Time to hand one message to its provider, by "
                  "channel and outcome (sent, retry: the provider may recover, failed, lost: "
                  "sent but another process had taken the row, a possible duplicate)",
                  ["channel", "outcome"], registry=REGISTRY,
                  buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
INBOUND_BATCHES = Histogram("rollcall_inbound_batch_messages", "Inbound messages stored and "
                            "read together in one batch (bigger when a process is busy)",
                            registry=REGISTRY, buckets=(1, 2, 5, 10, 25, 50))
INBOUND_READS = Histogram("rollcall_inbound_read_seconds", "Time to store, read and answer one "
                          "batch of inbound messages", registry=REGISTRY,
                          buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5))
INBOUND_LEFT_UNREAD = Counter("rollcall_inbound_left_unread", "Messages a process stored but "
                              "stopped before reading, picked up by a later tick (read, or "
                              "left for staff)",
                              registry=REGISTRY)
TICKS = Histogram("rollcall_tick_seconds", "Time for one pass of the chase tick",
                  registry=REGISTRY, buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60))
TICK_FAILURES = Counter("rollcall_tick_failures", "Chase ticks that failed (the next retries)",
                        registry=REGISTRY)


class QueueCollector(Collector):
    """The outbox as the database holds it, read at each scrape."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine, self.clock = engine, clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily("rollcall_outbox_queued", "Outgoing messages waiting to be "
                                  "sent, by channel", labels=["channel"])
        oldest = GaugeMetricFamily("rollcall_outbox_oldest_seconds", "Age of the oldest "
                                   "message waiting to be sent (0 when none)")
        up = GaugeMetricFamily("rollcall_database_up", "1 if the database answered the scrape")
        try:
            with Session(self.engine) as session:
                rows = session.exec(select(StoredMessage.channel, func.count(), func.min(
                    StoredMessage.created_at)).where(
                    StoredMessage.direction == Direction.outgoing.value,
                    StoredMessage.status == MessageStatus.queued.value).group_by(
                    col(StoredMessage.channel))).all()
        except SQLAlchemyError:
            logger.exception("metrics: the database did not answer")
            up.add_metric([], 0)
            yield up
            return
        now = self.clock()
        first: datetime | None = None
        for channel, count, created in rows:
            depth.add_metric([channel], count)
            if created is not None and (first is None or created < first):
                first = created
        oldest.add_metric([], (now - first).total_seconds() if first else 0.0)
        up.add_metric([], 1)
        yield from (depth, oldest, up)


def watch_queue(engine: Engine, clock: Clock) -> CollectorRegistry:
    """A registry with this process's counters and the queue read from `engine`."""
    registry = CollectorRegistry()
    registry.register(_Shared())
    registry.register(QueueCollector(engine, clock))
    return registry


class _Shared(Collector):
    """This process's counters and histograms, inside each app's own registry."""

    def collect(self) -> Iterator[object]:
        yield from REGISTRY.collect()


def generate(registry: CollectorRegistry) -> bytes:
    return _generate(registry)


WEBHOOK_PREFIXES = (("/webhooks/twilio", "twilio"), ("/webhooks/telegram", "telegram"),
                    ("/simulator/api/", "simulator"))


def outcome(status: int) -> str:
    if status < 300:
        return "accepted"
    if status in (401, 403):
        return "refused"
    return "invalid" if status < 500 else "error"


class CountWebhooks:
    """ASGI middleware: webhook outcomes by channel, for /metrics (refused signatures and our
    own errors are what to alert on).

    Plain ASGI rather than Starlette's BaseHTTPMiddleware, which runs every request through
    an extra task and memory stream: that cost 0.15-0.2 ms of CPU a request, measured.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        channel = next((c for prefix, c in WEBHOOK_PREFIXES if path.startswith(prefix)), None)
        if channel is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except Exception:
            WEBHOOKS.labels(channel, "error").inc()
            raise
        WEBHOOKS.labels(channel, outcome(status)).inc()

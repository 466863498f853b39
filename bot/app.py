"""The web application: `create_app(settings)` builds everything a request needs; no globals."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, func, select

from bot import api
from bot.channels import add_channel
from bot.delivery import outbox_loop, tick_loop
from bot.metrics import CONTENT_TYPE, WEBHOOKS, generate, watch_queue
from bot.pages import render_page
from bot.web import add_staff_pages
from core import db
from core.clock import Clock, system_clock
from core.models import School
from core.settings import Settings

logger = logging.getLogger(__name__)


WEBHOOK_PREFIXES = (("/webhooks/twilio", "twilio"), ("/webhooks/telegram", "telegram"),
                    ("/simulator/api/", "simulator"))


def _outcome(status: int) -> str:
    if status < 300:
        return "accepted"
    if status in (401, 403):
        return "refused"
    return "invalid" if status < 500 else "error"


def create_app(settings: Settings, *, clock: Clock = system_clock) -> FastAPI:
    """The FastAPI app for one deployment, on the settings' database."""
    engine = db.make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            db.upgrade(engine)
        logger.info("channels on: %s", ", ".join(app.state.senders) or "none")
        outbox = asyncio.create_task(outbox_loop(app.state))
        tick = asyncio.create_task(tick_loop(app.state)) if settings.tick else None
        yield
        for task in (outbox, tick):
            if task is not None:
                task.cancel()
                with suppress(asyncio.CancelledError):
                    await task
        engine.dispose()

    app = FastAPI(title="Rollcall", lifespan=lifespan)
    app.state.settings = settings
    app.state.engine = engine
    app.state.clock = clock
    app.state.senders = {}
    for channel in settings.channels:
        add_channel(app, channel, settings)
    app.include_router(api.router(settings))
    add_staff_pages(app, settings)

    metrics = watch_queue(engine, clock)

    @app.middleware("http")
    async def count_webhooks(request: Request, call_next):  # type: ignore[no-untyped-def]
        """Webhook outcomes by channel, for /metrics: refused signatures and our own errors
        are what to alert on."""
        channel = next((c for prefix, c in WEBHOOK_PREFIXES if request.url.path.startswith(
            prefix)), None)
        if channel is None or request.method != "POST":
            return await call_next(request)
        try:
            response = await call_next(request)
        except Exception:
            WEBHOOKS.labels(channel, "error").inc()
            raise
        WEBHOOKS.labels(channel, _outcome(response.status_code)).inc()
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics_page() -> Response:
        """Prometheus text format: queue depth and age, sends, webhooks, ticks."""
        return Response(generate(metrics), media_type=CONTENT_TYPE)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        """Up and able to reach its database (for load balancers and monitoring)."""
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            logger.exception("health check: database unreachable")
            return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> HTMLResponse:
        with Session(engine) as session:
            schools = session.exec(select(func.count()).select_from(School)).one()
        return render_page("home.html", schools=schools, channels=settings.channels)

    return app

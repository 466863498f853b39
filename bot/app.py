"""The web application: `create_app(settings)` builds everything a request needs; no globals."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, func, select

from bot import api
from bot.api_problems import invalid_request
from bot.channels import add_channel
from bot.delivery import WEB_CONCURRENCY, outbox_loop, stop_loops, tick_loop
from bot.metrics import CONTENT_TYPE, CountWebhooks, generate, watch_queue
from bot.outbox import Outbox
from bot.pages import render_page
from bot.senders import close_senders
from bot.web import add_staff_pages
from core import db
from core.clock import Clock, system_clock
from core.models import School
from core.settings import Settings

logger = logging.getLogger(__name__)


def create_app(settings: Settings, *, clock: Clock = system_clock) -> FastAPI:
    """The FastAPI app for one deployment, on the settings' database."""
    engine = db.make_engine(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            if settings.migrate_on_start:
                db.upgrade(engine)
            logger.info("channels on: %s", ", ".join(app.state.senders) or "none")
            outbox = None
            if settings.outbox_in_web:  # otherwise `rollcall worker` processes send
                app.state.outbox = Outbox(engine, app.state.senders, clock,
                                          concurrency=WEB_CONCURRENCY,
                                          processes=settings.outbox_processes)
                outbox = asyncio.create_task(outbox_loop(app.state))
            tick = asyncio.create_task(tick_loop(app.state)) if settings.tick else None
            yield
            # Bounded: sends in flight get a few seconds to finish, then all is cancelled.
            await stop_loops(app.state, outbox=outbox, tick=tick)
        finally:  # whatever failed above, every sender's connections are closed
            await close_senders(app.state.senders)
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

    app.add_middleware(CountWebhooks)
    app.add_exception_handler(RequestValidationError, invalid_request)

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

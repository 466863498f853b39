"""The web application: `create_app(settings)` builds everything a request needs; no globals."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, func, select

from bot import api
from bot.channels import add_channel
from bot.delivery import outbox_loop, tick_loop
from bot.pages import render_page
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

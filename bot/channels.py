"""Switching channels on: each adds its webhook routes and its sender to the app.

A channel without its credentials stays off and says so at start-up; an enabled channel never
accepts an unverified request (fail closed).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from bot.handlers import simulator
from bot.senders import SimulatorSender
from core.settings import Settings

logger = logging.getLogger(__name__)


def add_channel(app: FastAPI, channel: str, settings: Settings) -> None:
    if channel == "simulator":
        app.include_router(simulator.router())
        app.state.senders["simulator"] = SimulatorSender()
    else:
        logger.warning("channel %s is not available in this build; it stays off", channel)

"""Keys of what the application shares with its handlers (aiohttp AppKeys).

``CONFIG`` and ``ENGINE`` are set by ``create_app``; an app built for a test
with ``setup_api`` alone has neither, and handlers that need them answer 503.
"""

from __future__ import annotations

from aiohttp import web

from ccengine.config import Config
from ccengine.engine import Engine
from ccengine.web.errors import ApiError

CONFIG = web.AppKey("ccengine.config", Config)
ENGINE = web.AppKey("engine", Engine)
TIMEZONE = web.AppKey("ccengine.timezone", str)  # the contact center's, for pages


class EngineUnavailable(ApiError):
    status, error_id = 503, "engine-unavailable"

    def __init__(self) -> None:
        super().__init__("the engine is not running in this process")


def engine_of(app: web.Application) -> Engine:
    engine = app.get(ENGINE)
    if engine is None:
        raise EngineUnavailable()
    return engine

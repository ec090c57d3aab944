"""The one place that builds the running application: `create_app(config)`.

Background work (the database, the engine with its AMI connections) runs in
aiohttp cleanup contexts, so it starts with the app and is stopped and
awaited on shutdown. Nothing is built at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from ccengine.config import Config
from ccengine.db import Database
from ccengine.engine import Engine
from ccengine.routes.routing import Routing
from ccengine.web.api import setup_api

ENGINE_KEY = web.AppKey("engine", Engine)

EngineHook = Callable[[Engine], None]


def create_app(config: Config, on_engine: EngineHook | None = None) -> web.Application:
    app = web.Application()
    database = Database.open(config.database)
    routing = Routing(database, config.routes, region=config.tickets.default_region)
    engine = Engine(config.ami, config.tickets, database, routing)
    app[ENGINE_KEY] = engine
    if on_engine is not None:
        on_engine(engine)
    setup_api(app, database, config.web, region=config.tickets.default_region)
    app.cleanup_ctx.append(_database_context(database))
    app.cleanup_ctx.append(_engine_context(engine))
    return app


def _database_context(database: Database) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(_app: web.Application) -> AsyncIterator[None]:
        await database.migrate()
        yield
        await database.close()

    return context


def _engine_context(engine: Engine) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(_app: web.Application) -> AsyncIterator[None]:
        await engine.start()
        yield
        await engine.stop()

    return context

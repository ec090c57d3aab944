"""The one place that builds the running application: `create_app(config)`.

Background work (the database, the engine with its AMI connections) runs in
aiohttp cleanup contexts, so it starts with the app and is stopped and
awaited on shutdown. Nothing is built at import time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

from aiohttp import web

from ccengine.config import Config
from ccengine.db import Database
from ccengine.engine import Engine
from ccengine.routes.routing import Routing
from ccengine.sla.book import StoredSlaBook
from ccengine.transcribe.paths import recording_dirs
from ccengine.transcribe.service import build_workers
from ccengine.transcribe.whisper import ModelError
from ccengine.transcribe.worker import TranscriptionWorker
from ccengine.web.api import setup_api
from ccengine.web.hardening import handler_args
from ccengine.web.keys import CONFIG, ENGINE, SLA_BOOK

log = logging.getLogger(__name__)

ENGINE_KEY = ENGINE  # where tests and older callers look for it

EngineHook = Callable[[Engine], None]


def create_app(config: Config, on_engine: EngineHook | None = None) -> web.Application:
    app = web.Application(handler_args=handler_args())  # masking access log, JSON 414s
    database = Database.open(config.database)
    # One SLA book: the route walk and the API (and its invalidations) share it.
    sla_book = app[SLA_BOOK] = StoredSlaBook(database)
    routing = Routing(database, config.routes, region=config.tickets.default_region,
                      sla_book=sla_book)
    engine = Engine(config.ami, config.tickets, database, routing)
    app[ENGINE] = engine
    app[CONFIG] = config
    if on_engine is not None:
        on_engine(engine)
    # First: the cleanup contexts start in order, and the API's background work (the
    # session sweep) must not query tables the migration has not made yet.
    app.cleanup_ctx.append(_database_context(database))
    setup_api(app, database, config.web, region=config.tickets.default_region,
              timezone=config.tickets.timezone)
    app.cleanup_ctx.append(_engine_context(engine))
    if config.transcribe.workers:
        workers = build_workers(database, config.transcribe, recording_dirs(config.routes))
        engine.on_recorded(lambda _call, _recorded: _wake(workers))
        app.cleanup_ctx.append(_workers_context(workers))
    return app


def _wake(workers: list[TranscriptionWorker]) -> None:
    for worker in workers:
        worker.wake()


def _workers_context(
    workers: list[TranscriptionWorker],
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def context(_app: web.Application) -> AsyncIterator[None]:
        tasks = [asyncio.create_task(_work(worker), name=f"transcribe-{worker.name}")
                 for worker in workers]
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    return context


async def _work(worker: TranscriptionWorker) -> None:
    try:
        await worker.run()
    except ModelError as exc:
        # A configuration problem, not a job's: the jobs wait in the database.
        log.error("transcription worker %s stopped: %s", worker.name, exc)


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

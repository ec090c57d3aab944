"""Routing as the engine runs it: the executor, fed by the published graphs.

The executor must answer a new call within milliseconds, so it reads nothing
from the database on the way: the published graphs and the VIP customers'
numbers are kept in memory and refreshed in the background. A graph published
anywhere (CLI, another process) applies to the calls that start after the
next refresh, ``reload_seconds`` at most, without a restart.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import replace
from functools import partial

from ccengine.cancelling import cancel_and_wait
from ccengine.config import RoutesConfig
from ccengine.db import Database
from ccengine.routes.book import PublishedRoute, RouteBook
from ccengine.routes.executor import RouteExecutor
from ccengine.routes.store import RouteStore
from ccengine.routes.walk import WalkSettings
from ccengine.sla.book import SlaBookProvider, StoredSlaBook
from ccengine.sla.calendar import BusinessCalendar
from ccengine.tickets.phones import normalise
from ccengine.tickets.queries import vip_numbers

log = logging.getLogger(__name__)


class VipDirectory:
    def __init__(self) -> None:
        self._numbers: frozenset[str] = frozenset()

    def replace(self, numbers: frozenset[str]) -> None:
        self._numbers = numbers

    def __call__(self, number: str | None) -> bool:
        return number is not None and number in self._numbers


def walk_settings(config: RoutesConfig,
                  calendars: Mapping[str, BusinessCalendar] | None = None) -> WalkSettings:
    return WalkSettings(sound_prefix=config.sound_prefix, recordings_dir=config.recordings_dir,
                        voicemail_dir=config.voicemail_dir, record_calls=config.record_calls,
                        calendars=calendars or {})


class Routing:
    """``sla_book``: where the named calendars come from (the application's own, so
    the route walk and the SLA clocks read the same); default, one of its own."""

    def __init__(self, database: Database, config: RoutesConfig, region: str,
                 sla_book: SlaBookProvider | None = None) -> None:
        self.database, self.config = database, config
        self.sla_book = sla_book if sla_book is not None else StoredSlaBook(database)
        self.store = RouteStore(database)
        self.book = RouteBook()
        self.vips = VipDirectory()
        self.executor = RouteExecutor(
            self.book, walk_settings(config), config.context,
            normalise=partial(normalise, region=region), is_vip=self.vips,
        )
        self._stamp: object = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.refresh()
        self._task = asyncio.create_task(self._keep_fresh(), name="route-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait([self._task])
        await self.executor.stop()

    async def refresh(self) -> None:
        """Reload the published graphs if they changed; the calendars and VIP list always
        (the calendars from the SLA book's cache: reloaded only when changed)."""
        calendars = (await self.sla_book.current()).calendars
        if calendars is not self.executor.settings.calendars:
            # A walk keeps the settings it started with; the next call gets these.
            self.executor.settings = replace(self.executor.settings, calendars=calendars)
        stamp = await self.store.published_stamp()
        if stamp != self._stamp:
            stored = await self.store.published()
            self.book.replace([PublishedRoute(s.graph, s.version) for s in stored])
            self._stamp = stamp
            names = ", ".join(f"{s.name} v{s.version}" for s in stored) or "none"
            log.info("routing: published graphs %s", names)
        async with self.database.sessions() as session:
            self.vips.replace(await vip_numbers(session))

    async def _keep_fresh(self) -> None:
        while True:
            await asyncio.sleep(self.config.reload_seconds)
            try:
                await self.refresh()
            except Exception:  # a database hiccup must not stop routing
                log.exception("routing: refresh failed; keeping the graphs we have")

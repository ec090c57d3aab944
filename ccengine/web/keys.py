"""Keys of what the application shares with its handlers (aiohttp AppKeys).

``CONFIG`` and ``ENGINE`` are set by ``create_app``; an app built for a test
with ``setup_api`` alone has neither, so handlers read them with ``app.get``
(a section of ``Config``'s default stands in; what needs the engine answers 503).
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from ccengine.config import Config
from ccengine.engine import Engine
from ccengine.sla.book import StoredSlaBook
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider

CONFIG = web.AppKey("ccengine.config", Config)
ENGINE = web.AppKey("engine", Engine)
TIMEZONE = web.AppKey("ccengine.timezone", str)  # the contact center's, for pages
# Calendars and SLA policies: one provider per application, shared with the routing.
SLA_BOOK = web.AppKey("ccengine.sla_book", StoredSlaBook)


class Clock:
    """The time handlers read "now" from (a test gives the app a clock of its own)."""

    def now(self) -> datetime:
        return datetime.now(UTC)


CLOCK = web.AppKey("ccengine.clock", Clock)
SLA = web.AppKey[SlaProvider]("ccengine.sla")  # the SLA policies and calendars in force


def config_of(app: web.Application) -> Config:
    """The application's config; the defaults in an app built without one."""
    config = app.get(CONFIG)
    return config if config is not None else Config()



def clock_of(app: web.Application) -> Clock:
    return app.get(CLOCK) or Clock()


def sla_provider_of(app: web.Application) -> SlaProvider:
    """Where the SLA policies and calendars come from; the defaults until one is set."""
    return app.get(SLA) or DEFAULT_SLA

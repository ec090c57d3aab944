"""Snoozing a ticket over HTTP, and the sweep that wakes snoozed tickets and closes
resolved ones (started with the application, stopped with it).

``POST /api/v1/tickets/{number}/snooze {"until": iso}`` hides the ticket from the
lists and pauses its clocks; ``DELETE`` wakes it early. Both answer the ticket
as ``GET /api/v1/tickets/{number}`` does. A ticket the asker may not see is not
found, as everywhere. A woken ticket's assignee gets a notification (the bell of
``ccengine.notifications``), published on its topic once the wake is committed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import datetime

from aiohttp import web

from ccengine.cancelling import cancel_and_wait
from ccengine.notifications.api import notified
from ccengine.tickets import closing, snoozing
from ccengine.tickets.life_schemas import SCHEMAS
from ccengine.tickets.snoozing import Woken
from ccengine.users.service import Principal
from ccengine.web.auth import principal
from ccengine.web.body import InvalidBody, json_object
from ccengine.web.endpoints import Endpoint
from ccengine.web.errors import Unauthorized
from ccengine.web.keys import clock_of, config_of, sla_provider_of
from ccengine.web.params import DATABASE, checked_text
from ccengine.web.tickets_api import EDITORS, NUMBER, show_ticket, viewer_of
from ccengine.web.tickets_sla import now_of

__all__ = ["ENDPOINTS", "SCHEMAS", "setup", "sweep_once"]

log = logging.getLogger(__name__)

SWEEP_EVERY = 30.0  # seconds: a snooze ends at most this late
MAX_BATCHES = 20  # per sweep and kind: a backlog is worked off over several sweeps
_SWEEPING = web.AppKey("ccengine.ticket_life_sweep", bool)


def setup(app: web.Application) -> None:
    if not app.get(_SWEEPING, False):
        app[_SWEEPING] = True
        app.cleanup_ctx.append(_sweeping)


async def snooze(request: web.Request) -> web.Response:
    who = _who(request)
    number = _number(request)
    until = _until(await json_object(request))
    await snoozing.snooze(request.app[DATABASE], number, until, who.display_name,
                          now_of(request), viewer_of(who), sla_provider_of(request.app))
    return await show_ticket(request)


async def wake(request: web.Request) -> web.Response:
    who = _who(request)
    await snoozing.wake_early(request.app[DATABASE], _number(request),
                              who.display_name, now_of(request), viewer_of(who),
                              sla_provider_of(request.app))
    return await show_ticket(request)


def _who(request: web.Request) -> Principal:
    who = principal(request)
    if who is None:  # the auth middleware lets no one without a principal through
        raise Unauthorized()
    return who


def _number(request: web.Request) -> str:
    return checked_text("number", request.match_info["number"])


def _until(body: dict[str, object]) -> datetime:
    unknown = sorted(set(body) - {"until"})
    if unknown:
        raise InvalidBody(unknown[0], "unknown field; expected until")
    raw = body.get("until")
    if not isinstance(raw, str) or not raw:
        raise InvalidBody("until", "required: an ISO 8601 date and time with an offset")
    try:
        until = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidBody("until", f"not an ISO 8601 date and time: {raw[:40]!r}") from None
    if until.tzinfo is None:
        raise InvalidBody("until", "give an offset (Z or +01:00): whose 8:00 is it?")
    return until


# -- the sweep ---------------------------------------------------------------------------


async def sweep_once(app: web.Application) -> tuple[list[Woken], list[str]]:
    """Wake the due snoozes and close the resolved tickets past their days, in bounded
    batches; tell each woken ticket's assignee. Returns what it did."""
    database, sla = app[DATABASE], sla_provider_of(app)
    now = clock_of(app).now()
    woken: list[Woken] = []
    closed: list[str] = []
    after_days = config_of(app).tickets.auto_close_resolved_after_days
    for _ in range(MAX_BATCHES):
        batch = await snoozing.wake_due(database, now, sla)
        woken += batch
        if len(batch) < snoozing.SWEEP_BATCH:
            break
    for _ in range(MAX_BATCHES):
        numbers = await closing.close_resolved(database, now, after_days, sla)
        closed += numbers
        if len(numbers) < snoozing.SWEEP_BATCH:
            break
    _notify(app, woken)
    return woken, closed


def _notify(app: web.Application, woken: list[Woken]) -> None:
    """After the commit: each assignee's bell hears of her woken ticket at once (the
    notifications' follower publishes them, on every process, to their owners)."""
    if any(ticket.notification is not None for ticket in woken):
        notified(app)


async def _sweeping(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_sweep_forever(app), name="ticket-life-sweep")
    yield
    await cancel_and_wait([task])


async def _sweep_forever(app: web.Application) -> None:
    while True:
        try:
            await sweep_once(app)
        except Exception:  # a database hiccup: try again at the next round
            log.exception("waking snoozed and closing resolved tickets failed")
        await asyncio.sleep(SWEEP_EVERY)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/api/v1/tickets/{number}/snooze", snooze, EDITORS,
             summary="Snooze a ticket until a moment: it leaves the lists and its SLA "
                     "clocks pause; then it comes back in progress",
             parameters=[NUMBER], body="Snooze", result="TicketDetail"),
    Endpoint("DELETE", "/api/v1/tickets/{number}/snooze", wake, EDITORS,
             summary="Wake a snoozed ticket now (back in progress); no change if not snoozed",
             parameters=[NUMBER], result="TicketDetail"),
)

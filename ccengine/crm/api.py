"""The CRM look-up over HTTP and its wiring into the application.

``GET /api/v1/tickets/{number}/crm`` answers what the CRM knows of the ticket's
customer, for whoever may see the ticket (another agent's ticket is not found, as
everywhere). It always answers 200 with an ``outcome``; a CRM that is slow, down
or answering garbage is ``{"outcome": "failed", "reason": ...}`` within the
configured timeout. The ringing call's look-up follows its pop (``ringing``), and
tickets opened by any channel are looked up in the background (``opened``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from ccengine.agents.api import CONSOLE
from ccengine.crm.client import CrmClient
from ccengine.crm.opened import OpenedTickets, running
from ccengine.crm.ringing import RingLookups
from ccengine.crm.schemas import CONTRACT, SCHEMAS
from ccengine.crm.service import ticket_lookup
from ccengine.tickets.filters import viewer_of
from ccengine.web.auth import principal
from ccengine.web.endpoints import Endpoint
from ccengine.web.errors import Unauthorized
from ccengine.web.keys import config_of
from ccengine.web.params import DATABASE, checked_text
from ccengine.web.tickets_api import NUMBER, READERS

__all__ = ["CRM", "ENDPOINTS", "OPENED", "SCHEMAS", "setup"]

CRM = web.AppKey("ccengine.crm", CrmClient)
OPENED = web.AppKey("ccengine.crm_opened", OpenedTickets)


async def ticket_crm(request: web.Request) -> web.Response:
    who = principal(request)
    if who is None:  # the auth middleware lets no one without a principal through
        raise Unauthorized()
    number = checked_text("number", request.match_info["number"])
    result = await ticket_lookup(request.app[DATABASE], client_of(request.app), number,
                                 viewer_of(who))
    return web.json_response(result.as_json())


def client_of(app: web.Application) -> CrmClient:
    client = app.get(CRM)
    if client is None:  # an app built without ``setup`` (a test of the API alone)
        client = app[CRM] = CrmClient(config_of(app).crm)
    return client


def setup(app: web.Application) -> None:
    client = client_of(app)
    console = app.get(CONSOLE)  # the agents' feature made it (where there is an engine)
    if console is not None:
        console.on_ring.append(RingLookups(client, console).on_ring)
    app[OPENED] = OpenedTickets(app[DATABASE], client)
    app.cleanup_ctx.append(_living)


async def _living(app: web.Application) -> AsyncIterator[None]:
    async for _ in running(app[OPENED]):
        yield
    await client_of(app).close()


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/tickets/{number}/crm", ticket_crm, READERS,
             "What the CRM / shop knows of the ticket's customer (asked by the customer's "
             "phones, then e-mails; cached). Always 200 with an outcome: found, not_found, "
             "no_contact, disabled, or failed with a reason (timeout, http_status, "
             "invalid_answer, unreachable) within the configured timeout. " + CONTRACT,
             parameters=[NUMBER], result="CrmLookup"),
)

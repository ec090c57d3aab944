"""Customers API: flag a caller VIP (or not), from the ticket view or a CRM-minded admin.

A VIP customer's tickets are one step more urgent (P1 callbacks, P2 calls), and the
route graph's vip nodes with ``customers: true`` give their calls queue priority
(the executor reloads the VIP numbers within ``reload_seconds``).
"""

from __future__ import annotations

from aiohttp import web

from ccengine.tickets.filters import viewer_of
from ccengine.tickets.service import TicketService
from ccengine.tickets.views import to_json
from ccengine.users.models import Role
from ccengine.web.auth import principal
from ccengine.web.body import InvalidBody, json_object
from ccengine.web.endpoints import Endpoint, Schema, nullable, path_param
from ccengine.web.keys import config_of
from ccengine.web.params import DATABASE, checked_text

__all__ = ["ENDPOINTS", "SCHEMAS"]

FLAGGERS = frozenset({Role.ADMIN, Role.AGENT, Role.PRIVILEGED_AGENT})


def _vip(body: dict[str, object]) -> bool:
    unknown = sorted(set(body) - {"vip"})
    if unknown:
        raise InvalidBody(unknown[0], "unknown field; expected vip")
    value = body.get("vip")
    if not isinstance(value, bool):
        raise InvalidBody("vip", "is required: true or false")
    return value


async def update_customer(request: web.Request) -> web.Response:
    phone = checked_text("number", request.match_info["number"])
    vip = _vip(await json_object(request))
    who = principal(request)
    assert who is not None  # the endpoint is for FLAGGERS only: auth ran first
    tickets = TicketService(request.app[DATABASE], config_of(request.app).tickets)
    customer = await tickets.set_vip(phone, vip, who.display_name, viewer_of(who))
    return web.json_response(to_json(customer))


CUSTOMER: Schema = {
    "type": "object",
    "required": ["id", "phone", "name", "vip", "created_at"],
    "properties": {
        "id": {"type": "integer"},
        "phone": {"type": "string", "description": "E.164"},
        "name": nullable("string"),
        "vip": {"type": "boolean"},
        "created_at": {"type": "string", "format": "date-time"},
    },
}

SCHEMAS: dict[str, Schema] = {
    "Customer": CUSTOMER,
    "CustomerChanges": {
        "type": "object",
        "required": ["vip"],
        "additionalProperties": False,
        "properties": {"vip": {"type": "boolean", "description": "flag the caller VIP"}},
    },
}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("PATCH", "/api/v1/customers/{number}", update_customer, FLAGGERS,
             summary="Flag a known customer VIP or not (their tickets become more urgent)",
             parameters=[path_param("number", "the customer's phone number, in any format "
                                              "(URL-encode the '+')")],
             body="CustomerChanges", result="Customer"),
)

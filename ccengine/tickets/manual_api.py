"""``POST /api/v1/tickets``: an agent opens a ticket in the page, or a CRM through
the API, for a caller, an e-mail address, a known customer or nobody yet.

Answers 201 with the ticket as ``GET /api/v1/tickets/{number}`` does.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ccengine.customers.rules import InvalidValue, valid_email, valid_phone
from ccengine.tickets.enums import Priority
from ccengine.tickets.manual import (
    ForCustomer,
    ForEmail,
    ForPhone,
    ManualTicket,
    Recipient,
    UnknownCustomer,
    open_ticket,
)
from ccengine.tickets.manual_schemas import (
    MAX_ASSIGNEE,
    MAX_DESCRIPTION,
    MAX_PHONE,
    MAX_QUEUE,
    MAX_TITLE,
    SCHEMAS,
)
from ccengine.users.models import Role
from ccengine.users.service import Principal
from ccengine.web.auth import principal
from ccengine.web.body import InvalidBody, choice, integer, json_object, required_text, text
from ccengine.web.endpoints import Endpoint
from ccengine.web.errors import Unauthorized
from ccengine.web.keys import config_of, sla_provider_of
from ccengine.web.params import DATABASE
from ccengine.web.tickets_api import ticket_response
from ccengine.web.tickets_sla import now_of

__all__ = ["ENDPOINTS", "SCHEMAS"]

OPENERS = frozenset({Role.ADMIN, Role.AGENT, Role.PRIVILEGED_AGENT, Role.INTEGRATION})
AGENTS = frozenset({Role.AGENT, Role.PRIVILEGED_AGENT})
FIELDS = {"title", "description", "priority", "queue", "assignee", "for"}
RECIPIENTS = ("phone", "email", "customer")


async def create_ticket(request: web.Request) -> web.Response:
    who = principal(request)
    if who is None:  # the auth middleware lets no one without a principal through
        raise Unauthorized()
    region = config_of(request.app).tickets.default_region
    asked = _asked(await json_object(request), who, region)
    how = "via the API" if who.role is Role.INTEGRATION else "in the page"
    try:
        number = await open_ticket(request.app[DATABASE], asked, who.display_name, how,
                                   now_of(request), config_of(request.app).tickets,
                                   sla_provider_of(request.app))
    except UnknownCustomer as error:
        raise InvalidBody("for.customer", f"no customer {error.customer_id}") from None
    return await ticket_response(request, number, status=201)


def _asked(body: dict[str, Any], who: Principal, region: str) -> ManualTicket:
    unknown = sorted(set(body) - FIELDS)
    if unknown:
        raise InvalidBody(unknown[0], f"unknown field; expected {', '.join(sorted(FIELDS))}")
    assignee = text(body, "assignee", max_length=MAX_ASSIGNEE, allow_empty=False)
    if assignee is None and who.role in AGENTS:
        assignee = who.display_name  # she opened it, she works on it unless she says
    return ManualTicket(
        title=required_text(body, "title", max_length=MAX_TITLE).strip(),
        recipient=_recipient(body.get("for"), region),
        priority=choice(body, "priority", Priority) or Priority.P3,
        queue=text(body, "queue", max_length=MAX_QUEUE, allow_empty=False),
        assignee=assignee,
        description=text(body, "description", max_length=MAX_DESCRIPTION) or None,
    )


def _recipient(raw: object, region: str) -> Recipient:
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) > 1 or not set(raw) <= set(RECIPIENTS):
        raise InvalidBody("for", "one of {\"phone\": ...}, {\"email\": ...}, "
                                 "{\"customer\": id}, or nothing")
    if not raw:
        return None
    try:
        if "phone" in raw:
            phone = text(raw, "phone", required=True, max_length=MAX_PHONE) or ""
            return ForPhone(valid_phone(phone, region, "for.phone"))
        if "email" in raw:
            return ForEmail(valid_email(text(raw, "email", required=True) or "", "for.email"))
    except InvalidValue as error:
        raise InvalidBody(error.field, str(error)) from None
    except InvalidBody as error:
        raise InvalidBody(f"for.{error.field}", "must be a string within limits") from None
    try:
        customer = integer(raw, "customer", required=True, minimum=1)
    except InvalidBody:
        raise InvalidBody("for.customer", "must be a customer id") from None
    return ForCustomer(customer or 0)


ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/api/v1/tickets", create_ticket, OPENERS,
             summary="Open a ticket by hand for a phone number, an e-mail address, a known "
                     "customer or nobody yet; answers 201 with the ticket",
             body="NewTicket", result="TicketDetail"),
)

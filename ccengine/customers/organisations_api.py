"""Organisations over HTTP: every role reads; agents, privileged agents, admins and
integrations create and edit (the same people who edit customers)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ccengine.customers.api import MAX_QUERY, READERS, WRITERS
from ccengine.customers.errors import NoSuchOrganisation
from ccengine.customers.organisations import ORGANISATION_FIELDS, OrganisationService
from ccengine.customers.rules import InvalidValue, valid_nip
from ccengine.customers.schemas import MAX_LENGTHS
from ccengine.customers.service import utc_now
from ccengine.customers.storage_models import Organisation
from ccengine.tickets.filters import viewer_of
from ccengine.tickets.models import Customer, Ticket
from ccengine.web.auth import principal
from ccengine.web.body import InvalidBody, json_object, text
from ccengine.web.endpoints import PAGING, Endpoint, Schema, nullable, page_of, path_param, query
from ccengine.web.errors import InvalidParameter
from ccengine.web.params import DATABASE, MAX_SQL_INT, paging, text_param

__all__ = ["ENDPOINTS", "SCHEMAS"]


def _service(request: web.Request) -> OrganisationService:
    return OrganisationService(request.app[DATABASE], utc_now)


def _id(request: web.Request) -> int:
    raw = request.match_info["organisation"]
    short_number = raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_SQL_INT))
    if not short_number or not 1 <= int(raw) <= MAX_SQL_INT:
        raise NoSuchOrganisation(raw[:20])
    return int(raw)


def _values(body: Mapping[str, Any], creating: bool) -> dict[str, str | None]:
    unknown = sorted(set(body) - set(ORGANISATION_FIELDS))
    if unknown:
        raise InvalidBody(unknown[0], f"unknown field; expected one of {ORGANISATION_FIELDS}")
    if (creating or "name" in body) and not (text(body, "name") or "").strip():
        raise InvalidBody("name", "is required")
    values: dict[str, str | None] = {}
    for name in ORGANISATION_FIELDS:
        if name in body:
            value = (text(body, name, max_length=MAX_LENGTHS[name]) or "").strip()
            values[name] = value or None
    if values.get("nip"):
        try:
            values["nip"] = valid_nip(values["nip"] or "")
        except InvalidValue as exc:
            raise InvalidBody(exc.field, str(exc)) from None
    return values


def _json(organisation: Organisation) -> dict[str, Any]:
    return {"id": organisation.id, **{n: getattr(organisation, n) for n in ORGANISATION_FIELDS},
            "created_at": organisation.created_at.isoformat(),
            "updated_at": organisation.updated_at.isoformat()}


def _member(customer: Customer, open_tickets: list[Ticket]) -> dict[str, Any]:
    return {"id": customer.id, "name": customer.name, "phone": customer.phone_e164,
            "vip": customer.vip, "open_tickets": [_ticket(t) for t in open_tickets]}


def _ticket(ticket: Ticket) -> dict[str, Any]:
    return {"number": ticket.number, "title": ticket.title, "status": ticket.status,
            "priority": ticket.priority, "queue": ticket.queue, "assignee": ticket.assignee,
            "created_at": ticket.created_at.isoformat()}


async def list_organisations(request: web.Request) -> web.Response:
    page, per_page = paging(request)
    q = text_param(request, "q")
    if q is not None and len(q) > MAX_QUERY:
        raise InvalidParameter("q", f"must be at most {MAX_QUERY} characters")
    found, total = await _service(request).search(q, page, per_page)
    return web.json_response({"items": [_json(o) for o in found], "page": page,
                              "per_page": per_page, "total": total})


async def show_organisation(request: web.Request) -> web.Response:
    service = _service(request)
    organisation, people = await service.read(_id(request))
    who = principal(request)
    assert who is not None  # auth ran first: every role here needs a session or a token
    tickets = await service.open_tickets([c.id for c in people], viewer_of(who))
    return web.json_response({"organisation": _json(organisation),
                              "customers": [_member(c, tickets[c.id]) for c in people]})


async def create_organisation(request: web.Request) -> web.Response:
    values = _values(await json_object(request), creating=True)
    return web.json_response(_json(await _service(request).save(None, values)))


async def update_organisation(request: web.Request) -> web.Response:
    values = _values(await json_object(request), creating=False)  # a bad body: 400 first
    return web.json_response(_json(await _service(request).save(_id(request), values)))


FIELDS: dict[str, Schema] = {
    name: nullable("string", maxLength=MAX_LENGTHS[name]) for name in ORGANISATION_FIELDS}
MEMBER: Schema = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": nullable("string"), "phone": nullable("string"),
    "vip": {"type": "boolean"},
    "open_tickets": {"type": "array", "description": "unfinished tickets the caller may see "
                                                     "(a plain agent: the ticket list's rule)",
                     "items": {"type": "object", "properties": {
                         "number": {"type": "string"}, "title": {"type": "string"},
                         "status": {"type": "string"}, "priority": {"type": "string"},
                         "queue": nullable("string"), "assignee": nullable("string"),
                         "created_at": {"type": "string", "format": "date-time"}}}}}}
ORGANISATION: Schema = {
    "type": "object",
    "required": ["id", "name", "created_at", "updated_at"],
    "properties": {"id": {"type": "integer"}, **FIELDS,
                   "name": {"type": "string"},
                   "created_at": {"type": "string", "format": "date-time"},
                   "updated_at": {"type": "string", "format": "date-time"}},
}
SCHEMAS: dict[str, Schema] = {
    "Organisation": ORGANISATION,
    "OrganisationPage": page_of("Organisation"),
    "OrganisationDetail": {
        "type": "object", "required": ["organisation", "customers"],
        "properties": {"organisation": {"$ref": "#/components/schemas/Organisation"},
                       "customers": {"type": "array", "items": MEMBER}},
    },
    "OrganisationChanges": {"type": "object", "additionalProperties": False,
                            "properties": FIELDS},
}
ORGANISATION_ID = path_param("organisation", "the organisation's id",
                             {"type": "integer", "minimum": 1})
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/organisations", list_organisations, READERS,
             summary="Organisations, searched by name (case and diacritics folded) or NIP",
             parameters=[query("q", {"type": "string", "maxLength": MAX_QUERY},
                               "a name or a NIP"), *PAGING],
             result="OrganisationPage"),
    Endpoint("POST", "/api/v1/organisations", create_organisation, WRITERS,
             summary="Create an organisation (name required; NIP checksum verified; a NIP "
                     "or external id of another one is 409 naming it)",
             body="OrganisationChanges", result="Organisation"),
    Endpoint("GET", "/api/v1/organisations/{organisation}", show_organisation, READERS,
             summary="An organisation, its customers and their open tickets (those the "
                     "caller may see)", parameters=[ORGANISATION_ID],
             result="OrganisationDetail"),
    Endpoint("PATCH", "/api/v1/organisations/{organisation}", update_organisation, WRITERS,
             summary="Change an organisation's given fields", parameters=[ORGANISATION_ID],
             body="OrganisationChanges", result="Organisation"),
)

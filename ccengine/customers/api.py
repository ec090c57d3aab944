"""The customers API: list and search, read with history, create, update, merge.

Who may: every role reads (a plain agent sees the tickets and calls of a customer
she may see, as in the ticket list); agents, privileged agents, admins and
integrations create and edit (agents name the callers they talk to); merging
moves other people's tickets between customers, so only privileged agents and
admins merge. QA leads read only.

A customer is addressed by id; ``PATCH`` also takes a phone number with a '+' or
separators ("+48602999888", "602 999 888"), the older VIP-flag form. Either way a
plain agent changes the VIP flag (VIP calls jump queues) only of customers of
tickets she sees: 403 ``vip-not-yours`` otherwise.
"""

from __future__ import annotations

from aiohttp import web

from ccengine.customers.errors import NoSuchCustomer
from ccengine.customers.model import CustomerSearch
from ccengine.customers.schemas import SCHEMAS, customer_changes, merge_target
from ccengine.customers.service import CustomerService
from ccengine.customers.views import card_json, detail_json
from ccengine.tickets.filters import viewer_of
from ccengine.tickets.service import TicketService
from ccengine.tickets.views import to_json
from ccengine.users.models import Role
from ccengine.users.service import Principal
from ccengine.web.auth import principal
from ccengine.web.body import InvalidBody, json_object
from ccengine.web.endpoints import PAGING, Endpoint, path_param, query
from ccengine.web.errors import InvalidParameter
from ccengine.web.keys import config_of
from ccengine.web.params import (
    DATABASE,
    MAX_SQL_INT,
    REGION,
    checked_text,
    moment_param,
    paging,
    text_param,
)

__all__ = ["ENDPOINTS", "SCHEMAS"]

READERS = frozenset(Role)
WRITERS = frozenset({Role.ADMIN, Role.AGENT, Role.PRIVILEGED_AGENT, Role.INTEGRATION})
MERGERS = frozenset({Role.ADMIN, Role.PRIVILEGED_AGENT})
MAX_QUERY = 200


def _service(request: web.Request) -> CustomerService:
    return CustomerService(request.app[DATABASE], request.app[REGION])


def _who(request: web.Request) -> Principal:
    who = principal(request)
    assert who is not None  # every endpoint here needs a role: auth ran first
    return who


def _customer_id(request: web.Request) -> int | None:
    """The path's customer id; None when it is written as a phone number instead."""
    raw = checked_text("customer", request.match_info["customer"])
    short_number = raw.isascii() and raw.isdigit() and len(raw) <= len(str(MAX_SQL_INT))
    if short_number and not raw.startswith("0"):
        if int(raw) > MAX_SQL_INT:
            raise NoSuchCustomer(raw)
        return int(raw)
    return None


async def list_customers(request: web.Request) -> web.Response:
    page, per_page = paging(request)
    text = text_param(request, "q")
    if text is not None and len(text) > MAX_QUERY:
        raise InvalidParameter("q", f"must be at most {MAX_QUERY} characters")
    question = CustomerSearch(text, moment_param(request, "updated_since"), page, per_page)
    cards, total = await _service(request).search(question)
    return web.json_response({"items": [card_json(c) for c in cards], "page": page,
                              "per_page": per_page, "total": total})


async def show_customer(request: web.Request) -> web.Response:
    customer_id = _customer_id(request)
    if customer_id is None:
        raise NoSuchCustomer(request.match_info["customer"])
    card, history = await _service(request).read(customer_id, viewer_of(_who(request)))
    return web.json_response(detail_json(card, history))


async def create_customer(request: web.Request) -> web.Response:
    changes = customer_changes(await json_object(request), request.app[REGION])
    return web.json_response(card_json(await _service(request).create(changes)))


async def update_customer(request: web.Request) -> web.Response:
    customer_id = _customer_id(request)
    body = await json_object(request)
    if customer_id is None:
        return await _flag_by_phone(request, body)
    changes = customer_changes(body, request.app[REGION])
    updated = await _service(request).update(customer_id, changes, viewer_of(_who(request)))
    return web.json_response(card_json(updated))


async def merge_customer(request: web.Request) -> web.Response:
    customer_id = _customer_id(request)
    into = merge_target(await json_object(request))
    if customer_id is None:
        raise NoSuchCustomer(request.match_info["customer"])
    return web.json_response(card_json(await _service(request).merge(customer_id, into)))


async def _flag_by_phone(request: web.Request, body: dict[str, object]) -> web.Response:
    unknown = sorted(set(body) - {"vip"})
    if unknown:
        raise InvalidBody(unknown[0], "unknown field; a customer addressed by number takes "
                                      "only vip (address it by id to edit the rest)")
    if not isinstance(body.get("vip"), bool):
        raise InvalidBody("vip", "is required: true or false")
    who = _who(request)
    tickets = TicketService(request.app[DATABASE], config_of(request.app).tickets)
    phone = checked_text("customer", request.match_info["customer"])
    customer = await tickets.set_vip(phone, body["vip"] is True, who.display_name,
                                     viewer_of(who))
    return web.json_response(to_json(customer))


CUSTOMER = path_param("customer", "the customer's id; PATCH also takes a phone number "
                                  "written with '+' or separators (URL-encode the '+')")
ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/customers", list_customers, READERS,
             summary="Customers, searched by any phone form, e-mail, name (case and "
                     "diacritics folded) or company; updated_since for sync",
             parameters=[
                 query("q", {"type": "string", "maxLength": MAX_QUERY},
                       "a number in any form, an e-mail, a name or a company"),
                 query("updated_since", {"type": "string", "format": "date-time"},
                       "only customers changed at or after this moment (inclusive), "
                       "oldest change first"),
                 *PAGING],
             result="CustomerPage"),
    Endpoint("POST", "/api/v1/customers", create_customer, WRITERS,
             summary="Create a customer (phones normalised; a number or e-mail of "
                     "another customer is 409 naming them)",
             body="CustomerChanges", result="Customer"),
    Endpoint("GET", "/api/v1/customers/{customer}", show_customer, READERS,
             summary="A customer with the tickets, calls, callbacks and transcripts the "
                     "caller may see", parameters=[CUSTOMER], result="CustomerDetail"),
    Endpoint("PATCH", "/api/v1/customers/{customer}", update_customer, WRITERS,
             summary="Change a customer's fields (only those given; phones and emails "
                     "replace the lists)", parameters=[CUSTOMER],
             body="CustomerChanges", result="Customer"),
    Endpoint("POST", "/api/v1/customers/{customer}/merge", merge_customer, MERGERS,
             summary="Merge a duplicate into another customer: its numbers, e-mails, "
                     "calls and tickets move, VIP if either, notes joined; it is gone",
             parameters=[CUSTOMER], body="CustomerMerge", result="Customer"),
)

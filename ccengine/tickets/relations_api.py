"""Merge, link, split a call off, bulk edit, over HTTP.

Who may see what follows ``tickets.filters`` as everywhere: a ticket the asker may
not see is not found (404), on either side of a merge or a link. A merged number
stays resolvable: GET /api/v1/tickets/{number} answers the survivor (200) with
``merged_from`` set to the number asked (see ``tickets_api.show_ticket``); writes
to a merged number are refused (409 ``ticket-merged``, the message names the
survivor).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ccengine.ticket_fields.body import bulk_tag_changes
from ccengine.tickets.editing import TicketChanges
from ccengine.tickets.enums import Priority, TicketStatus
from ccengine.tickets.filters import viewer_of
from ccengine.tickets.relations import MAX_BULK, BulkResult, TicketRelations
from ccengine.tickets.relations_reads import ticket_ties
from ccengine.tickets.relations_rules import LinkKind
from ccengine.tickets.relations_schemas import SCHEMAS
from ccengine.users.models import Role
from ccengine.users.service import Principal
from ccengine.web.auth import principal
from ccengine.web.body import InvalidBody, choice, integer, json_object, required_text, text
from ccengine.web.endpoints import Endpoint, path_param
from ccengine.web.errors import Unauthorized, error_id
from ccengine.web.keys import config_of
from ccengine.web.params import DATABASE, checked_text
from ccengine.web.tickets_api import checked_assignee

__all__ = ["ENDPOINTS", "SCHEMAS"]

EDITORS = frozenset({Role.ADMIN, Role.AGENT, Role.PRIVILEGED_AGENT})
MAX_NUMBER = 64
ME = "me"
CHANGES = {"status", "priority", "assignee", "queue", "add_tags", "remove_tags"}


def _who(request: web.Request) -> Principal:
    who = principal(request)
    if who is None:  # the auth middleware lets no one without a principal through
        raise Unauthorized()
    return who


def _relations(request: web.Request) -> TicketRelations:
    return TicketRelations(request.app[DATABASE], config_of(request.app).tickets)


def _number(request: web.Request, name: str = "number") -> str:
    return checked_text(name, request.match_info[name])


def _only(body: dict[str, Any], known: set[str], prefix: str = "") -> None:
    unknown = sorted(set(body) - known)
    if unknown:
        raise InvalidBody(prefix + unknown[0],
                          f"unknown field; expected {', '.join(sorted(known))}")


async def merge_ticket(request: web.Request) -> web.Response:
    who, number = _who(request), _number(request)
    body = await json_object(request)
    _only(body, {"into"})
    into = required_text(body, "into", max_length=MAX_NUMBER)
    survivor = await _relations(request).merge(number, into, who.display_name, viewer_of(who))
    return web.json_response({"merged": number, "into": survivor})


async def add_link(request: web.Request) -> web.Response:
    who, number = _who(request), _number(request)
    body = await json_object(request)
    _only(body, {"number", "kind"})
    other = required_text(body, "number", max_length=MAX_NUMBER)
    kind = choice(body, "kind", LinkKind, required=True)
    assert kind is not None  # required
    await _relations(request).link(number, other, kind, who.display_name, viewer_of(who))
    return await _ties(request, number, who)


async def remove_link(request: web.Request) -> web.Response:
    who, number = _who(request), _number(request)
    other = _number(request, "other")
    await _relations(request).unlink(number, other, who.display_name, viewer_of(who))
    return await _ties(request, number, who)


async def _ties(request: web.Request, number: str, who: Principal) -> web.Response:
    async with request.app[DATABASE].sessions() as session:
        ties = await ticket_ties(session, number, viewer_of(who))
    return web.json_response(ties)


async def split_ticket(request: web.Request) -> web.Response:
    who, number = _who(request), _number(request)
    body = await json_object(request)
    _only(body, {"call_id"})
    call_id = integer(body, "call_id", required=True, minimum=1)
    assert call_id is not None  # required
    new = await _relations(request).split(number, call_id, who.display_name, viewer_of(who))
    return web.json_response({"number": new, "from": number})


async def bulk_edit(request: web.Request) -> web.Response:
    who = _who(request)
    body = await json_object(request)
    _only(body, {"numbers", "changes"})
    numbers = _numbers(body.get("numbers"))
    changes = await _changes(request, who, body.get("changes"))
    results = await _relations(request).bulk_update(numbers, changes, who.display_name,
                                                    viewer_of(who))
    return web.json_response({"items": [_result(result) for result in results]})


def _numbers(raw: object) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise InvalidBody("numbers", "give a list of ticket numbers")
    if len(raw) > MAX_BULK:
        raise InvalidBody("numbers", f"at most {MAX_BULK} tickets at a time")
    checked = [required_text({"numbers": value}, "numbers", max_length=MAX_NUMBER)
               for value in raw]
    if len(set(checked)) != len(checked):
        raise InvalidBody("numbers", "each ticket once")
    return checked


async def _changes(request: web.Request, who: Principal, raw: object) -> TicketChanges:
    if not isinstance(raw, dict):
        raise InvalidBody("changes", "give an object of status, priority, assignee, queue")
    _only(raw, CHANGES, "changes.")
    try:
        changes = TicketChanges(
            status=choice(raw, "status", TicketStatus),
            priority=choice(raw, "priority", Priority),
            assignee=await checked_assignee(request, who, text(raw, "assignee", max_length=200,
                                                         allow_empty=False)),
            reassign="assignee" in raw,
            queue=text(raw, "queue", max_length=100, allow_empty=False),
            fields=bulk_tag_changes(raw))
    except InvalidBody as error:
        raise InvalidBody(f"changes.{error.field}", str(error)) from None
    if changes.empty:
        raise InvalidBody("changes", "give at least one of status, priority, assignee, queue, "
                                     "add_tags, remove_tags")
    return changes


def _result(result: BulkResult) -> dict[str, Any]:
    if result.error is None:
        return {"number": result.number, "ok": True, "error": None}
    return {"number": result.number, "ok": False, "error": error_id(result.error),
            "message": str(result.error)}


NUMBER = path_param("number", "ticket number, e.g. TK-2026-000001")
OTHER = path_param("other", "the linked ticket's number")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("POST", "/api/v1/tickets/{number}/merge", merge_ticket, EDITORS,
             summary="Merge this ticket into another: its calls, notes and transcripts move "
                     "there, it is closed and its number points there",
             parameters=[NUMBER], body="MergeRequest", result="MergeResult"),
    Endpoint("POST", "/api/v1/tickets/{number}/links", add_link, EDITORS,
             summary="Link another ticket to this one (related, parent or child)",
             parameters=[NUMBER], body="NewLink", result="TicketTies"),
    Endpoint("DELETE", "/api/v1/tickets/{number}/links/{other}", remove_link, EDITORS,
             summary="Remove the link between two tickets",
             parameters=[NUMBER, OTHER], result="TicketTies"),
    Endpoint("POST", "/api/v1/tickets/{number}/split", split_ticket, EDITORS,
             summary="Split a call off this ticket into a new ticket, linked as related",
             parameters=[NUMBER], body="SplitRequest", result="SplitResult"),
    Endpoint("POST", "/api/v1/tickets/bulk", bulk_edit, EDITORS,
             summary="Change status, priority, assignee and/or queue of many tickets, each "
                     "on its own (the answer says per ticket)",
             body="BulkChanges", result="BulkResult"),
)

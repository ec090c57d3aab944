"""Saved views of the ticket list: list, create, change, delete.

A view's query holds the list's own parameters; it is checked here by the very
parsing the list uses, so a stored view never fails when applied (400 naming
``query.<parameter>`` otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from ccengine.ticket_fields import saved_views
from ccengine.ticket_fields.list_params import field_filter
from ccengine.ticket_fields.saved_views import ViewChanges, ViewSpec
from ccengine.ticket_fields.schemas import SCHEMAS, VIEW_PARAMETERS
from ccengine.users.models import HUMAN_ROLES
from ccengine.users.service import Principal
from ccengine.web.auth import principal
from ccengine.web.body import InvalidBody, boolean, json_object, text
from ccengine.web.endpoints import Endpoint, path_param
from ccengine.web.errors import InvalidParameter
from ccengine.web.params import DATABASE, checked_text
from ccengine.web.tickets_api import list_filters
from ccengine.web.tickets_sla import now_of, sort_of

__all__ = ["ENDPOINTS", "SCHEMAS"]

_FIELDS = {"name", "query", "sort", "shared"}


@dataclass(frozen=True, slots=True)
class _Trial:
    query: MultiDictProxy[str]
    app: web.Application


def _who(request: web.Request) -> Principal:
    who = principal(request)
    if who is None or who.user_id is None:  # HUMAN_ROLES let only users through
        raise web.HTTPForbidden()
    return who


def _only(body: dict[str, Any]) -> None:
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise InvalidBody(unknown[0], f"unknown field; expected {', '.join(sorted(_FIELDS))}")


def _query(body: dict[str, Any]) -> dict[str, str] | None:
    raw = body.get("query")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise InvalidBody("query", "must be an object of list parameters")
    for name, value in raw.items():
        if name not in VIEW_PARAMETERS:
            raise InvalidBody(f"query.{name}", "not a filter of the ticket list; one of "
                                               f"{', '.join(VIEW_PARAMETERS)}")
        if not isinstance(value, str) or len(value) > 200:
            raise InvalidBody(f"query.{name}", "must be a string of at most 200 characters")
    return {name: value for name, value in raw.items() if value}


async def _checked(request: web.Request, who: Principal, query: dict[str, str],
                   sort: str | None) -> None:
    """Parse the view as the list will: the same errors, named as body fields."""
    params = MultiDict({**query, **({"sort": sort} if sort else {})})
    # The list's parsers read only ``query`` and ``app``; a request whose body was read
    # cannot be cloned, so they get a stand-in holding just those two.
    trial = cast(web.Request, _Trial(MultiDictProxy(params), request.app))
    try:
        list_filters(trial, who, now_of(request))
        sort_of(trial)
        async with request.app[DATABASE].sessions() as session:
            await field_filter(trial, session, who)
    except InvalidParameter as exc:
        field = "sort" if exc.parameter == "sort" else f"query.{exc.parameter}"
        raise InvalidBody(field, str(exc)) from None


def _sort(body: dict[str, Any]) -> str | None:
    return text(body, "sort", max_length=40) or None


async def get_views(request: web.Request) -> web.Response:
    return web.json_response(
        {"items": await saved_views.list_views(request.app[DATABASE], _who(request))})


async def post_view(request: web.Request) -> web.Response:
    who = _who(request)
    body = await json_object(request)
    _only(body)
    name = text(body, "name", required=True, max_length=100, allow_empty=False)
    assert name is not None  # required
    spec = ViewSpec(name.strip(), _query(body) or {}, _sort(body))
    await _checked(request, who, spec.query, spec.sort)
    made = await saved_views.create_view(request.app[DATABASE], who, spec,
                                         boolean(body, "shared", False), datetime.now(UTC))
    return web.json_response(made)


def _ref(request: web.Request) -> str:
    return checked_text("view_id", request.match_info["view_id"])


async def patch_view(request: web.Request) -> web.Response:
    who = _who(request)
    body = await json_object(request)
    _only(body)
    name = text(body, "name", max_length=100, allow_empty=False)
    changes = ViewChanges(name=name.strip() if name else None, query=_query(body),
                          sort=_sort(body), set_sort="sort" in body,
                          shared=boolean(body, "shared", False) if "shared" in body else None)
    await _checked(request, who, changes.query or {}, changes.sort)
    return web.json_response(await saved_views.update_view(
        request.app[DATABASE], who, _ref(request), changes, datetime.now(UTC)))


async def delete_view(request: web.Request) -> web.Response:
    await saved_views.delete_view(request.app[DATABASE], _who(request), _ref(request))
    return web.json_response({"deleted": True})


VIEW_ID = path_param("view_id", "the saved view's id")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/ticket-views", get_views, HUMAN_ROLES,
             summary="The saved views of the ticket list the asker may use: built-in, "
                     "own and shared", result="TicketViews"),
    Endpoint("POST", "/api/v1/ticket-views", post_view, HUMAN_ROLES,
             summary="Save a filter and sort of the ticket list as a view (admins and "
                     "privileged agents may share it)", body="TicketViewChanges",
             result="TicketView"),
    Endpoint("PATCH", "/api/v1/ticket-views/{view_id}", patch_view, HUMAN_ROLES,
             summary="Change a saved view (its owner or an admin)", parameters=[VIEW_ID],
             body="TicketViewChanges", result="TicketView"),
    Endpoint("DELETE", "/api/v1/ticket-views/{view_id}", delete_view, HUMAN_ROLES,
             summary="Delete a saved view (its owner or an admin)", parameters=[VIEW_ID],
             result="Deleted"),
)

"""The admin side of ticket fields and the tags in use.

Everyone who reads tickets reads the category tree and the custom field definitions
(the forms need them); only admins change them. Tags in use are counted over the
tickets the asker may see.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiohttp import web

from ccengine.automation.api import FIELDS
from ccengine.ticket_fields import categories, custom_fields
from ccengine.ticket_fields.automation_fields import StoredTicketFields
from ccengine.ticket_fields.body import category_name, choices_of, new_definition, parent_of
from ccengine.ticket_fields.reads import MAX_TAG_SUGGESTIONS, tags_in_use
from ccengine.ticket_fields.schemas import SCHEMAS
from ccengine.tickets.filters import viewer_of
from ccengine.users.models import Role
from ccengine.web.auth import principal
from ccengine.web.body import InvalidBody, boolean, integer, json_object, text
from ccengine.web.endpoints import Endpoint, path_param, query
from ccengine.web.errors import InvalidParameter, Unauthorized
from ccengine.web.keys import clock_of
from ccengine.web.params import DATABASE, MAX_SQL_INT, checked_text, text_param
from ccengine.web.params import integer as integer_param

__all__ = ["ENDPOINTS", "SCHEMAS", "setup"]

READERS = frozenset({Role.ADMIN, Role.AGENT, Role.PRIVILEGED_AGENT, Role.QA_LEAD,
                     Role.INTEGRATION})
ADMINS = frozenset({Role.ADMIN})
_CATEGORY_FIELDS = {"name", "parent_id", "position", "retired"}
_FIELD_FIELDS = {"label_pl", "label_en", "choices", "required", "retired", "position"}


def _now() -> datetime:
    return datetime.now(UTC)


def _only(body: dict[str, object], known: set[str]) -> None:
    unknown = sorted(set(body) - known)
    if unknown:
        raise InvalidBody(unknown[0], f"unknown field; expected {', '.join(sorted(known))}")


async def get_categories(request: web.Request) -> web.Response:
    return web.json_response({"items": await categories.list_categories(request.app[DATABASE])})


async def post_category(request: web.Request) -> web.Response:
    body = await json_object(request)
    _only(body, {"name", "parent_id"})
    name = category_name(body, required=True)
    assert name is not None  # required
    made = await categories.create_category(request.app[DATABASE], name, parent_of(body), _now())
    return web.json_response(made)


def _category_id(request: web.Request) -> int:
    raw = request.match_info["category_id"]
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_SQL_INT:
        raise InvalidParameter("category_id", f"expected a category id, got {raw!r}")
    return int(raw)


async def patch_category(request: web.Request) -> web.Response:
    category_id = _category_id(request)
    body = await json_object(request)
    _only(body, _CATEGORY_FIELDS)
    changes = categories.CategoryChanges(
        name=category_name(body, required=False), move="parent_id" in body,
        parent_id=parent_of(body), position=integer(body, "position", maximum=10_000),
        retired=boolean(body, "retired", False) if "retired" in body else None)
    updated = await categories.update_category(request.app[DATABASE], category_id, changes,
                                               _now())
    return web.json_response(updated)


async def get_fields(request: web.Request) -> web.Response:
    return web.json_response({"items": await custom_fields.list_fields(request.app[DATABASE])})


async def post_field(request: web.Request) -> web.Response:
    body = await json_object(request)
    _only(body, {"key", "kind", "label_pl", "label_en", "choices", "required"})
    made = await custom_fields.create_field(request.app[DATABASE], new_definition(body), _now())
    return web.json_response(made)


async def patch_field(request: web.Request) -> web.Response:
    key = checked_text("key", request.match_info["key"])
    body = await json_object(request)
    _only(body, _FIELD_FIELDS)
    changes = custom_fields.DefinitionChanges(
        label_pl=text(body, "label_pl", max_length=100, allow_empty=False),
        label_en=text(body, "label_en", max_length=100, allow_empty=False),
        choices=choices_of(body), position=integer(body, "position", maximum=10_000),
        required=boolean(body, "required", False) if "required" in body else None,
        retired=boolean(body, "retired", False) if "retired" in body else None)
    return web.json_response(await custom_fields.update_field(
        request.app[DATABASE], key, changes, _now()))


async def get_tags(request: web.Request) -> web.Response:
    who = principal(request)
    if who is None:
        raise Unauthorized()
    prefix = text_param(request, "prefix")
    if prefix is not None and len(prefix) > 50:
        raise InvalidParameter("prefix", "at most 50 characters")
    limit = integer_param(request, "limit", 20, minimum=1, maximum=MAX_TAG_SUGGESTIONS)
    async with request.app[DATABASE].sessions() as session:
        items = await tags_in_use(session, viewer_of(who), prefix, limit)
    return web.json_response({"items": items})


CATEGORY_ID = path_param("category_id", "the category's id", {"type": "integer", "minimum": 1})
KEY = path_param("key", "the custom field's key, e.g. contract")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", "/api/v1/ticket-categories", get_categories, READERS,
             summary="The category tree, depth first (retired ones included, marked)",
             result="TicketCategories"),
    Endpoint("POST", "/api/v1/ticket-categories", post_category, ADMINS,
             summary="Add a category (top level, or under parent_id)",
             body="NewTicketCategory", result="TicketCategory"),
    Endpoint("PATCH", "/api/v1/ticket-categories/{category_id}", patch_category, ADMINS,
             summary="Rename, move (parent_id; null: top level), reorder or retire a "
                     "category (a retired one stays on old tickets, takes no new ones; "
                     "its subcategories retire with it and come back with it; 409 "
                     "category-parent-retired for one in use under a retired parent)",
             parameters=[CATEGORY_ID], body="TicketCategoryChanges", result="TicketCategory"),
    Endpoint("GET", "/api/v1/ticket-fields", get_fields, READERS,
             summary="The custom field definitions (retired ones included, marked)",
             result="CustomFields"),
    Endpoint("POST", "/api/v1/ticket-fields", post_field, ADMINS,
             summary="Define a custom field: text, number, choice or date",
             body="NewCustomField", result="CustomField"),
    Endpoint("PATCH", "/api/v1/ticket-fields/{key}", patch_field, ADMINS,
             summary="Relabel a custom field, change its choices (a choice on tickets "
                     "stays), make it required or retire it",
             parameters=[KEY], body="CustomFieldChanges", result="CustomField"),
    Endpoint("GET", "/api/v1/ticket-tags", get_tags, READERS,
             summary="Tags in use on the tickets the asker may see, most used first "
                     "(autocomplete)",
             parameters=[query("prefix", {"type": "string", "maxLength": 50},
                               "only tags starting with this (normalised)"),
                         query("limit", {"type": "integer", "minimum": 1,
                                         "maximum": MAX_TAG_SUGGESTIONS, "default": 20},
                               "at most this many")],
             result="TicketTags"),
)


def setup(app: web.Application) -> None:
    """Automation rules read and set category and tags through these fields (the
    runner reads the key at startup, the rule editor on each request)."""
    if FIELDS not in app:  # a test may bring its own
        app[FIELDS] = StoredTicketFields(clock=lambda: clock_of(app).now())

"""The ticket list's field parameters: category (with its subtree), tag, custom_field,
open, my_queues; checked against the stored definitions, 400 naming the parameter."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.ticket_fields.custom_fields import definition_of, definitions
from ccengine.ticket_fields.errors import FieldsError
from ccengine.ticket_fields.filtering import FieldFilter
from ccengine.ticket_fields.my_queues import queues_of_user
from ccengine.ticket_fields.rules import canonical_value, normalise_tag
from ccengine.users.service import Principal
from ccengine.web.endpoints import query
from ccengine.web.errors import InvalidParameter
from ccengine.web.params import MAX_SQL_INT, checked_text, integer, optional, yes_no

MAX_CUSTOM_FILTERS = 10
FIELD_PARAMETERS = ("category", "tag", "custom_field", "open", "my_queues")


async def field_filter(request: web.Request, session: AsyncSession,
                       who: Principal) -> FieldFilter | None:
    if not any(name in request.query for name in FIELD_PARAMETERS):
        return None
    raw_category = request.query.get("category")
    mine = optional(request, "my_queues", yes_no) or False
    return FieldFilter(
        category_id=integer(request, "category", 0, minimum=1, maximum=MAX_SQL_INT)
        if raw_category else None,
        tags=_tags(request),
        custom=await _custom(request, session),
        open_only=optional(request, "open", yes_no) or False,
        queues=await queues_of_user(session, who.user_id) if mine else None)


def _tags(request: web.Request) -> tuple[str, ...]:
    tags = []
    for raw in request.query.getall("tag", []):
        try:
            tags.append(normalise_tag(checked_text("tag", raw)))
        except ValueError as exc:
            raise InvalidParameter("tag", f"{raw!r} {exc}") from None
    return tuple(tags)


async def _custom(request: web.Request, session: AsyncSession) -> tuple[tuple[int, str], ...]:
    asked = request.query.getall("custom_field", [])
    if len(asked) > MAX_CUSTOM_FILTERS:
        raise InvalidParameter("custom_field", f"at most {MAX_CUSTOM_FILTERS}")
    if not asked:
        return ()
    rows = await definitions(session)
    pairs = []
    for raw in asked:
        key, colon, value = checked_text("custom_field", raw).partition(":")
        if not colon or key not in rows:
            raise InvalidParameter("custom_field", f"{raw!r}: key:value of a defined field")
        try:
            pairs.append((rows[key].id, canonical_value(definition_of(rows[key]), value)))
        except FieldsError as exc:
            raise InvalidParameter("custom_field", str(exc)) from None
    return tuple(pairs)


FIELD_LIST_PARAMETERS = [
    query("category", {"type": "integer", "minimum": 1},
          "only tickets of this category or one below it"),
    query("tag", {"type": "string", "maxLength": 50},
          "only tickets with this tag (normalised: case and spaces folded); repeat for all "
          "of several"),
    query("custom_field", {"type": "string", "example": "contract:gold"},
          "key:value, only tickets whose custom field has this value (numbers and dates "
          "compared as values); repeat for several"),
    query("open", {"type": "boolean"}, "only tickets not resolved or closed"),
    query("my_queues", {"type": "boolean"},
          "only tickets of the queues the asker is a member of (published route graphs)"),
    query("view", {"type": "string", "example": "my-open"},
          "apply a saved view (its id, or my-open, at-risk, unassigned-in-my-queues); "
          "parameters given beside it win"),
]

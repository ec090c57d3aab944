"""Reading JSON request bodies: every malformed body is a 400 with a stable id.

Handlers call ``json_object`` and then the typed getters; any problem raises
``InvalidBody`` (400 ``invalid-body``) naming the field, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from aiohttp import web

from ccengine.web.errors import ApiError
from ccengine.web.json_limits import JsonRefused, decode
from ccengine.web.params import MAX_SQL_INT

T = TypeVar("T")

MAX_TEXT = 10_000


class InvalidBody(ApiError):
    status, error_id = 400, "invalid-body"

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"body field {field!r}: {problem}" if field else problem)
        self.field = field


async def json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object; an empty body counts as ``{}``.

    Every JSON endpoint reads its body here: too deep, lone surrogates and
    broken text are a 400 ``invalid-body``, never a RecursionError or a
    database encoding error later.
    """
    raw = await request.read()
    if not raw:
        return {}
    try:
        body = decode(raw)
    except JsonRefused as exc:
        raise InvalidBody("", str(exc)) from None
    if not isinstance(body, dict):
        raise InvalidBody("", "expected a JSON object")
    return body


def text(body: Mapping[str, Any], name: str, *, required: bool = False,
         max_length: int = MAX_TEXT, allow_empty: bool = True) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidBody(name, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidBody(name, "must be a string")
    if "\x00" in value:  # PostgreSQL text cannot hold NUL
        raise InvalidBody(name, "must not contain NUL characters")
    if len(value) > max_length:
        raise InvalidBody(name, f"must be at most {max_length} characters")
    if not allow_empty and not value.strip():
        raise InvalidBody(name, "must not be empty")
    return value


def required_text(body: Mapping[str, Any], name: str, *, max_length: int = MAX_TEXT) -> str:
    value = text(body, name, required=True, max_length=max_length, allow_empty=False)
    assert value is not None  # required=True raised otherwise
    return value


def choice(body: Mapping[str, Any], name: str, parse: Callable[[str], T], *,
           required: bool = False) -> T | None:
    """A string field parsed by ``parse`` (an enum, say); ValueError → 400."""
    raw = text(body, name, required=required, max_length=200)
    if raw is None:
        return None
    try:
        return parse(raw)
    except ValueError:
        raise InvalidBody(name, f"unknown value {raw!r}") from None


def boolean(body: Mapping[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise InvalidBody(name, "must be true or false")
    return value


def integer(body: Mapping[str, Any], name: str, *, required: bool = False,
            minimum: int = 0, maximum: int = MAX_SQL_INT) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise InvalidBody(name, "is required")
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidBody(name, "must be an integer")
    if not minimum <= value <= maximum:
        raise InvalidBody(name, f"must be {minimum}..{maximum}")
    return value


def text_list(body: Mapping[str, Any], name: str, *, max_items: int = 100) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) > max_items:
        raise InvalidBody(name, f"must be a list of at most {max_items} strings")
    return [_item(name, item) for item in value]


def _item(name: str, item: object) -> str:
    if not isinstance(item, str) or "\x00" in item or len(item) > 200:
        raise InvalidBody(name, "items must be strings of at most 200 characters")
    return item

"""Shared pieces of the API handlers: the app's keys and query-parameter parsing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from aiohttp import web

from ccengine.db import Database
from ccengine.web.errors import InvalidParameter

DATABASE = web.AppKey("ccengine.database", Database)
REGION = web.AppKey("ccengine.region", str)  # for caller numbers given without a country code
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50
MAX_PAGE = 1_000_000  # keeps (page - 1) * per_page within a 64-bit SQL integer
# The largest SQL INTEGER (32-bit on PostgreSQL): an id or version above it is no row,
# and PostgreSQL refuses it as a parameter.
MAX_SQL_INT = 2**31 - 1

T = TypeVar("T")


def paging(request: web.Request) -> tuple[int, int]:
    page = integer(request, "page", 1, minimum=1, maximum=MAX_PAGE)
    per_page = integer(request, "per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    return page, per_page


def integer(
    request: web.Request, name: str, default: int, *, minimum: int, maximum: int | None
) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidParameter(name, f"expected an integer, got {raw!r}") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
        raise InvalidParameter(name, f"must be {bounds}, got {value}")
    return value


FIRST_YEAR, LAST_YEAR = 1970, 2100  # moments outside say nothing a sync needs


def moment_param(request: web.Request, name: str) -> datetime | None:
    """An ISO 8601 moment (``updated_since``); one without an offset is UTC."""
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidParameter(name, f"expected an ISO 8601 time, got {raw!r}") from None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise InvalidParameter(name, f"the year must be {FIRST_YEAR}..{LAST_YEAR}")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def text_param(request: web.Request, name: str) -> str | None:
    """A free-text query parameter; None when absent or empty."""
    raw = request.query.get(name)
    return checked_text(name, raw) if raw else None


def checked_text(name: str, value: str) -> str:
    """``value`` unless it holds a NUL byte, which PostgreSQL text cannot store."""
    if "\x00" in value:
        raise InvalidParameter(name, "must not contain NUL characters")
    return value


def yes_no(raw: str) -> bool:
    """A boolean query value (``true``/``false``, ``1``/``0``, ``yes``/``no``), for
    ``optional``; anything else is a ValueError (400 there)."""
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise ValueError(raw)


def optional(request: web.Request, name: str, parse: Callable[[str], T]) -> T | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return parse(raw)
    except ValueError:
        raise InvalidParameter(name, f"unknown value {raw!r}") from None

"""REST API v1 over tickets and calls (read side) and a health check."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import TypeVar

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from sqlalchemy import text

from ccengine.calls.model import Outcome
from ccengine.config import WebConfig
from ccengine.db import Database
from ccengine.tickets import queries
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.views import to_json
from ccengine.web.errors import InvalidParameter, Unauthorized, error_middleware

DATABASE = web.AppKey("ccengine.database", Database)
REGION = web.AppKey("ccengine.region", str)  # for caller numbers given without a country code
API_PREFIX = "/api/"
HEALTH_PATH = "/api/v1/health"
MAX_PER_PAGE = 200
DEFAULT_PER_PAGE = 50

T = TypeVar("T")


def setup_api(app: web.Application, database: Database, web_config: WebConfig,
              region: str = "PL") -> None:
    """Register the API routes and its middlewares on ``app``."""
    app[DATABASE] = database
    app[REGION] = region
    app.middlewares.append(error_middleware)
    if web_config.api_token:
        app.middlewares.append(_token_middleware(web_config.api_token))
    app.router.add_get("/api/v1/tickets", list_tickets)
    app.router.add_get("/api/v1/tickets/{number}", show_ticket)
    app.router.add_get("/api/v1/calls", list_calls)
    app.router.add_get(HEALTH_PATH, health)


def _token_middleware(token: str) -> Middleware:
    expected = f"Bearer {token}".encode()

    @web.middleware
    async def require_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(API_PREFIX) and request.path != HEALTH_PATH:
            given = request.headers.get("Authorization", "").encode()
            if not hmac.compare_digest(given, expected):
                raise Unauthorized()
        return await handler(request)

    return require_token


async def list_tickets(request: web.Request) -> web.Response:
    page, per_page = _paging(request)
    async with request.app[DATABASE].sessions() as session:
        result = await queries.list_tickets(
            session,
            status=_optional(request, "status", TicketStatus),
            queue=request.query.get("queue") or None,
            caller=request.query.get("caller") or None,
            page=page,
            per_page=per_page,
            region=request.app[REGION],
        )
    return web.json_response(to_json(result))


async def show_ticket(request: web.Request) -> web.Response:
    async with request.app[DATABASE].sessions() as session:
        detail = await queries.get_ticket(session, request.match_info["number"])
    return web.json_response(to_json(detail))


async def list_calls(request: web.Request) -> web.Response:
    page, per_page = _paging(request)
    async with request.app[DATABASE].sessions() as session:
        result = await queries.list_calls(
            session,
            outcome=_optional(request, "outcome", Outcome),
            page=page,
            per_page=per_page,
        )
    return web.json_response(to_json(result))


async def health(request: web.Request) -> web.Response:
    database = request.app[DATABASE]
    async with database.sessions() as session:
        await session.execute(text("SELECT 1"))
    return web.json_response({"status": "ok", "database": database.dialect_name})


def _paging(request: web.Request) -> tuple[int, int]:
    page = _integer(request, "page", 1, minimum=1, maximum=None)
    per_page = _integer(request, "per_page", DEFAULT_PER_PAGE, minimum=1, maximum=MAX_PER_PAGE)
    return page, per_page


def _integer(
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


def _optional(request: web.Request, name: str, parse: Callable[[str], T]) -> T | None:
    raw = request.query.get(name)
    if not raw:
        return None
    try:
        return parse(raw)
    except ValueError:
        raise InvalidParameter(name, f"unknown value {raw!r}") from None

"""REST API v1: the app's set-up, calls (read side) and a health check.

Tickets are a feature module of their own (``tickets_api``)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import text

from ccengine.calls.model import Outcome
from ccengine.config import WebConfig
from ccengine.db import Database
from ccengine.mail.health import failing_mailboxes
from ccengine.tickets import queries
from ccengine.tickets.filters import EVERYONE, viewer_of
from ccengine.web.auth import principal, setup_auth
from ccengine.web.errors import error_middleware
from ccengine.web.features import feature_permissions, feature_public, setup_features
from ccengine.web.hardening import setup_hardening
from ccengine.web.keys import TIMEZONE
from ccengine.web.openapi import OPENAPI_PATH, serve_openapi
from ccengine.web.pages import setup_pages
from ccengine.web.params import DATABASE, REGION, moment_param, optional, paging
from ccengine.web.tickets_api import call_json
from ccengine.web.transcripts_api import setup_transcripts_api

HEALTH_PATH = "/api/v1/health"


def setup_api(app: web.Application, database: Database, web_config: WebConfig,
              region: str = "PL", timezone: str = "Europe/Warsaw") -> None:
    """Register the API routes, the pages and their middlewares on ``app``."""
    app[DATABASE] = database
    app[REGION] = region
    app[TIMEZONE] = timezone
    setup_pages(app)
    setup_hardening(app)
    app.middlewares.append(error_middleware)
    setup_auth(app, database, legacy_api_token=web_config.api_token,
               secure_cookie=web_config.secure_cookie,
               extra_permissions=feature_permissions(), extra_public=feature_public())
    setup_features(app)
    app.router.add_get("/api/v1/calls", list_calls)
    app.router.add_get(HEALTH_PATH, health)
    app.router.add_get(OPENAPI_PATH, serve_openapi)
    setup_transcripts_api(app)


async def list_calls(request: web.Request) -> web.Response:
    """The calls of the tickets the caller may open (an API token sees all)."""
    page, per_page = paging(request)
    who = principal(request)
    async with request.app[DATABASE].sessions() as session:
        result = await queries.list_calls(
            session,
            outcome=optional(request, "outcome", Outcome),
            page=page,
            per_page=per_page,
            viewer=viewer_of(who) if who is not None else EVERYONE,
            updated_since=moment_param(request, "updated_since"),
        )
    return web.json_response({"items": [call_json(call) for call in result.items],
                              "page": result.page, "per_page": result.per_page,
                              "total": result.total})


async def health(request: web.Request) -> web.Response:
    database = request.app[DATABASE]
    async with database.sessions() as session:
        await session.execute(text("SELECT 1"))
    # Public: it says the engine is up, not what it runs on; of the mailboxes only how
    # many cannot receive (their errors are for the admins' page).
    body: dict[str, object] = {"status": "ok"}
    failing = await failing_mailboxes(database)
    if failing:
        body |= {"mail": "degraded", "mail_failing": failing}
    return web.json_response(body)

"""Login, sessions, CSRF and per-role permissions of the API.

``setup_auth`` adds ``POST /api/v1/login`` (see ``login``), ``POST /api/v1/logout``,
``GET /api/v1/me`` and a middleware that, for every request under /api/v1:

* resolves who asks: ``Authorization: Bearer <api token>`` or the session
  cookie (a bearer header, when given, wins and must be valid);
* asks cookie-authenticated POST/PUT/PATCH/DELETE for ``X-CSRF-Token`` equal to
  the session's CSRF token (bearer requests are exempt: browsers never add them);
* checks ``PERMISSIONS``: no principal → 401 ``unauthorized``, a role not in
  the route's set → 403 ``forbidden``. A route missing from the table is
  refused (403) and, at startup, stops the application.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from ccengine.db import Database
from ccengine.users import service
from ccengine.users.models import HUMAN_ROLES, Role
from ccengine.users.passwords import PasswordChecker
from ccengine.users.ratelimit import LoginLimiter
from ccengine.users.service import Principal
from ccengine.web.errors import error_response
from ccengine.web.login import COOKIE as COOKIE  # re-exported: pages and the hub use it
from ccengine.web.login import SECURE_COOKIE, setup_login
from ccengine.web.params import DATABASE

API_V1 = "/api/v1"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

LEGACY_TOKEN = web.AppKey("ccengine.legacy_api_token", str)
ROUTE_PERMISSIONS = web.AppKey("ccengine.permissions", dict)
ROUTE_PUBLIC = web.AppKey("ccengine.public_routes", frozenset)
# Called with the session token at logout. The websocket hub adds one to close
# that session's sockets; a list on the app, so auth needs no import of the hub.
LogoutHook = Callable[[str], object]
LOGOUT_HOOKS: web.AppKey[list[LogoutHook]] = web.AppKey("ccengine.logout_hooks")
# web.RequestKey exists only in newer aiohttp; a plain string key before that.
_PRINCIPAL: Any = (web.RequestKey("ccengine.principal", Principal)
                   if hasattr(web, "RequestKey") else "ccengine.principal")

Permission = tuple[str, str]  # (method, route path as registered, e.g. /api/v1/tickets/{number})

ALL_ROLES = frozenset(Role)
READERS = HUMAN_ROLES | {Role.INTEGRATION}
TRANSCRIPT_READERS = frozenset({Role.ADMIN, Role.QA_LEAD, Role.PRIVILEGED_AGENT})

PUBLIC: frozenset[Permission] = frozenset({
    ("POST", "/api/v1/login"),
    ("GET", "/api/v1/health"),
    ("GET", "/api/v1/openapi.json"),
})

PERMISSIONS: dict[Permission, frozenset[Role]] = {
    ("GET", "/api/v1/calls"): READERS,
    ("GET", "/api/v1/transcripts"): TRANSCRIPT_READERS,
    ("GET", "/api/v1/me"): ALL_ROLES,
    ("POST", "/api/v1/logout"): ALL_ROLES,
}


def setup_auth(app: web.Application, database: Database, *, secure_cookie: bool = True,
               limiter: LoginLimiter | None = None, checker: PasswordChecker | None = None,
               legacy_api_token: str | None = None,
               extra_permissions: Mapping[Permission, frozenset[Role]] | None = None,
               extra_public: frozenset[Permission] = frozenset()) -> None:
    """Register login/logout/me and the auth middleware on ``app``.

    ``secure_cookie`` marks the session cookie Secure (HTTPS only; turn off for
    plain-HTTP development). ``legacy_api_token``, the old single
    ``[web] api_token``, is honoured as an integration token.
    """
    app[DATABASE] = database
    app[SECURE_COOKIE] = secure_cookie
    if legacy_api_token:
        app[LEGACY_TOKEN] = legacy_api_token
    # Called again (a test tightening a setting), it keeps the routes known so far.
    known: dict[Permission, frozenset[Role]] = app.get(ROUTE_PERMISSIONS, {})
    app[ROUTE_PERMISSIONS] = {**known, **PERMISSIONS, **(extra_permissions or {})}
    app[ROUTE_PUBLIC] = app.get(ROUTE_PUBLIC, frozenset()) | PUBLIC | extra_public
    app.middlewares.append(auth_middleware)
    setup_login(app, database, limiter, checker)
    app.router.add_post("/api/v1/logout", logout)
    app.router.add_get("/api/v1/me", me)
    app.on_startup.append(_check_permissions)


def principal(request: web.Request) -> Principal | None:
    """Who makes ``request`` (set by the middleware), or None."""
    found = request.get(_PRINCIPAL)
    return found if isinstance(found, Principal) else None


def unlisted_routes(app: web.Application) -> list[Permission]:
    """Routes under /api/v1 that are neither public nor in the permission table."""
    table: dict[Permission, frozenset[Role]] = app[ROUTE_PERMISSIONS]
    public: frozenset[Permission] = app[ROUTE_PUBLIC]
    found = []
    for route in app.router.routes():
        key = (route.method, route.resource.canonical if route.resource else "")
        if (key[1].startswith(API_V1) and route.method != "HEAD"
                and key not in public and key not in table):
            found.append(key)
    return found


async def _check_permissions(app: web.Application) -> None:
    missing = unlisted_routes(app)
    if missing:
        raise RuntimeError(f"API routes without a permission entry: {missing}")


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith(API_V1 + "/") and request.path != API_V1:
        return await handler(request)
    key = _route_key(request)
    if key is None or key in request.app[ROUTE_PUBLIC]:  # no such route: let aiohttp answer 404/405
        return await handler(request)
    who = await _resolve(request)
    if who is None:
        return error_response(401, "unauthorized", "log in or give 'Authorization: Bearer'")
    request[_PRINCIPAL] = who
    if who.via_session and request.method in UNSAFE_METHODS and not _csrf_ok(request, who):
        return error_response(403, "csrf-failed", f"missing or wrong {CSRF_HEADER} header")
    allowed = request.app[ROUTE_PERMISSIONS].get(key, frozenset())
    if who.role not in allowed:
        return error_response(403, "forbidden", f"role {who.role.value!r} may not do this")
    return await handler(request)


def _route_key(request: web.Request) -> Permission | None:
    resource = request.match_info.route.resource
    if resource is None or request.match_info.http_exception is not None:
        return None
    method = "GET" if request.method == "HEAD" else request.method
    return method, resource.canonical


async def _resolve(request: web.Request) -> Principal | None:
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return await _bearer(request.app, token.strip())
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return None
    return await service.lookup_session(request.app[DATABASE], cookie)


async def _bearer(app: web.Application, token: str) -> Principal | None:
    legacy = app.get(LEGACY_TOKEN)
    if legacy and hmac.compare_digest(token.encode(), legacy.encode()):
        return Principal(role=Role.INTEGRATION, user_id=None, login="token:legacy",
                         display_name="legacy api_token", via_session=False)
    return await service.lookup_api_token(app[DATABASE], token)


def _csrf_ok(request: web.Request, who: Principal) -> bool:
    given = request.headers.get(CSRF_HEADER, "")
    expected = who.csrf_token or ""
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


async def logout(request: web.Request) -> web.Response:
    cookie = request.cookies.get(COOKIE)
    if cookie:
        await service.delete_session(request.app[DATABASE], cookie)
        for hook in request.app.get(LOGOUT_HOOKS, []):
            hook(cookie)
    response = web.json_response({"status": "logged-out"})
    response.del_cookie(COOKIE, path="/")
    return response


async def me(request: web.Request) -> web.Response:
    who = principal(request)
    if who is None:  # the middleware lets no one without a principal through
        return error_response(401, "unauthorized", "not logged in")
    if who.user_id is not None:
        user = await service.get_user(request.app[DATABASE], who.user_id)
        if user is not None:
            # A second tab or a reload needs the CSRF token too; the cookie alone is not enough.
            return web.json_response({"user": service.user_json(user),
                                      "csrf_token": who.csrf_token})
    return web.json_response({"token": {"name": who.display_name, "role": who.role.value}})

"""POST /api/v1/login, and the sweep that forgets expired sessions and old attempts.

A login never stalls the engine: its place is taken first (``PasswordChecker``
admits a bounded number; more get 429 ``login-busy``), the attempt is counted
before the password is checked (429 ``too-many-logins`` past the limit), and
the argon2 check runs on the checker's own threads, holding no database
connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from ccengine.db import Database
from ccengine.users import service
from ccengine.users.passwords import LoginBusy, PasswordChecker
from ccengine.users.ratelimit import LoginLimiter
from ccengine.web.body import InvalidBody, json_object
from ccengine.web.errors import error_response
from ccengine.web.params import DATABASE

log = logging.getLogger(__name__)

COOKIE = "ccengine_session"
LIMITER = web.AppKey("ccengine.login_limiter", LoginLimiter)
PASSWORDS = web.AppKey("ccengine.password_checker", PasswordChecker)
SECURE_COOKIE = web.AppKey("ccengine.secure_cookie", bool)
_SWEEPING = web.AppKey("ccengine.session_sweep", bool)
SWEEP_EVERY = 600.0  # seconds between sweeps of expired sessions and ended windows


def setup_login(app: web.Application, database: Database, limiter: LoginLimiter | None,
                checker: PasswordChecker | None) -> None:
    app[LIMITER] = limiter or LoginLimiter(database)
    if PASSWORDS not in app:
        app[PASSWORDS] = checker or PasswordChecker()
        app.on_cleanup.append(_close_checker)
    elif checker is not None:
        app[PASSWORDS] = checker
    if not app.get(_SWEEPING, False):
        app[_SWEEPING] = True
        app.cleanup_ctx.append(_sweeping)
    app.router.add_post("/api/v1/login", login)


async def login(request: web.Request) -> web.Response:
    credentials = await _credentials(request)
    if credentials is None:
        return error_response(400, "bad-request", "expected JSON {\"login\", \"password\"}")
    try:
        with request.app[PASSWORDS].admission(request.remote or "unknown"):
            return await _checked_login(request, *credentials)
    except LoginBusy as exc:
        response = error_response(429, "login-busy", str(exc))
        response.headers["Retry-After"] = "5"
        return response


async def _checked_login(request: web.Request, name: str, password: str) -> web.Response:
    limiter = request.app[LIMITER]
    address = request.remote or "unknown"
    if not await limiter.attempt(name, address):
        return error_response(429, "too-many-logins", "too many failed logins; try later")
    database = request.app[DATABASE]
    user = await service.authenticate(database, name, password,
                                      request.app[PASSWORDS].verify)
    if user is None:
        return error_response(401, "invalid-login", "wrong login or password")
    await limiter.succeeded(name, address)
    new = await service.create_session(database, user)
    await service.delete_expired_sessions(database)
    response = web.json_response({"user": service.user_json(user), "csrf_token": new.csrf_token})
    response.set_cookie(COOKIE, new.token, httponly=True, samesite="Strict", path="/",
                        secure=request.app[SECURE_COOKIE],
                        max_age=int(service.SESSION_LIFETIME.total_seconds()))
    return response


async def _credentials(request: web.Request) -> tuple[str, str] | None:
    try:
        body = await json_object(request)
    except InvalidBody:
        return None
    name, password = body.get("login"), body.get("password")
    if not isinstance(name, str) or not isinstance(password, str) or not name:
        return None
    if "\x00" in name:  # PostgreSQL text cannot hold NUL: a 400, not a database error
        return None
    return name, password


async def sweep(app: web.Application) -> None:
    """Delete expired sessions and ended login-attempt windows, once."""
    await service.delete_expired_sessions(app[DATABASE])
    await app[LIMITER].forget_old()


async def _sweeping(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_sweep_forever(app), name="session-sweep")
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _sweep_forever(app: web.Application) -> None:
    while True:
        try:
            await sweep(app)
        except Exception:  # a database hiccup: try again at the next round
            log.exception("sweeping expired sessions failed")
        await asyncio.sleep(SWEEP_EVERY)


async def _close_checker(app: web.Application) -> None:
    app[PASSWORDS].close()

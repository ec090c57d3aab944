from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccengine.calls.model import FinishedCall
from ccengine.config import TicketsConfig, WebConfig
from ccengine.db import Database
from ccengine.tickets.service import TicketService
from ccengine.users import service
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from ccengine.web.auth import COOKIE, PERMISSIONS, PUBLIC, setup_auth, unlisted_routes
from ccengine.web.features import feature_endpoints

PASSWORD = "Tajne-Haslo-42"
Client = TestClient[Any, Any]


async def _client(app: web.Application) -> Client:
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    return client


def _app(database: Database) -> web.Application:
    app = web.Application()
    setup_api(app, database, WebConfig())
    setup_auth(app, database, secure_cookie=False, legacy_api_token="legacy-token")
    return app


@pytest.fixture
async def client(database: Database) -> AsyncIterator[Client]:
    for role in (Role.ADMIN, Role.AGENT, Role.PRIVILEGED_AGENT, Role.QA_LEAD):
        await service.create_user(database, role.value, PASSWORD, role)
    client = await _client(_app(database))
    yield client
    await client.close()


async def _login(client: Client, login: str, password: str = PASSWORD) -> Any:
    return await client.post("/api/v1/login", json={"login": login, "password": password})


async def test_login_sets_a_strict_httponly_cookie(client: Client) -> None:
    response = await _login(client, "agent")
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["user"]["role"] == "agent" and body["csrf_token"]
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/"
    me = await client.get("/api/v1/me")
    assert me.status == 200
    assert (await me.json())["user"]["login"] == "agent"


async def test_cookie_is_secure_by_default(database: Database) -> None:
    await service.create_user(database, "anna", PASSWORD, Role.AGENT)
    app = web.Application()
    setup_api(app, database, WebConfig())
    setup_auth(app, database)
    client = await _client(app)
    try:
        response = await _login(client, "anna")
        assert response.cookies[COOKIE]["secure"] is True
    finally:
        await client.close()


async def _error(response: Any, status: int, error: str) -> None:
    assert response.status == status, await response.text()
    assert (await response.json())["error"] == error


async def test_wrong_password_is_invalid_login(client: Client) -> None:
    await _error(await _login(client, "agent", "wrong"), 401, "invalid-login")
    await _error(await _login(client, "nobody"), 401, "invalid-login")
    await _error(await client.post("/api/v1/login", data=b"{"), 400, "bad-request")


async def test_login_rate_limit(client: Client) -> None:
    for _ in range(5):
        await _error(await _login(client, "agent", "wrong"), 401, "invalid-login")
    await _error(await _login(client, "agent"), 429, "too-many-logins")
    assert (await _login(client, "admin")).status == 200  # another login is not blocked


async def test_csrf_is_required_for_cookie_posts(client: Client) -> None:
    csrf = (await (await _login(client, "admin")).json())["csrf_token"]
    await _error(await client.post("/api/v1/logout"), 403, "csrf-failed")
    await _error(await client.post("/api/v1/logout", headers={"X-CSRF-Token": "nope"}),
                 403, "csrf-failed")
    assert (await client.get("/api/v1/me")).status == 200  # still logged in
    response = await client.post("/api/v1/logout", headers={"X-CSRF-Token": csrf})
    assert response.status == 200
    await _error(await client.get("/api/v1/me"), 401, "unauthorized")


async def test_bearer_requests_need_no_csrf(client: Client, database: Database) -> None:
    token = await service.create_api_token(database, "crm")
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.post("/api/v1/logout", headers=headers)).status == 200
    await _error(await client.get("/api/v1/me", headers={"Authorization": "Bearer bad"}),
                 401, "unauthorized")
    legacy = await client.get("/api/v1/calls", headers={"Authorization": "Bearer legacy-token"})
    assert legacy.status == 200


async def test_passwords_never_reach_the_logs(client: Client,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await _login(client, "agent", "wrong-" + PASSWORD)
    await _login(client, "agent")
    await _login(client, "nobody")
    assert PASSWORD not in caplog.text


async def test_every_api_route_has_a_permission(database: Database) -> None:
    assert unlisted_routes(_app(database)) == []
    app = _app(database)

    async def secret(_request: web.Request) -> web.Response:
        return web.json_response({})

    app.router.add_get("/api/v1/secret", secret)
    assert unlisted_routes(app) == [("GET", "/api/v1/secret")]
    with pytest.raises(RuntimeError, match="secret"):
        await _client(app)


# Expected status of each endpoint for each principal; 200 means allowed.
PRINCIPALS = ["admin", "agent", "privileged_agent", "qa_lead", "integration", "anonymous"]
MATRIX: dict[tuple[str, str], list[int]] = {
    ("GET", "/api/v1/calls"): [200, 200, 200, 200, 200, 401],
    ("GET", "/api/v1/transcripts"): [200, 403, 200, 200, 403, 401],
    ("GET", "/api/v1/me"): [200, 200, 200, 200, 200, 401],
    ("POST", "/api/v1/logout"): [200, 200, 200, 200, 200, 401],
    ("GET", "/api/v1/health"): [200, 200, 200, 200, 200, 200],
    ("GET", "/api/v1/openapi.json"): [200, 200, 200, 200, 200, 200],
    ("POST", "/api/v1/login"): [400, 400, 400, 400, 400, 400],  # public; empty body
}


async def _headers(database: Database, who: str) -> dict[str, str]:
    if who == "anonymous":
        return {}
    if who == "integration":
        return {"Authorization": f"Bearer {await service.create_api_token(database, 'crm')}"}
    user = await service.authenticate(database, who, PASSWORD)
    assert user is not None
    new = await service.create_session(database, user)  # fresh: logout ends it
    return {"Cookie": f"{COOKIE}={new.token}", "X-CSRF-Token": new.csrf_token}


async def test_permission_matrix(client: Client, database: Database,
                                 make_call: Callable[..., FinishedCall]) -> None:
    [recorded] = await TicketService(database, TicketsConfig()).record_calls([make_call("a.1")])
    actual: dict[tuple[str, str], list[int]] = {}
    for method, route in MATRIX:
        path = route.replace("{number}", recorded.ticket_number)
        statuses = []
        for who in PRINCIPALS:
            response = await client.request(method, path, headers=await _headers(database, who))
            statuses.append(response.status)
        actual[(method, route)] = statuses
    assert actual == MATRIX
    assert set(MATRIX) == set(PERMISSIONS) | PUBLIC  # the matrix walks every route


def _concrete(path: str) -> str:
    """A feature route with its path parameters filled in (the role check comes first)."""
    return re.sub(r"\{[^}]+\}", "x", path)


async def test_every_feature_endpoint_checks_roles(client: Client, database: Database) -> None:
    """The matrix for every feature module: a role outside the endpoint's set gets 403,
    nobody gets 401, and an allowed role is never refused by the role check."""
    refused: list[tuple[str, str, str, int, str]] = []
    for endpoint in feature_endpoints():
        for who in PRINCIPALS:
            response = await client.request(endpoint.method, _concrete(endpoint.path),
                                            headers=await _headers(database, who), json={})
            error = (await response.json()).get("error") if response.content_type.endswith(
                "json") else None
            expected = _expected(endpoint.public, endpoint.roles, who)
            if ((expected == "allowed" and error in ("forbidden", "unauthorized", "csrf-failed"))
                    or (expected != "allowed" and error != expected)):
                refused.append((endpoint.method, endpoint.path, who, response.status,
                                str(error)))
    assert refused == []


def _expected(public: bool, roles: frozenset[Role], who: str) -> str:
    if public:
        return "allowed"
    if who == "anonymous":
        return "unauthorized"
    return "allowed" if Role(who) in roles else "forbidden"

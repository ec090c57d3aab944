from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import pytest
import schemathesis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from ccengine.app import create_app
from ccengine.calls.model import Outcome
from ccengine.config import TicketsConfig, WebConfig
from ccengine.db import Database
from ccengine.simulator.server import AmiServer, close_quietly
from ccengine.tickets.service import TicketService
from ccengine.users import service
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from ccengine.web.auth import API_V1, COOKIE
from ccengine.web.openapi import OPENAPI_PATH, all_permissions, all_public, openapi_document
from tests.engine_harness import served_config

TOKEN = "openapi-token"
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _app(database: Database) -> web.Application:
    app = web.Application()
    setup_api(app, database, WebConfig(api_token=TOKEN, secure_cookie=False))
    return app


def _registered(app: web.Application) -> set[tuple[str, str]]:
    found = set()
    for route in app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if path.startswith(API_V1) and route.method != "HEAD":
            found.add((route.method, path))
    return found


def _documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method.upper(), path) for path, item in document["paths"].items()
            for method in item if method in METHODS}


def test_every_route_is_documented_and_nothing_else(database: Database) -> None:
    registered = _registered(_app(database))
    documented = _documented(openapi_document())
    assert registered, "no /api/v1 routes found"
    assert registered - documented == set(), "routes missing from the OpenAPI document"
    assert documented - registered == set(), "documented operations with no route"


def test_a_new_route_is_caught(database: Database) -> None:
    app = _app(database)

    async def extra(request: web.Request) -> web.Response:
        return web.json_response({})

    app.router.add_get("/api/v1/extra", extra)
    assert ("GET", "/api/v1/extra") in _registered(app) - _documented(openapi_document())


def test_security_and_roles_follow_the_permission_table() -> None:
    document = openapi_document()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            key = (method.upper(), path)
            if key in all_public():
                assert operation["security"] == []
            else:
                assert operation["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
                assert operation["x-roles"] == sorted(r.value for r in all_permissions()[key])
            for status in ("400", "401", "403", "404"):
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert (schemes["cookieAuth"]["in"], schemes["cookieAuth"]["name"]) == ("cookie", COOKIE)


def test_document_is_valid_openapi_3() -> None:
    document = openapi_document()
    assert document["openapi"] == "3.0.3"
    assert {"openapi", "info", "paths", "components"} <= set(document)
    schemathesis.openapi.from_dict(document).validate()  # against the OpenAPI 3.0 meta-schema


def test_validation_catches_a_broken_document() -> None:
    broken = openapi_document()
    broken["paths"]["/api/v1/health"]["get"]["responses"]["200"] = {}  # no description
    with pytest.raises(Exception, match="health"):
        schemathesis.openapi.from_dict(broken).validate()


async def test_document_is_served_without_auth(database: Database) -> None:
    async with TestClient(TestServer(_app(database))) as client:
        response = await client.get(OPENAPI_PATH)
        assert response.status == 200, await response.text()
        assert response.content_type == "application/json"
        assert await response.json() == openapi_document()


async def _recorded(database: Database, make_call: Any) -> None:
    calls = [
        make_call("a.1"),
        make_call("a.2", queue="sales"),
        make_call("m.1", Outcome.ABANDONED, caller_number="+48602999888"),
    ]
    await TicketService(database, TicketsConfig()).record_calls(calls)


Principal = tuple[dict[str, str], dict[str, str]]  # headers, cookies

LOGOUT = ("POST", "/api/v1/logout")

# Who calls an operation in the fuzz: the first of these its roles allow (the QA lead
# only logs out: the other roles cover every operation).
FUZZ_ROLES = (Role.INTEGRATION, Role.ADMIN, Role.PRIVILEGED_AGENT, Role.AGENT, Role.QA_LEAD)
REFUSALS = {"unauthorized", "forbidden", "csrf-failed"}


def _fuzz_operation(operation: schemathesis.APIOperation, base_url: str,
                    who: Principal) -> Counter[tuple[int, str]]:
    seen: Counter[tuple[int, str]] = Counter()
    headers, cookies = who

    # Derandomized: CI sees the same examples every run, so a red run is reproducible.
    @settings(max_examples=25, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def check(case: schemathesis.Case) -> None:
        # Generated credentials would win over (or mix with) the ones given here.
        for generated in (case.headers, case.cookies):
            if generated:
                for name in ("Authorization", "X-CSRF-Token", COOKIE):
                    generated.pop(name, None)
        response = case.call(base_url=base_url, headers=headers, cookies=cookies)
        error = _error_id(response)
        seen[(response.status_code, error)] += 1
        case.validate_response(response, checks=[not_a_server_error])

    check()
    return seen


def _error_id(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("error", "")) if isinstance(body, dict) else ""


def _fuzz(base_url: str, principals: dict[Role, Principal]) -> dict[tuple[str, str], Counter[Any]]:
    """Every operation through Hypothesis, as a role it allows: what it answered."""
    schema = schemathesis.openapi.from_dict(openapi_document())
    seen = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        allowed = all_permissions().get(key, frozenset(Role))
        role = next(r for r in FUZZ_ROLES if key in all_public() or r in allowed)
        # Logging out ends the session it is called with: it gets one of its own.
        who = principals[Role.QA_LEAD if key == LOGOUT else role]
        seen[key] = _fuzz_operation(operation, base_url, who)
    return seen


async def _principals(database: Database) -> dict[Role, Principal]:
    token = await service.create_api_token(database, "fuzz")
    principals: dict[Role, Principal] = {Role.INTEGRATION: (
        {"Authorization": f"Bearer {token}"}, {})}
    for role in FUZZ_ROLES[1:]:
        user = await service.create_user(database, role.value, "Fuzz-Haslo-42", role,
                                         sip_interface=f"PJSIP/fuzz-{role.value}")
        new = await service.create_session(database, user)
        principals[role] = ({"X-CSRF-Token": new.csrf_token}, {COOKIE: new.token})
    return principals


@pytest.mark.slow
async def test_schemathesis_finds_no_server_errors(database_url: str, make_call: Any) -> None:
    """The whole application (engine on a simulated PBX, every feature) under fuzzing."""
    pbx = AmiServer(username="fuzz", secret="pw")
    config = served_config(database_url, pbx, await pbx.start())
    database = Database.open(config.database)
    await database.migrate()
    await _recorded(database, make_call)
    principals = await _principals(database)
    await database.close()
    server = TestServer(create_app(config))  # a real TCP port on 127.0.0.1
    await server.start_server()
    try:
        await pbx.wait_for_login()
        base_url = str(server.make_url("")).rstrip("/")
        started = time.monotonic()
        seen = await asyncio.to_thread(_fuzz, base_url, principals)
        elapsed = time.monotonic() - started
    finally:
        await server.close()
        await close_quietly(pbx)
    print(f"schemathesis: {elapsed:.1f}s, {dict(seen)}")
    assert set(seen) == _documented(openapi_document())
    for key, answers in seen.items():
        refused = {error for _status, error in answers} & REFUSALS
        # A login is refused by design; a logout ends its session after the first call.
        assert not refused or key in (("POST", "/api/v1/login"), LOGOUT), (key, answers)
        if key in CORE_READS:
            assert any(status == 200 for status, _error in answers), key


# The core read operations must answer 200 to some generated request.
CORE_READS = {("GET", "/api/v1/tickets"), ("GET", "/api/v1/calls"),
              ("GET", "/api/v1/transcripts"), ("GET", "/api/v1/me"),
              ("GET", "/api/v1/health"), ("GET", OPENAPI_PATH)}


@pytest.mark.parametrize("path", ["/api/v1/tickets", "/api/v1/calls", "/api/v1/transcripts"])
async def test_huge_page_is_400_not_500(database: Database, path: str) -> None:
    # Found by schemathesis: page=10**26 overflowed the SQL OFFSET (500 on SQLite).
    async with TestClient(TestServer(_app(database))) as client:
        admin = await service.create_user(database, "admin", "Admin-Haslo-42", Role.ADMIN)
        session = await service.create_session(database, admin)
        response = await client.get(f"{path}?page={10**26}",
                                    cookies={COOKIE: session.token})
        assert response.status == 400, await response.text()
        assert (await response.json())["error"] == "invalid-parameter"


@pytest.mark.parametrize("path", [
    "/api/v1/tickets?caller=%00602", "/api/v1/tickets?queue=a%00b",
    "/api/v1/transcripts?q=x%00y", "/api/v1/tickets/TK%00",
])
async def test_nul_in_text_is_400_not_500(database: Database, path: str) -> None:
    # Found by schemathesis: PostgreSQL refuses NUL in text, a 500 before the fix.
    async with TestClient(TestServer(_app(database))) as client:
        admin = await service.create_user(database, "admin", "Admin-Haslo-42", Role.ADMIN)
        session = await service.create_session(database, admin)
        response = await client.get(path, cookies={COOKIE: session.token})
        assert response.status == 400, await response.text()
        assert (await response.json())["error"] == "invalid-parameter"


async def test_nul_in_login_is_400_not_500(database: Database) -> None:
    async with TestClient(TestServer(_app(database))) as client:
        response = await client.post("/api/v1/login", json={"login": "a\x00", "password": "x"})
        assert response.status == 400, await response.text()

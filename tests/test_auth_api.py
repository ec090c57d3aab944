from __future__ import annotations

import logging
import re
import weakref
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


# The password is checked once per user and database: the matrices make a session per
# request (logout ends one), and an argon2 check per request made the walk take minutes.
_AUTHENTICATED: weakref.WeakKeyDictionary[Database, dict[str, Any]] = (
    weakref.WeakKeyDictionary())


async def _headers(database: Database, who: str) -> dict[str, str]:
    if who == "anonymous":
        return {}
    if who == "integration":
        return {"Authorization": f"Bearer {await service.create_api_token(database, 'crm')}"}
    known = _AUTHENTICATED.setdefault(database, {})
    user = known.get(who)
    if user is None:
        user = await service.authenticate(database, who, PASSWORD)
        assert user is not None
        known[who] = user
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


# Who may call each feature endpoint, written out (not read from the declarations), per
# PRINCIPALS: admin, agent, privileged_agent, qa_lead, integration, anonymous.
# A: allowed (the role check passes), F: 403 forbidden, U: 401 unauthorized.
FEATURE_MATRIX: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/i18n"): "AAAAAA",
    ("PUT", "/api/v1/me/locale"): "AAAAFU",
    ("GET", "/api/v1/tickets"): "AAAAAU",
    ("GET", "/api/v1/tickets/{number}"): "AAAAAU",
    ("PATCH", "/api/v1/tickets/{number}"): "AAAFFU",
    ("POST", "/api/v1/tickets/{number}/notes"): "AAAFAU",
    ("GET", "/api/v1/tickets/{number}/attachments/{attachment_id}"): "AAAAAU",
    ("GET", "/api/v1/assignees"): "AAAAAU",
    ("GET", "/api/v1/customers"): "AAAAAU",
    ("POST", "/api/v1/customers"): "AAAFAU",
    ("GET", "/api/v1/customers/{customer}"): "AAAAAU",
    ("PATCH", "/api/v1/customers/{customer}"): "AAAFAU",
    ("POST", "/api/v1/customers/{customer}/merge"): "AFAFFU",
    ("GET", "/api/v1/organisations"): "AAAAAU",
    ("POST", "/api/v1/organisations"): "AAAFAU",
    ("GET", "/api/v1/organisations/{organisation}"): "AAAAAU",
    ("PATCH", "/api/v1/organisations/{organisation}"): "AAAFAU",
    ("GET", "/api/v1/agent/state"): "AAAFFU",
    ("POST", "/api/v1/agent/login"): "FAAFFU",
    ("POST", "/api/v1/agent/pause"): "FAAFFU",
    ("POST", "/api/v1/agent/resume"): "FAAFFU",
    ("POST", "/api/v1/agent/logout"): "FAAFFU",
    ("POST", "/api/v1/agent/wrapup"): "FAAFFU",
    ("GET", "/api/v1/callbacks"): "AAAFFU",
    ("POST", "/api/v1/callbacks/{number}/call"): "FAAFFU",
    ("POST", "/api/v1/callbacks/{number}/outcome"): "FAAFFU",
    ("POST", "/api/v1/tickets/{number}/call"): "FAAFFU",
    ("POST", "/api/v1/callbacks/{number}/claim"): "FAAFFU",
    ("POST", "/api/v1/callbacks/{number}/schedule"): "FAAFFU",
    ("GET", "/api/v1/callbacks/{number}/voicemail"): "AAAFFU",
    ("GET", "/api/v1/dispositions"): "AAAAAU",
    ("POST", "/api/v1/dispositions"): "AFFFFU",
    ("PATCH", "/api/v1/dispositions/{code}"): "AFFFFU",
    ("GET", "/api/v1/reports/dispositions"): "AAAAAU",
    ("GET", "/api/v1/tickets/{number}/crm"): "AAAAAU",
    ("GET", "/api/v1/mail/mailboxes"): "AFFFFU",
    ("POST", "/api/v1/mail/mailboxes"): "AFFFFU",
    ("GET", "/api/v1/mail/mailboxes/{mailbox_id}"): "AFFFFU",
    ("PATCH", "/api/v1/mail/mailboxes/{mailbox_id}"): "AFFFFU",
    ("DELETE", "/api/v1/mail/mailboxes/{mailbox_id}"): "AFFFFU",
    ("GET", "/api/v1/web-forms"): "AFFFFU",
    ("POST", "/api/v1/web-forms"): "AFFFFU",
    ("GET", "/api/v1/web-forms/{key}"): "AFFFFU",
    ("PUT", "/api/v1/web-forms/{key}"): "AFFFFU",
    ("DELETE", "/api/v1/web-forms/{key}"): "AFFFFU",
    ("POST", "/api/v1/forms/{key}"): "AAAAAA",
    ("OPTIONS", "/api/v1/forms/{key}"): "AAAAAA",
    ("GET", "/api/v1/forms/{key}/embed"): "AAAAAA",
    ("POST", "/api/v1/tickets/{number}/replies"): "AAAFFU",
    ("GET", "/api/v1/tickets/{number}/mail"): "AAAAAU",
    ("GET", "/api/v1/tickets/{number}/reply-draft"): "AAAFFU",
    ("GET", "/api/v1/reply-templates"): "AAAFFU",
    ("POST", "/api/v1/reply-templates"): "AFFFFU",
    ("PUT", "/api/v1/reply-templates/{id}"): "AFFFFU",
    ("DELETE", "/api/v1/reply-templates/{id}"): "AFFFFU",
    ("POST", "/api/v1/reply-templates/{id}/preview"): "AAAFFU",
    ("GET", "/api/v1/me/signature"): "AAAAFU",
    ("PUT", "/api/v1/me/signature"): "AAAAFU",
    ("GET", "/api/v1/routes"): "AFFFFU",
    ("POST", "/api/v1/routes"): "AFFFFU",
    ("POST", "/api/v1/routes/validate"): "AFFFFU",
    ("POST", "/api/v1/routes/simulate"): "AFFFFU",
    ("GET", "/api/v1/routes/{name}"): "AFFFFU",
    ("POST", "/api/v1/routes/{name}/rollback"): "AFFFFU",
    ("GET", "/api/v1/routes/{name}/versions/{version}"): "AFFFFU",
    ("GET", "/api/v1/routes/{name}/versions/{version}/yaml"): "AFFFFU",
    ("POST", "/api/v1/routes/{name}/versions/{version}/publish"): "AFFFFU",
    ("GET", "/api/v1/qa/calls"): "AFAAFU",
    ("GET", "/api/v1/qa/flagged"): "AFAAFU",
    ("GET", "/api/v1/qa/calls/{call_id}"): "AFAAFU",
    ("POST", "/api/v1/qa/calls/{call_id}/reviews"): "AFFAFU",
    ("GET", "/api/v1/qa/criteria"): "AFAAFU",
    ("GET", "/api/v1/qa/facets"): "AFAAFU",
    ("GET", "/api/v1/calls/{call_id}/recording"): "AAAAFU",
    ("GET", "/api/v1/wallboard"): "AFAAFU",
    ("GET", "/api/v1/sla/calendars"): "AAAAAU",
    ("POST", "/api/v1/sla/calendars"): "AFFFFU",
    ("GET", "/api/v1/sla/calendars/{name}"): "AAAAAU",
    ("PUT", "/api/v1/sla/calendars/{name}"): "AFFFFU",
    ("DELETE", "/api/v1/sla/calendars/{name}"): "AFFFFU",
    ("GET", "/api/v1/sla/calendars/{name}/preview"): "AAAAAU",
    ("GET", "/api/v1/sla/policies"): "AAAAAU",
    ("POST", "/api/v1/sla/policies"): "AFFFFU",
    ("GET", "/api/v1/sla/policies/{name}"): "AAAAAU",
    ("PUT", "/api/v1/sla/policies/{name}"): "AFFFFU",
    ("DELETE", "/api/v1/sla/policies/{name}"): "AFFFFU",
    ("GET", "/api/v1/sla/due-preview"): "AAAAAU",
    ("GET", "/api/v1/sla/calendars/{name}/holidays"): "AAAAAU",
    ("POST", "/api/v1/tickets/{number}/merge"): "AAAFFU",
    ("POST", "/api/v1/tickets/{number}/links"): "AAAFFU",
    ("DELETE", "/api/v1/tickets/{number}/links/{other}"): "AAAFFU",
    ("POST", "/api/v1/tickets/{number}/split"): "AAAFFU",
    ("POST", "/api/v1/tickets/bulk"): "AAAFFU",
    ("GET", "/api/v1/notifications"): "AAAAFU",
    ("POST", "/api/v1/notifications/{notification_id}/read"): "AAAAFU",
    ("POST", "/api/v1/notifications/read-all"): "AAAAFU",
    ("POST", "/api/v1/tickets/{number}/snooze"): "AAAFFU",
    ("DELETE", "/api/v1/tickets/{number}/snooze"): "AAAFFU",
    ("POST", "/api/v1/tickets"): "AAAFAU",
    ("GET", "/api/v1/automation/rules"): "AFFFFU",
    ("POST", "/api/v1/automation/rules"): "AFFFFU",
    ("POST", "/api/v1/automation/rules/order"): "AFFFFU",
    ("POST", "/api/v1/automation/rules/test"): "AFFFFU",
    ("GET", "/api/v1/automation/catalog"): "AFFFFU",
    ("GET", "/api/v1/automation/rules/{rule_id}"): "AFFFFU",
    ("PUT", "/api/v1/automation/rules/{rule_id}"): "AFFFFU",
    ("PATCH", "/api/v1/automation/rules/{rule_id}"): "AFFFFU",
    ("DELETE", "/api/v1/automation/rules/{rule_id}"): "AFFFFU",
    ("GET", "/api/v1/tickets/{number}/time-in-status"): "AAAAAU",
    ("GET", "/api/v1/ticket-categories"): "AAAAAU",
    ("POST", "/api/v1/ticket-categories"): "AFFFFU",
    ("PATCH", "/api/v1/ticket-categories/{category_id}"): "AFFFFU",
    ("GET", "/api/v1/ticket-fields"): "AAAAAU",
    ("POST", "/api/v1/ticket-fields"): "AFFFFU",
    ("PATCH", "/api/v1/ticket-fields/{key}"): "AFFFFU",
    ("GET", "/api/v1/ticket-tags"): "AAAAAU",
    ("GET", "/api/v1/ticket-views"): "AAAAFU",
    ("POST", "/api/v1/ticket-views"): "AAAAFU",
    ("PATCH", "/api/v1/ticket-views/{view_id}"): "AAAAFU",
    ("DELETE", "/api/v1/ticket-views/{view_id}"): "AAAAFU",
    ("GET", "/api/v1/csat/{token}"): "AAAAAA",
    ("POST", "/api/v1/csat/{token}"): "AAAAAA",
    ("GET", "/api/v1/reports/csat"): "AAAAAU",
    ("GET", "/api/v1/webhooks/endpoints"): "AFFFFU",
    ("POST", "/api/v1/webhooks/endpoints"): "AFFFFU",
    ("GET", "/api/v1/webhooks/endpoints/{endpoint_id}"): "AFFFFU",
    ("PATCH", "/api/v1/webhooks/endpoints/{endpoint_id}"): "AFFFFU",
    ("DELETE", "/api/v1/webhooks/endpoints/{endpoint_id}"): "AFFFFU",
    ("POST", "/api/v1/webhooks/endpoints/{endpoint_id}/rotate-secret"): "AFFFFU",
    ("POST", "/api/v1/webhooks/endpoints/{endpoint_id}/test"): "AFFFFU",
    ("GET", "/api/v1/webhooks/endpoints/{endpoint_id}/deliveries"): "AFFFFU",
    ("POST", "/api/v1/webhooks/endpoints/{endpoint_id}/deliveries/{delivery_id}/resend"):
        "AFFFFU",
}
REFUSAL_OF = {"forbidden": "F", "unauthorized": "U", "csrf-failed": "C"}


async def test_every_feature_endpoint_checks_roles(client: Client, database: Database) -> None:
    """The whole matrix of feature endpoints x roles, as written above."""
    assert set(FEATURE_MATRIX) == {endpoint.key for endpoint in feature_endpoints()}
    actual: dict[tuple[str, str], str] = {}
    for method, path in FEATURE_MATRIX:
        seen = ""
        for who in PRINCIPALS:
            response = await client.request(method, _concrete(path),
                                            headers=await _headers(database, who), json={})
            body = await response.json() if response.content_type.endswith("json") else {}
            seen += REFUSAL_OF.get(body.get("error", ""), "A")
        actual[(method, path)] = seen
    assert actual == FEATURE_MATRIX

"""The bell's API over real databases: own notifications only, unread first, paging,
marking read; every human role, and nobody else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from ccengine.config import WebConfig
from ccengine.db import Database
from ccengine.notifications.service import new_notification
from ccengine.users import service
from ccengine.users.models import Role
from ccengine.web.api import setup_api
from ccengine.web.auth import COOKIE

Client = TestClient[Any, Any]
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Bell:
    client: Client
    headers: dict[Role, dict[str, str]]
    users: dict[Role, int]
    database: Database


async def add_notifications(database: Database, user_id: int, count: int,
                            tag: str) -> list[int]:
    async with database.writer() as session:
        rows = [new_notification(user_id, "sla_alert", f"TK-{tag}-{n}", f"{tag} {n}", "body",
                                 {"threshold": 50}, AT + timedelta(minutes=n))
                for n in range(count)]
        session.add_all(rows)
        await session.commit()
    return [row.id for row in rows]


@pytest.fixture
async def bell(database: Database) -> AsyncIterator[Bell]:
    app = web.Application()
    setup_api(app, database, WebConfig(secure_cookie=False))
    client: Client = TestClient(TestServer(app))
    await client.start_server()
    headers, users = {}, {}
    for role in (Role.AGENT, Role.PRIVILEGED_AGENT, Role.ADMIN, Role.QA_LEAD):
        user = await service.create_user(database, role.value, "Haslo-Testowe-42", role)
        new = await service.create_session(database, user)
        headers[role] = {"Cookie": f"{COOKIE}={new.token}", "X-CSRF-Token": new.csrf_token}
        users[role] = user.id
    try:
        yield Bell(client, headers, users, database)
    finally:
        await client.close()


async def call(bell: Bell, method: str, path: str, role: Role | None = Role.AGENT,
               status: int = 200, headers: dict[str, str] | None = None) -> Any:
    sent = headers if headers is not None else bell.headers[role] if role else {}
    response = await bell.client.request(method, path, headers=sent)
    assert response.status == status, await response.text()
    return await response.json()


@pytest.mark.parametrize("role", [Role.AGENT, Role.PRIVILEGED_AGENT, Role.ADMIN,
                                  Role.QA_LEAD])
async def test_each_user_sees_only_their_own(bell: Bell, role: Role) -> None:
    for owner in bell.users.values():
        await add_notifications(bell.database, owner, 2, str(owner))
    page = await call(bell, "GET", "/api/v1/notifications", role)
    mine = str(bell.users[role])
    assert [item["title"] for item in page["items"]] == [f"{mine} 1", f"{mine} 0"]
    assert page["unread"] == 2 and page["next_cursor"] is None


async def test_unread_first_then_read_paged_by_cursor(bell: Bell) -> None:
    ids = await add_notifications(bell.database, bell.users[Role.AGENT], 5, "a")
    await call(bell, "POST", f"/api/v1/notifications/{ids[4]}/read")
    await call(bell, "POST", f"/api/v1/notifications/{ids[3]}/read")
    seen, cursor = [], ""
    for _ in range(5):
        page = await call(bell, "GET", f"/api/v1/notifications?limit=2{cursor}")
        seen += [(item["id"], item["read_at"] is not None) for item in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == [(ids[2], False), (ids[1], False), (ids[0], False), (ids[4], True),
                    (ids[3], True)]


async def test_marking_another_users_notification_is_not_found(bell: Bell) -> None:
    theirs = await add_notifications(bell.database, bell.users[Role.ADMIN], 1, "x")
    answer = await call(bell, "POST", f"/api/v1/notifications/{theirs[0]}/read",
                        Role.AGENT, status=404)
    assert answer["error"] == "notification-not-found"
    page = await call(bell, "GET", "/api/v1/notifications", Role.ADMIN)
    assert page["unread"] == 1


async def test_read_all_marks_only_own(bell: Bell) -> None:
    await add_notifications(bell.database, bell.users[Role.AGENT], 3, "a")
    await add_notifications(bell.database, bell.users[Role.QA_LEAD], 2, "q")
    assert (await call(bell, "POST", "/api/v1/notifications/read-all"))["marked"] == 3
    assert (await call(bell, "GET", "/api/v1/notifications"))["unread"] == 0
    assert (await call(bell, "GET", "/api/v1/notifications", Role.QA_LEAD))["unread"] == 2


@pytest.mark.parametrize(("path", "field"), [
    ("/api/v1/notifications?cursor=x1", "cursor"),
    ("/api/v1/notifications?cursor=u99999999999", "cursor"),
    ("/api/v1/notifications?limit=0", "limit"),
    ("/api/v1/notifications?limit=101", "limit"),
])
async def test_bad_parameters_are_400_naming_the_field(bell: Bell, path: str,
                                                       field: str) -> None:
    answer = await call(bell, "GET", path, status=400)
    assert answer["error"] == "invalid-parameter" and field in answer["message"]


async def test_bad_id_is_400_naming_it(bell: Bell) -> None:
    for bad in ("abc", "0", "99999999999"):
        answer = await call(bell, "POST", f"/api/v1/notifications/{bad}/read", status=400)
        assert "notification_id" in answer["message"]


async def test_nobody_and_integrations_are_refused(bell: Bell) -> None:
    await call(bell, "GET", "/api/v1/notifications", None, status=401)
    token = await service.create_api_token(bell.database, "crm")
    await call(bell, "GET", "/api/v1/notifications", headers={"Authorization": f"Bearer {token}"},
               status=403)

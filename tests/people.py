"""People signed in for API tests: a session per person, without password hashing."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ccengine.db import Database
from ccengine.users import service
from ccengine.users.models import Role, User
from ccengine.web.auth import COOKIE


async def signed_in(database: Database, people: Mapping[str, tuple[str, Role]],
                    at: datetime) -> dict[str, dict[str, str]]:
    """Request headers per login (session cookie and CSRF token), plus "crm" (an
    integration's API token) and "nobody" (no credentials)."""
    async with database.writer() as session:
        users = {login: User(login=login, display_name=name, role=role.value, password_hash="-",
                             locale="pl", active=True, created_at=at)
                 for login, (name, role) in people.items()}
        session.add_all(users.values())
        await session.commit()
    headers: dict[str, dict[str, str]] = {}
    for login, user in users.items():
        new = await service.create_session(database, user)
        headers[login] = {"Cookie": f"{COOKIE}={new.token}", "X-CSRF-Token": new.csrf_token}
    headers["crm"] = {"Authorization": f"Bearer {await service.create_api_token(database, 'crm')}"}
    headers["nobody"] = {}
    return headers


class SessionClient:
    """One signed-in person's calls under a path prefix; ``ok`` insists on a 200."""

    def __init__(self, client: Any, csrf: str, token: str, prefix: str = "/api/v1") -> None:
        self.client, self.prefix = client, prefix
        self.headers, self.cookies = {"X-CSRF-Token": csrf}, {COOKIE: token}

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = await self.client.request(method, f"{self.prefix}{path}", json=body,
                                             headers=self.headers, cookies=self.cookies)
        return response.status, await response.json()

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, data = await self.call(method, path, body)
        assert status == 200, data
        return data

"""A CRM for tests: a real aiohttp server on a TCP port answering the look-up
contract, with what each phone or e-mail answers set by the test (a delay, a
status, any body), and every request counted."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web

ANNA: dict[str, Any] = {
    "customer_id": "C-1001", "name": "Anna Nowak", "segment": "gold",
    "orders": [{"id": "Z-501", "status": "shipped", "total": "129.99 PLN",
                "placed_at": "2026-11-20T10:00:00Z", "url": "https://shop.example/o/Z-501"},
               {"id": "Z-498", "status": "delivered", "total": 59}],
    "links": [{"label": "Open in CRM", "url": "https://crm.example/c/C-1001"}],
}


@dataclass
class Answer:
    body: bytes = b""
    status: int = 200
    delay: float = 0.0
    chunked: bool = False  # no Content-Length: the client must count as it reads


@dataclass
class FakeCrm:
    url: str = ""
    answers: dict[str, Answer] = field(default_factory=dict)  # by phone or e-mail
    asked: list[dict[str, str]] = field(default_factory=list)
    tokens: list[str | None] = field(default_factory=list)  # the Authorization headers
    release: asyncio.Event = field(default_factory=asyncio.Event)  # for held answers
    hold: bool = False

    def answer(self, key: str, body: Any = None, status: int = 200, delay: float = 0.0,
               raw: bytes | None = None, chunked: bool = False) -> None:
        data = raw if raw is not None else json.dumps(body).encode()
        self.answers[key] = Answer(data, status, delay, chunked)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.asked.append(dict(request.query))
        self.tokens.append(request.headers.get("Authorization"))
        if self.hold:
            await self.release.wait()
        key = request.query.get("phone") or request.query.get("email") or ""
        answer = self.answers.get(key)
        if answer is None:
            return web.json_response({"error": "not found"}, status=404)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.chunked:
            return await _streamed(request, answer.body)
        return web.Response(body=answer.body, status=answer.status,
                            content_type="application/json")


async def _streamed(request: web.Request, body: bytes) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for start in range(0, len(body), 65_536):
        try:
            await response.write(body[start:start + 65_536])
        except ConnectionError:
            break  # the client stopped reading: it had enough
    return response


@pytest.fixture
async def crm() -> AsyncIterator[FakeCrm]:
    fake = FakeCrm()
    app = web.Application()
    app.router.add_get("/lookup", fake.handle)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server: Any = site._server
    fake.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/lookup"
    try:
        yield fake
    finally:
        fake.release.set()
        await runner.cleanup()

"""A real webhook receiver for the tests: an aiohttp server on a free port that checks
each request's Standard Webhooks signatures with its own implementation (not
``ccengine.webhooks.signing``) and records what came."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


def verified_secrets(secrets: list[str], headers: dict[str, str], body: bytes) -> list[str]:
    """Which of ``secrets`` signed this request (one ``v1,`` entry each)."""
    signed = b"%s.%s.%s" % (headers["webhook-id"].encode(),
                            headers["webhook-timestamp"].encode(), body)
    given = {entry.split(",", 1)[1] for entry in headers["webhook-signature"].split(" ")
             if entry.startswith("v1,")}
    matching = []
    for secret in secrets:
        key = base64.b64decode(secret[len("whsec_"):])
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        if any(hmac.compare_digest(expected, one) for one in given):
            matching.append(secret)
    return matching


@dataclass
class Received:
    message_id: str
    headers: dict[str, str]
    body: dict[str, Any]
    raw: bytes
    accepted: bool

    @property
    def signatures(self) -> list[str]:
        return self.headers["webhook-signature"].split(" ")


@dataclass
class Receiver:
    fail_first: int = 0  # answer 500 to this many requests first
    hang: bool = False  # never answer (until stopped)
    requests: list[Received] = field(default_factory=list)
    url: str = ""
    _runner: web.AppRunner | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/hook"
        return self

    async def stop(self) -> None:
        self._stop.set()
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        headers = {name.lower(): value for name, value in request.headers.items()}
        self.arrived.set()
        if self.hang:
            await self._stop.wait()
        accepted = len(self.requests) >= self.fail_first
        self.requests.append(Received(headers["webhook-id"], headers, json.loads(raw), raw,
                                      accepted))
        if not accepted:
            return web.Response(status=500, text="not now " + "x" * 3000)
        return web.Response(status=204)

    def accepted(self) -> list[Received]:
        return [r for r in self.requests if r.accepted]

    def of_type(self, kind: str) -> list[Received]:
        return [r for r in self.accepted() if r.body["type"] == kind]

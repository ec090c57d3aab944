"""examples/crm_shop_adapter.py between a fake shop (a real aiohttp server with
the generic REST shape) and ccengine's CRM client: the shop's customer and orders
arrive in the contract and pass its strict checks; an unknown caller is not found;
a failing shop, a wrong token, are failed look-ups."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from ccengine.config import CrmConfig
from ccengine.crm.client import CrmClient
from ccengine.crm.model import Outcome, Query, Reason
from examples.crm_shop_adapter import make_app

CUSTOMERS = [{"id": 77, "first_name": "Anna", "last_name": "Nowak", "group": "VIP",
              "phone": "+48601111222", "email": "anna@example.com"}]
ORDERS = {"77": [{"id": "1002", "status": "processing", "total": "259.00", "currency": "PLN",
                  "created_at": "2026-11-30T12:00:00+00:00"},
                 {"id": "0998", "status": "completed", "total": 49.5, "currency": "PLN"}]}


async def _serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server: Any = site._server
    return runner, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"


@pytest.fixture
async def shop() -> AsyncIterator[tuple[str, dict[str, Any]]]:
    state: dict[str, Any] = {"down": False, "tokens": []}

    async def customers(request: web.Request) -> web.Response:
        state["tokens"].append(request.headers.get("Authorization"))
        if state["down"]:
            return web.json_response({"error": "maintenance"}, status=503)
        found = [c for c in CUSTOMERS if request.query.get("phone") == c["phone"]
                 or request.query.get("email") == c["email"]]
        return web.json_response(found)

    async def orders(request: web.Request) -> web.Response:
        return web.json_response({"items": ORDERS.get(request.query["customer"], [])})

    app = web.Application()
    app.router.add_get("/customers", customers)
    app.router.add_get("/orders", orders)
    runner, url = await _serve(app)
    yield url, state
    await runner.cleanup()


@pytest.fixture
async def adapter(shop: tuple[str, dict[str, Any]]) -> AsyncIterator[str]:
    runner, url = await _serve(make_app(shop[0], "shop-key", "https://admin.shop.example",
                                        adapter_token="s3cret"))
    yield f"{url}/lookup"
    await runner.cleanup()


def _client(url: str, token: str = "Bearer s3cret") -> CrmClient:
    return CrmClient(CrmConfig(enabled=True, url=url, token=token, timeout_seconds=2.0,
                               cache_seconds=0, failure_cache_seconds=0))


async def test_the_shop_customer_and_orders_come_in_the_contract(
        adapter: str, shop: tuple[str, dict[str, Any]]) -> None:
    client = _client(adapter)
    try:
        by_phone = await client.lookup(Query(phone="+48601111222"))
        by_email = await client.lookup(Query(email="anna@example.com"))
        unknown = await client.lookup(Query(phone="+48500000000"))
    finally:
        await client.close()
    assert by_phone.outcome is Outcome.FOUND and by_phone.customer is not None
    body = by_phone.as_json()["customer"]
    assert (body["customer_id"], body["name"], body["segment"]) == ("77", "Anna Nowak", "VIP")
    assert [(o["id"], o["status"], o["total"]) for o in body["orders"]] == [
        ("1002", "processing", "259.00 PLN"), ("0998", "completed", "49.5 PLN")]
    assert body["orders"][0]["url"] == "https://admin.shop.example/orders/1002"
    assert body["links"] == [{"label": "Customer in the shop",
                              "url": "https://admin.shop.example/customers/77"}]
    assert by_email == by_phone
    assert unknown.outcome is Outcome.NOT_FOUND
    assert set(shop[1]["tokens"]) == {"Bearer shop-key"}


async def test_a_failing_shop_or_a_wrong_token_is_a_failed_look_up(
        adapter: str, shop: tuple[str, dict[str, Any]]) -> None:
    shop[1]["down"] = True
    client, stranger = _client(adapter), _client(adapter, token="Bearer guess")
    try:
        down = await client.lookup(Query(phone="+48601111222"))
        refused = await stranger.lookup(Query(phone="+48601111222"))
    finally:
        await client.close()
        await stranger.close()
    assert (down.outcome, down.reason, down.detail) == (Outcome.FAILED, Reason.HTTP_STATUS,
                                                        "HTTP 502")
    assert (refused.reason, refused.detail) == (Reason.HTTP_STATUS, "HTTP 401")

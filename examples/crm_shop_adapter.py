"""An adapter from a generic REST shop API to ccengine's CRM look-up contract.

ccengine asks ``GET /lookup?phone=+48…&email=…`` and expects
``{"customer_id", "name", "segment"?, "orders": [...], "links": [...]}`` or 404.
Many shops (and shop platforms' admin APIs) answer instead::

    GET {shop}/customers?phone=+48…   → [{"id", "first_name", "last_name", "group"?}]
    GET {shop}/customers?email=…      → the same
    GET {shop}/orders?customer={id}   → [{"id", "status", "total", "currency",
                                          "created_at"}] (newest first)

This small aiohttp app sits between them: one customer look-up, one orders look-up,
mapped to the contract with links into the shop's admin pages. It answers 404 when
the shop knows nobody, 502 when the shop fails (ccengine shows "look-up failed"),
and keeps under ccengine's timeout with its own shorter one.

Run it (see the README, "CRM / shop look-up")::

    SHOP_URL=https://shop.example/api SHOP_TOKEN=... ADAPTER_TOKEN=s3cret \\
        python examples/crm_shop_adapter.py --port 8099

and point ccengine at it: ``[crm] enabled = true``, ``url =
"http://127.0.0.1:8099/lookup"``, ``token = "Bearer s3cret"``.
"""

from __future__ import annotations

import argparse
import hmac
import os
from typing import Any
from urllib.parse import quote

from aiohttp import ClientError, ClientSession, ClientTimeout, web

RECENT_ORDERS = 10
SHOP = web.AppKey("shop", dict)
HTTP = web.AppKey("http", ClientSession)


class ShopFailed(Exception):
    pass


def make_app(shop_url: str, shop_token: str | None = None, admin_url: str | None = None,
             adapter_token: str | None = None, timeout: float = 1.0) -> web.Application:
    app = web.Application()
    app[SHOP] = {"url": shop_url.rstrip("/"), "token": shop_token, "timeout": timeout,
                 "admin": (admin_url or shop_url).rstrip("/"), "expect": adapter_token}
    app.router.add_get("/lookup", lookup)
    app.cleanup_ctx.append(_client)
    return app


async def _client(app: web.Application) -> Any:
    async with ClientSession(timeout=ClientTimeout(total=app[SHOP]["timeout"])) as http:
        app[HTTP] = http
        yield


async def lookup(request: web.Request) -> web.Response:
    shop = request.app[SHOP]
    if shop["expect"] and not hmac.compare_digest(
            request.headers.get("Authorization", ""), f"Bearer {shop['expect']}"):
        return web.json_response({"error": "unauthorized"}, status=401)
    asked = {k: request.query[k] for k in ("phone", "email") if request.query.get(k)}
    if not asked:
        return web.json_response({"error": "phone or email required"}, status=400)
    try:
        customer = await _first_customer(request.app, asked)
        if customer is None:
            return web.json_response({"error": "not found"}, status=404)
        orders = await _get(request.app, "/orders", {"customer": str(customer["id"])})
    except ShopFailed as exc:
        return web.json_response({"error": str(exc)}, status=502)
    return web.json_response(contract(customer, orders, shop["admin"]))


async def _first_customer(app: web.Application, asked: dict[str, str]) -> Any:
    for key, value in asked.items():  # the phone first, then the e-mail
        found = await _get(app, "/customers", {key: value})
        if found:
            return found[0]
    return None


async def _get(app: web.Application, path: str, params: dict[str, str]) -> list[Any]:
    shop = app[SHOP]
    headers = {"Authorization": f"Bearer {shop['token']}"} if shop["token"] else {}
    try:
        async with app[HTTP].get(shop["url"] + path, params=params, headers=headers) as answer:
            if answer.status != 200:
                raise ShopFailed(f"shop answered HTTP {answer.status}")
            body = await answer.json(content_type=None)
    except (ClientError, TimeoutError, ValueError) as exc:
        raise ShopFailed(f"shop unreachable ({type(exc).__name__})") from exc
    items = body.get("items", []) if isinstance(body, dict) else body
    return items if isinstance(items, list) else []


def contract(customer: dict[str, Any], orders: list[Any], admin: str) -> dict[str, Any]:
    """The shop's customer and orders in ccengine's contract (texts, http(s) links)."""
    ident = str(customer["id"])
    name = " ".join(str(customer.get(k) or "") for k in ("first_name", "last_name")).strip()
    body: dict[str, Any] = {
        "customer_id": ident, "name": name or str(customer.get("name") or ""),
        "orders": [_order(order, admin) for order in orders[:RECENT_ORDERS]
                   if isinstance(order, dict) and "id" in order],
        "links": [{"label": "Customer in the shop",
                   "url": f"{admin}/customers/{quote(ident, safe='')}"}],
    }
    if customer.get("group"):
        body["segment"] = str(customer["group"])
    return body


def _order(order: dict[str, Any], admin: str) -> dict[str, Any]:
    ident = str(order["id"])
    total = order.get("total")
    mapped = {"id": ident, "status": str(order.get("status") or "unknown"),
              "url": f"{admin}/orders/{quote(ident, safe='')}"}
    if total is not None:
        mapped["total"] = f"{total} {order.get('currency', '')}".strip()
    if order.get("created_at"):
        mapped["placed_at"] = str(order["created_at"])
    return mapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    app = make_app(os.environ["SHOP_URL"], os.environ.get("SHOP_TOKEN"),
                   os.environ.get("SHOP_ADMIN_URL"), os.environ.get("ADAPTER_TOKEN"))
    web.run_app(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()

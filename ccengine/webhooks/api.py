"""Webhook endpoints over HTTP (admins only: they hold signing secrets and decide
where the engine's events go), their delivery log, "send again", and the delivery
worker's place in the app."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from typing import Any, TypeVar

from aiohttp import web

from ccengine.cancelling import cancel_and_wait
from ccengine.config import WebhooksConfig
from ccengine.users.models import Role
from ccengine.web import body as bodies
from ccengine.web.endpoints import PAGING, Endpoint, path_param, query
from ccengine.web.errors import InvalidParameter, Refusal
from ccengine.web.keys import CONFIG, ENGINE, clock_of
from ccengine.web.params import DATABASE, MAX_SQL_INT, optional, paging
from ccengine.webhooks import service
from ccengine.webhooks.model import MAX_DESCRIPTION, MAX_URL, DeliveryStatus, EventType
from ccengine.webhooks.rules import (
    DeliveryNotFound,
    EndpointNotFound,
    InvalidEndpoint,
    WebhookError,
)
from ccengine.webhooks.schemas import SCHEMAS
from ccengine.webhooks.worker import DeliveryWorker

__all__ = ["ENDPOINTS", "SCHEMAS", "WORKER", "setup"]

ADMINS = frozenset({Role.ADMIN})
BASE = "/api/v1/webhooks/endpoints"
ONE = BASE + "/{endpoint_id}"
WORKER = web.AppKey("ccengine.webhook_worker", DeliveryWorker)
MAX_GRACE_HOURS = 24 * 30
T = TypeVar("T")

_ERRORS: dict[type[WebhookError], tuple[int, str]] = {
    InvalidEndpoint: (400, "invalid-webhook-endpoint"),
    EndpointNotFound: (404, "webhook-endpoint-not-found"),
    DeliveryNotFound: (404, "webhook-delivery-not-found"),
}
ENDPOINT_ID = path_param("endpoint_id", "the endpoint's id", {"type": "integer"})
DELIVERY_ID = path_param("delivery_id", "the delivery's id", {"type": "integer"})


class Refused(Refusal):
    TABLE = _ERRORS


async def _answer(work: Awaitable[T]) -> T:
    try:
        return await work
    except WebhookError as exc:
        raise Refused(exc) from None


def _id(request: web.Request, name: str) -> int:
    raw = request.match_info[name]
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_SQL_INT:
        raise InvalidParameter(name, f"expected an id, got {raw!r}")
    return int(raw)


def _settings(app: web.Application) -> WebhooksConfig:
    config = app.get(CONFIG)
    return config.webhooks if config is not None else WebhooksConfig()


def _wake(app: web.Application) -> None:
    worker = app.get(WORKER)
    if worker is not None:
        worker.wake.set()


def _changes(body: dict[str, Any], required: bool) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    url = bodies.text(body, "url", required=required, max_length=MAX_URL, allow_empty=False)
    if url is not None:
        changes["url"] = url.strip()
    description = bodies.text(body, "description", max_length=MAX_DESCRIPTION)
    if description is not None or required:
        changes["description"] = description or ""
    types = bodies.text_list(body, "event_types", max_items=len(EventType))
    if types is not None or required:
        changes["event_types"] = types or []
    if "active" in body or required:
        changes["active"] = bodies.boolean(body, "active", True)
    return changes


async def list_endpoints(request: web.Request) -> web.Response:
    now = clock_of(request.app).now()
    endpoints = await service.list_endpoints(request.app[DATABASE])
    return web.json_response({"items": [service.endpoint_json(e, now) for e in endpoints],
                              "event_types": [str(kind) for kind in EventType]})


async def create_endpoint(request: web.Request) -> web.Response:
    changes = _changes(await bodies.json_object(request), required=True)
    now = clock_of(request.app).now()
    endpoint, secret = await _answer(service.create_endpoint(
        request.app[DATABASE], service.EndpointInput(**changes), now))
    return web.json_response(service.endpoint_json(endpoint, now, secret), status=201)


async def show_endpoint(request: web.Request) -> web.Response:
    endpoint = await _answer(service.get_endpoint(request.app[DATABASE],
                                                  _id(request, "endpoint_id")))
    return web.json_response(service.endpoint_json(endpoint, clock_of(request.app).now()))


async def edit_endpoint(request: web.Request) -> web.Response:
    changes = _changes(await bodies.json_object(request), required=False)
    now = clock_of(request.app).now()
    endpoint = await _answer(service.edit_endpoint(request.app[DATABASE],
                                                   _id(request, "endpoint_id"), changes, now))
    _wake(request.app)  # active again: its waiting deliveries go out now
    return web.json_response(service.endpoint_json(endpoint, now))


async def delete_endpoint(request: web.Request) -> web.Response:
    await _answer(service.delete_endpoint(request.app[DATABASE], _id(request, "endpoint_id")))
    return web.json_response({"deleted": True})


async def rotate_secret(request: web.Request) -> web.Response:
    body = await bodies.json_object(request)
    hours = bodies.integer(body, "grace_hours", maximum=MAX_GRACE_HOURS)
    grace = timedelta(hours=_settings(request.app).rotation_grace_hours if hours is None
                      else hours)
    now = clock_of(request.app).now()
    endpoint, secret = await _answer(service.rotate_secret(
        request.app[DATABASE], _id(request, "endpoint_id"), grace, now))
    return web.json_response(service.endpoint_json(endpoint, now, secret))


async def send_test(request: web.Request) -> web.Response:
    delivery_id = await _answer(service.send_test(
        request.app[DATABASE], _id(request, "endpoint_id"), clock_of(request.app).now()))
    _wake(request.app)
    return web.json_response({"delivery_id": delivery_id}, status=202)


async def list_deliveries(request: web.Request) -> web.Response:
    endpoint_id = _id(request, "endpoint_id")
    status = optional(request, "status", DeliveryStatus)
    page, per_page = paging(request)
    items, total = await _answer(service.deliveries(request.app[DATABASE], endpoint_id,
                                                    status, page, per_page))
    return web.json_response({"items": items, "page": page, "per_page": per_page,
                              "total": total})


async def resend(request: web.Request) -> web.Response:
    item = await _answer(service.resend(
        request.app[DATABASE], _id(request, "endpoint_id"), _id(request, "delivery_id"),
        clock_of(request.app).now()))
    _wake(request.app)
    return web.json_response(item, status=202)


STATUS = query("status", {"type": "string", "enum": [str(s) for s in DeliveryStatus]},
               "only the deliveries in this state (failed: the ones it gave up on)")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("GET", BASE, list_endpoints, ADMINS, result="WebhookEndpointList",
             summary="Webhook endpoints (no secrets) and the event types one may subscribe"),
    Endpoint("POST", BASE, create_endpoint, ADMINS, body="WebhookEndpointInput",
             result="WebhookEndpointWithSecret",
             summary="Add an endpoint; its signing secret is in this answer only. 400 "
                     "invalid-webhook-endpoint naming the field (http/https URLs only)"),
    Endpoint("GET", ONE, show_endpoint, ADMINS, parameters=[ENDPOINT_ID],
             result="WebhookEndpoint", summary="One endpoint (no secret)"),
    Endpoint("PATCH", ONE, edit_endpoint, ADMINS, parameters=[ENDPOINT_ID],
             body="WebhookEndpointEdit", result="WebhookEndpoint",
             summary="Change an endpoint's URL, description, event types or active flag"),
    Endpoint("DELETE", ONE, delete_endpoint, ADMINS, parameters=[ENDPOINT_ID],
             summary="Delete an endpoint with its deliveries and their log"),
    Endpoint("POST", ONE + "/rotate-secret", rotate_secret, ADMINS, parameters=[ENDPOINT_ID],
             body="WebhookRotate", result="WebhookEndpointWithSecret",
             summary="A new signing secret (in this answer only); the old one keeps signing "
                     "beside it for grace_hours (default from the config)"),
    Endpoint("POST", ONE + "/test", send_test, ADMINS, parameters=[ENDPOINT_ID],
             result="WebhookQueued", summary="Queue a webhook.test event for this endpoint"),
    Endpoint("GET", ONE + "/deliveries", list_deliveries, ADMINS,
             parameters=[ENDPOINT_ID, STATUS, *PAGING], result="WebhookDeliveryPage",
             summary="The endpoint's deliveries, newest first, each with its attempts' log"),
    Endpoint("POST", ONE + "/deliveries/{delivery_id}/resend", resend, ADMINS,
             parameters=[ENDPOINT_ID, DELIVERY_ID], result="WebhookDelivery",
             summary="Send a delivery again (due now; the same webhook-id and body)"),
)


def setup(app: web.Application) -> None:
    """The worker lives with the engine (an API-only app leaves deliveries to it)."""
    settings = _settings(app)
    if app.get(ENGINE) is None or not settings.enabled:
        return
    worker = app[WORKER] = DeliveryWorker(app[DATABASE], settings)
    app.cleanup_ctx.append(lambda app: _running(worker))


async def _running(worker: DeliveryWorker) -> AsyncIterator[None]:
    task = asyncio.create_task(worker.run(), name="webhooks")
    yield
    await cancel_and_wait([task])

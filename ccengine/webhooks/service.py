"""The endpoints and their delivery log, one transaction per operation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.webhooks import payloads, recording, rules, signing
from ccengine.webhooks.model import AUTOMATION_RULE, TEST, DeliveryStatus
from ccengine.webhooks.rules import DeliveryNotFound, EndpointNotFound
from ccengine.webhooks.storage_models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

ATTEMPTS_SHOWN = 20  # per delivery in the log


@dataclass(frozen=True, slots=True)
class EndpointInput:
    url: str
    description: str
    event_types: list[str]
    active: bool


def endpoint_json(endpoint: WebhookEndpoint, now: datetime,
                  secret: str | None = None) -> dict[str, Any]:
    rotating = endpoint.previous_until if endpoint.previous_secret and \
        endpoint.previous_until is not None and endpoint.previous_until > now else None
    return {"id": endpoint.id, "url": endpoint.url, "description": endpoint.description,
            "event_types": list(endpoint.event_types or []), "active": endpoint.active,
            "previous_secret_until": payloads.iso(rotating),
            "created_at": payloads.iso(endpoint.created_at),
            "updated_at": payloads.iso(endpoint.updated_at),
            **({"secret": secret} if secret is not None else {})}


async def list_endpoints(database: Database) -> list[WebhookEndpoint]:
    async with database.sessions() as session:
        return list(await session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


async def _endpoint(session: AsyncSession, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise EndpointNotFound(f"no webhook endpoint {endpoint_id}")
    return endpoint


async def get_endpoint(database: Database, endpoint_id: int) -> WebhookEndpoint:
    async with database.sessions() as session:
        return await _endpoint(session, endpoint_id)


async def create_endpoint(database: Database, given: EndpointInput,
                          now: datetime) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its secret (shown this once)."""
    secret = signing.new_secret()
    endpoint = WebhookEndpoint(url=rules.check_url(given.url), description=given.description,
                               event_types=rules.check_event_types(given.event_types),
                               active=given.active, secret=secret, created_at=now,
                               updated_at=now)
    async with database.writer() as session:
        session.add(endpoint)
        await session.commit()
    return endpoint, secret


async def edit_endpoint(database: Database, endpoint_id: int, changes: dict[str, Any],
                        now: datetime) -> WebhookEndpoint:
    """``changes``: any of url, description, event_types, active (checked here)."""
    if "url" in changes:
        changes["url"] = rules.check_url(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = rules.check_event_types(changes["event_types"])
    async with database.writer() as session:
        endpoint = await _endpoint(session, endpoint_id)
        for name, value in changes.items():
            setattr(endpoint, name, value)
        endpoint.updated_at = now
        await session.commit()
    return endpoint


async def delete_endpoint(database: Database, endpoint_id: int) -> None:
    """With its deliveries and their log (the foreign keys cascade)."""
    async with database.writer() as session:
        endpoint = await _endpoint(session, endpoint_id)
        attempts = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == endpoint_id)
        await session.execute(delete(WebhookAttempt).where(
            WebhookAttempt.delivery_id.in_(attempts)))
        await session.execute(delete(WebhookDelivery).where(
            WebhookDelivery.endpoint_id == endpoint_id))
        await session.delete(endpoint)
        await session.commit()


async def rotate_secret(database: Database, endpoint_id: int, grace: timedelta,
                        now: datetime) -> tuple[WebhookEndpoint, str]:
    """A new secret; the old one still signs (beside it) for ``grace``."""
    secret = signing.new_secret()
    async with database.writer() as session:
        endpoint = await _endpoint(session, endpoint_id)
        endpoint.previous_secret = endpoint.secret if grace > timedelta(0) else None
        endpoint.previous_until = now + grace if grace > timedelta(0) else None
        endpoint.secret, endpoint.updated_at = secret, now
        await session.commit()
    return endpoint, secret


async def send_test(database: Database, endpoint_id: int, now: datetime) -> int:
    """Queue a ``webhook.test`` event for the endpoint (active or not: the test is the
    admin's own); its delivery id."""
    async with database.writer() as session:
        endpoint = await _endpoint(session, endpoint_id)
        delivery = WebhookDelivery(
            endpoint_id=endpoint.id, message_id=payloads.new_message_id(), event_type=TEST,
            body=payloads.body_of(TEST, {"endpoint_id": endpoint.id}, now),
            status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now)
        session.add(delivery)
        await session.commit()
    return delivery.id


async def deliveries(database: Database, endpoint_id: int, status: DeliveryStatus | None,
                     page: int, per_page: int) -> tuple[list[dict[str, Any]], int]:
    """A page of the endpoint's deliveries, newest first, each with its latest
    attempts; and how many there are."""
    async with database.sessions() as session:
        await _endpoint(session, endpoint_id)
        where = [WebhookDelivery.endpoint_id == endpoint_id]
        if status is not None:
            where.append(WebhookDelivery.status == status)
        total = await session.scalar(select(func.count()).select_from(WebhookDelivery)
                                     .where(*where)) or 0
        rows = list(await session.scalars(
            select(WebhookDelivery).where(*where).order_by(WebhookDelivery.id.desc())
            .offset((page - 1) * per_page).limit(per_page)))
        attempts = await _attempts(session, [row.id for row in rows])
    return [delivery_json(row, attempts.get(row.id, [])) for row in rows], total


async def _attempts(session: AsyncSession,
                    ids: list[int]) -> dict[int, list[WebhookAttempt]]:
    found: dict[int, list[WebhookAttempt]] = {}
    if not ids:
        return found
    for attempt in await session.scalars(select(WebhookAttempt).where(
            WebhookAttempt.delivery_id.in_(ids)).order_by(WebhookAttempt.id.desc())):
        kept = found.setdefault(attempt.delivery_id, [])
        if len(kept) < ATTEMPTS_SHOWN:
            kept.append(attempt)
    return found


def delivery_json(row: WebhookDelivery, attempts: list[WebhookAttempt]) -> dict[str, Any]:
    return {"id": row.id, "endpoint_id": row.endpoint_id, "message_id": row.message_id,
            "event_type": row.event_type, "status": row.status, "attempts": row.attempts,
            "next_attempt_at": payloads.iso(row.next_attempt_at)
            if row.status == DeliveryStatus.PENDING else None,
            "created_at": payloads.iso(row.created_at),
            "delivered_at": payloads.iso(row.delivered_at),
            "last_status_code": row.last_status_code, "last_error": row.last_error,
            "payload": row.body,
            "log": [{"attempted_at": payloads.iso(a.attempted_at),
                     "status_code": a.status_code, "duration_ms": a.duration_ms,
                     "error": a.error, "response_excerpt": a.response_excerpt}
                    for a in attempts]}


async def resend(database: Database, endpoint_id: int, delivery_id: int,
                 now: datetime) -> dict[str, Any]:
    """Due again now, with the same ``webhook-id`` and body; a fresh count of attempts."""
    async with database.writer() as session:
        done = await session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint_id)
            .values(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now,
                    delivered_at=None))
        if getattr(done, "rowcount", 0) != 1:
            raise DeliveryNotFound(f"no delivery {delivery_id} of endpoint {endpoint_id}")
        row = await session.get_one(WebhookDelivery, delivery_id)
        await session.commit()
    return delivery_json(row, [])


async def queue_for_rule(session: AsyncSession, endpoint_id: int, data: dict[str, Any],
                         now: datetime) -> bool:
    """Automation's call_webhook: the event for one endpoint; False when it is gone
    or inactive."""
    return await recording.queue_to(session, endpoint_id, AUTOMATION_RULE, data, now) > 0

"""Deliveries written by the change itself, in its own transaction (the outbox).

A session's ``after_flush`` looks at what it just wrote: a new ticket is
``ticket.created`` (and ``callback.due`` for a callback ticket), a changed one
``ticket.updated`` (and ``ticket.closed`` when its status became closed,
``callback.due`` when a lost call's ticket became a callback; a change told to
automation with ``field_changed``, which no dirty ticket shows, too), a new call
row ``call.finished`` (calls are written once they ended), a new transcript
``transcript.ready``. For each, one ``webhook_deliveries`` row per active endpoint
subscribed to the type, inserted on the flush's own connection: rolled back with
the change, never lost after its commit. The SLA alert scheduler calls ``emit``
(no ORM change shows an alert); automation and the test event ``queue_to`` one
endpoint.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, event, insert, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from ccengine.automation.model import WATCHED_FIELDS
from ccengine.automation.model import Event as AutomationKind
from ccengine.automation.storage_models import AutomationEvent
from ccengine.tickets.enums import TicketKind, TicketStatus
from ccengine.tickets.models import Call, Ticket
from ccengine.transcribe.storage_models import Transcript
from ccengine.webhooks import payloads
from ccengine.webhooks.model import DeliveryStatus, EventType
from ccengine.webhooks.storage_models import WebhookDelivery, WebhookEndpoint

SENT = "ccengine.webhooks.sent"  # session.info: (type, ticket id) queued this transaction
_COLUMNS = {"category": "category_id"}


@dataclass(frozen=True, slots=True)
class Happened:
    kind: str
    data: dict[str, Any]
    # Set when the event is found by a sweep that may see it again (an agreed callback
    # time): the delivery's webhook-id, so an endpoint never gets it twice.
    message_id: str | None = None


@event.listens_for(Session, "after_flush")
def _record(session: Session, _context: Any) -> None:
    found = list(_found(session))
    if found:
        queue(session.connection(), found, datetime.now(UTC))


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(SENT, None)


def _found(session: Session) -> Iterator[Happened]:
    sent: set[tuple[str, int]] = session.info.setdefault(SENT, set())
    numbers = _ticket_numbers(session)
    for item in session.new:
        if isinstance(item, Ticket):
            sent.add((EventType.TICKET_CREATED, item.id))
            yield Happened(EventType.TICKET_CREATED, {"ticket": payloads.ticket_data(item)})
            if item.kind == TicketKind.CALLBACK:
                yield Happened(EventType.CALLBACK_DUE, {"ticket": payloads.ticket_data(item)})
        elif isinstance(item, Call):
            yield Happened(EventType.CALL_FINISHED,
                           payloads.call_data(item, numbers(item.ticket_id)))
        elif isinstance(item, Transcript):
            yield Happened(EventType.TRANSCRIPT_READY,
                           payloads.transcript_data(item, numbers(item.ticket_id)))
    changed: set[int] = set()
    for item in session.dirty:
        if isinstance(item, Ticket) and (EventType.TICKET_CREATED, item.id) not in sent:
            for happened in _changed(item, sent):
                changed.add(item.id)
                yield happened
    yield from _told(session, sent, changed)


def _told(session: Session, sent: set[tuple[str, int]], seen: set[int]) -> Iterator[Happened]:
    """The changes a writer told automation about (``automation.recording.field_changed``:
    tags in their own table, a callback claim's bulk UPDATE) where no dirty ticket
    shows them."""
    for item in session.new:
        if not isinstance(item, AutomationEvent) or item.event != AutomationKind.UPDATED:
            continue
        ticket = item.__dict__.get("ticket")
        if isinstance(ticket, Ticket) and ticket.id not in seen and \
                (EventType.TICKET_CREATED, ticket.id) not in sent:
            seen.add(ticket.id)
            # As stored: a bulk UPDATE left the loaded ticket's attributes as they were.
            stored = session.connection().execute(
                select(Ticket.__table__).where(Ticket.__table__.c.id == ticket.id)).one()
            yield Happened(EventType.TICKET_UPDATED,
                           {"ticket": payloads.ticket_data(stored),
                            "changed": sorted((item.data or {}).get("changed", []))})


def _changed(ticket: Ticket, sent: set[tuple[str, int]]) -> Iterator[Happened]:
    state = inspect(ticket)
    if _really_changed(state.attrs["kind"].history) and ticket.kind == TicketKind.CALLBACK:
        yield Happened(EventType.CALLBACK_DUE, {"ticket": payloads.ticket_data(ticket)})
    changed = [name for name in WATCHED_FIELDS
               if _really_changed(state.attrs[_COLUMNS.get(name, name)].history)]
    if not changed:
        return
    data = payloads.ticket_data(ticket)
    yield Happened(EventType.TICKET_UPDATED, {"ticket": data, "changed": changed})
    closed = (EventType.TICKET_CLOSED, ticket.id)
    if "status" in changed and ticket.status == TicketStatus.CLOSED and closed not in sent:
        sent.add(closed)
        yield Happened(EventType.TICKET_CLOSED, {"ticket": data})


def _really_changed(history: Any) -> bool:
    return bool(history.added) and list(history.added) != list(history.deleted)


def _ticket_numbers(session: Session) -> Any:
    """A ticket's number by id: from the session when it holds the ticket, else read
    (once per id) on the flush's connection."""
    cache: dict[int, str | None] = {}

    def number(ticket_id: int | None) -> str | None:
        if ticket_id is None:
            return None
        if ticket_id not in cache:
            held = session.identity_map.get(inspect(Ticket).identity_key_from_primary_key(
                (ticket_id,)))
            cache[ticket_id] = held.number if isinstance(held, Ticket) else \
                session.connection().scalar(select(Ticket.number).where(Ticket.id == ticket_id))
        return cache[ticket_id]
    return number


def queue(connection: Connection, happened: Sequence[Happened], now: datetime,
          endpoint_id: int | None = None) -> int:
    """Insert a delivery per event and subscribed active endpoint (or for the one
    endpoint named, whatever it subscribed to); how many."""
    query = select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(
        WebhookEndpoint.active.is_(True))
    if endpoint_id is not None:
        query = query.where(WebhookEndpoint.id == endpoint_id)
    endpoints = list(connection.execute(query))
    rows = list(_rows(endpoints, happened, now, endpoint_id is not None))
    fixed = [item.message_id for item in happened if item.message_id is not None]
    if fixed:
        taken = {(row.endpoint_id, row.message_id) for row in connection.execute(
            select(WebhookDelivery.endpoint_id, WebhookDelivery.message_id).where(
                WebhookDelivery.message_id.in_(fixed)))}
        rows = [row for row in rows if (row["endpoint_id"], row["message_id"]) not in taken]
    if rows:
        connection.execute(insert(WebhookDelivery), rows)
    return len(rows)


def _rows(endpoints: Iterable[Any], happened: Sequence[Happened], now: datetime,
          any_type: bool) -> Iterator[dict[str, Any]]:
    for item in happened:
        message_id = item.message_id or payloads.new_message_id()
        body = payloads.body_of(item.kind, item.data, now)
        for endpoint in endpoints:
            if any_type or item.kind in (endpoint.event_types or []):
                yield {"endpoint_id": endpoint.id, "message_id": message_id,
                       "event_type": item.kind, "body": body,
                       "status": DeliveryStatus.PENDING, "attempts": 0,
                       "next_attempt_at": now, "created_at": now}


async def emit(session: AsyncSession, kind: str, data: dict[str, Any], now: datetime) -> int:
    """An event no ORM change shows (an SLA alert), in ``session``'s transaction."""
    return await session.run_sync(
        lambda sync: queue(sync.connection(), [Happened(kind, data)], now))


async def queue_to(session: AsyncSession, endpoint_id: int, kind: str, data: dict[str, Any],
                   now: datetime) -> int:
    """One event for one endpoint (if it exists and is active): 1, else 0."""
    return await session.run_sync(
        lambda sync: queue(sync.connection(), [Happened(kind, data)], now, endpoint_id))


async def sla_alert(session: AsyncSession, ticket: Ticket, clock: str, threshold: int,
                    now: datetime) -> int:
    """The alert scheduler's threshold: ``sla.breached`` at 100 %, else ``sla.warning``."""
    kind = EventType.SLA_BREACHED if threshold >= 100 else EventType.SLA_WARNING
    return await emit(session, kind, payloads.sla_data(ticket, clock, threshold), now)

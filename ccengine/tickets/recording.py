"""Recording one batch of finished calls inside one session (one transaction).

Every query here works on the whole batch: existing calls, customers and open
tickets are each read with one statement (chunked), numbers are allocated as
one block and the rows are written in one flush.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.calls.model import FinishedCall
from ccengine.config import TicketsConfig
from ccengine.customers.lookup import customers_by_phone, new_customer
from ccengine.tickets.assigning import BatchWriter, chunks
from ccengine.tickets.enums import Priority, TicketStatus
from ccengine.tickets.models import Call, Customer, Ticket
from ccengine.tickets.phones import is_e164, normalise
from ccengine.tickets.rows import Key, Prepared, RecordedCall
from ccengine.tickets.rules import learned_name
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider, sync_touched
from ccengine.tickets.sqlite_ids import assign_ids


async def record_batch(
    session: AsyncSession, calls: Sequence[FinishedCall], config: TicketsConfig, now: datetime,
    sla: SlaProvider = DEFAULT_SLA,
) -> list[RecordedCall]:
    prepared = [_prepare(call, config.default_region) for call in calls]
    existing = await _existing(session, {item.key for item in prepared})
    fresh = _first_of_each(item for item in prepared if item.key not in existing)
    # Rows are added step by step and written in one flush at the end; an
    # autoflush between steps would write them one statement at a time.
    with session.no_autoflush:
        customers = await _customers(session, fresh, now)
        writer = BatchWriter(session, config, now, customers)
        await writer.load_open_tickets()
        await writer.load_latest_tickets()
        await writer.load_open_callbacks()
        await writer.load_ring_tickets({item.key for item in fresh})
        tickets = writer.assign_tickets(fresh)
        await writer.number_new_tickets()
        created = writer.store(fresh, tickets)
        if session.get_bind().dialect.name == "sqlite":
            await assign_ids(session, list(session.new))
    await sync_touched(session, sla, now)
    await session.flush()
    return [_result(item, existing, created) for item in prepared]


def _prepare(call: FinishedCall, region: str) -> Prepared:
    # Every number stored is E.164, the external one too (the trunk dials '48225550000').
    external = normalise(call.external_number, region)
    return Prepared(replace(call, external_number=external),
                    normalise(call.caller_number, region), normalise(call.did, region))


def _first_of_each(items: Iterable[Prepared]) -> list[Prepared]:
    unique: dict[Key, Prepared] = {}
    for item in items:
        unique.setdefault(item.key, item)
    return list(unique.values())


async def _existing(session: AsyncSession, keys: set[Key]) -> dict[Key, RecordedCall]:
    """Calls of this batch stored earlier, with their tickets."""
    found: dict[Key, RecordedCall] = {}
    linkedids = sorted({linkedid for _, linkedid in keys})
    for chunk in chunks(linkedids):
        query = (
            select(Call, Ticket)
            .join(Ticket, Call.ticket_id == Ticket.id)
            .where(Call.linkedid.in_(chunk))
        )
        for call, ticket in await session.execute(query):
            if (call.pbx, call.linkedid) in keys:
                found[(call.pbx, call.linkedid)] = _stored(call, ticket)
    return found


def _stored(call: Call, ticket: Ticket) -> RecordedCall:
    return RecordedCall(
        pbx=call.pbx,
        linkedid=call.linkedid,
        caller=call.caller_number,
        did=call.did,
        ticket_number=ticket.number,
        ticket_priority=Priority(ticket.priority),
        ticket_status=TicketStatus(ticket.status),
        created=False,
    )


async def _customers(
    session: AsyncSession, fresh: Sequence[Prepared], now: datetime
) -> dict[str, Customer]:
    """The customer of every E.164 caller in the batch, created when new."""
    names: dict[str, str | None] = {}
    for item in fresh:
        if is_e164(item.caller) and item.caller is not None:
            name = learned_name(item.call.caller_name, item.caller)
            names[item.caller] = name or names.get(item.caller)
    phones = sorted(names)  # a fixed order of inserts keeps concurrent writers deadlock-free
    known = await customers_by_phone(session, phones)
    for phone in phones:
        found = known.get(phone)
        if found is None:
            known[phone] = new_customer(session, phone, names[phone], False, now)
        elif names[phone] and found.name != names[phone]:
            found.name, found.updated_at = names[phone], now
    return known


def _result(
    item: Prepared, existing: dict[Key, RecordedCall], created: dict[Key, RecordedCall]
) -> RecordedCall:
    """The stored outcome for a call; later duplicates within the batch are not new."""
    if item.key in existing:
        return existing[item.key]
    first = created[item.key]
    existing[item.key] = replace(first, created=False)
    return first

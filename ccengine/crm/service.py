"""A ticket's CRM look-up: the ticket as its viewer may see it, its customer's
phones and e-mails, asked one by one until the CRM knows one of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import select

from ccengine.crm.client import CrmClient
from ccengine.crm.model import DISABLED, NO_CONTACT, NOT_FOUND, LookupResult, Outcome, Query
from ccengine.customers.storage_models import CustomerEmail, CustomerPhone
from ccengine.db import Database
from ccengine.tickets.errors import TicketNotFound
from ccengine.tickets.filters import Viewer, can_see
from ccengine.tickets.models import Customer, Ticket

MAX_QUERIES = 3  # per ticket: the main phone first (what the ring asked), then others


class Lookups(Protocol):
    """What ``look_up`` needs of the client (a test's fake has the same)."""

    @property
    def enabled(self) -> bool: ...

    async def lookup(self, query: Query) -> LookupResult: ...


async def contacts_of(database: Database, number: str,
                      viewer: Viewer) -> tuple[list[str], list[str]]:
    """The phones (the main one first) and e-mails of the ticket's customer; a ticket
    ``viewer`` may not see is not found."""
    async with database.sessions() as session:
        row = (await session.execute(
            select(Ticket.assignee, Ticket.status, Ticket.customer_id, Customer.phone_e164)
            .outerjoin(Customer, Ticket.customer_id == Customer.id)
            .where(Ticket.number == number))).one_or_none()
        if row is None or not can_see(viewer, row.assignee, row.status):
            raise TicketNotFound(number)
        if row.customer_id is None:
            return [], []
        phones = (await session.scalars(select(CustomerPhone.e164).where(
            CustomerPhone.customer_id == row.customer_id).order_by(CustomerPhone.id))).all()
        emails = (await session.scalars(select(CustomerEmail.address).where(
            CustomerEmail.customer_id == row.customer_id).order_by(CustomerEmail.id))).all()
    return _main_first(row.phone_e164, phones), list(emails)


def _main_first(main: str | None, phones: Sequence[str]) -> list[str]:
    return ([main] if main else []) + [phone for phone in phones if phone != main]


def queries_for(phones: Sequence[str], emails: Sequence[str]) -> list[Query]:
    """Each phone alone, then each e-mail alone (a ring asks by phone alone, so the
    ticket of that call finds its answer in the cache), at most ``MAX_QUERIES``."""
    asked = [Query(phone=phone) for phone in phones] + [Query(email=email) for email in emails]
    return asked[:MAX_QUERIES]


async def look_up(client: Lookups, queries: Sequence[Query]) -> LookupResult:
    """The first answer that is not "not found" (a failure ends it: the CRM is not
    asked again and again while it struggles)."""
    if not client.enabled:
        return DISABLED
    if not queries:
        return NO_CONTACT
    for query in queries:
        result = await client.lookup(query)
        if result.outcome is not Outcome.NOT_FOUND:
            return result
    return NOT_FOUND


async def ticket_lookup(database: Database, client: CrmClient, number: str,
                        viewer: Viewer) -> LookupResult:
    phones, emails = await contacts_of(database, number, viewer)
    return await look_up(client, queries_for(phones, emails))

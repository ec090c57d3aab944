"""Customers by phone, for every writer and reader that meets a caller by number.

Every number of a customer is a ``customer_phones`` row, the first one too (it is
also the customer's ``phone_e164``, the number shown and called back), so a call
from any of them finds the one customer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.customers.storage_models import CustomerPhone
from ccengine.tickets.assigning import chunks
from ccengine.tickets.models import Customer


async def customers_by_phone(session: AsyncSession,
                             phones: Sequence[str]) -> dict[str, Customer]:
    """The customer of each known E.164 number, in chunked queries."""
    found: dict[str, Customer] = {}
    for chunk in chunks(phones):
        query = (select(CustomerPhone.e164, Customer)
                 .join(Customer, CustomerPhone.customer_id == Customer.id)
                 .where(CustomerPhone.e164.in_(chunk)))
        found.update({e164: customer for e164, customer in await session.execute(query)})
    return found


async def customer_by_phone(session: AsyncSession, phone: str | None) -> Customer | None:
    return (await customers_by_phone(session, [phone])).get(phone or "") if phone else None


def with_phone(phone: str) -> Select[int]:
    """The ids of the customers having ``phone`` (one at most), as a subquery."""
    return select(CustomerPhone.customer_id).where(CustomerPhone.e164 == phone)


def new_customer(session: AsyncSession, phone: str, name: str | None, vip: bool,
                 at: datetime) -> Customer:
    """A customer first met at ``phone``, added to ``session`` with that number's row."""
    customer = Customer(phone_e164=phone, name=name, vip=vip, created_at=at, updated_at=at)
    session.add(customer)
    session.add(CustomerPhone(customer=customer, e164=phone))
    return customer

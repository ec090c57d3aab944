"""Revision 0014 on a database that already holds customers: each stays findable by
the number it had, by its folded name, and as of when it was created."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from ccengine.customers.lookup import customers_by_phone
from ccengine.customers.model import CustomerSearch
from ccengine.customers.service import CustomerService
from tests.migrating import down_and_up, tables, upgraded_from

BEFORE = "0011"
CREATED = datetime(2026, 3, 2, 9, tzinfo=UTC)
CUSTOMERS = [
    {"id": 1, "phone_e164": "+48602333444", "name": "Łucja Wójcik", "vip": True},
    {"id": 2, "phone_e164": "+48601111222", "name": None, "vip": False},
]


def _fill(connection: sa.Connection) -> None:
    table = sa.table("customers", sa.column("id"), sa.column("phone_e164"), sa.column("name"),
                     sa.column("vip"), sa.column("created_at", sa.DateTime(timezone=True)))
    connection.execute(sa.insert(table), [{**row, "created_at": CREATED} for row in CUSTOMERS])


async def test_existing_customers_stay_findable_by_phone_and_name(database_url: str) -> None:
    async with upgraded_from(database_url, BEFORE, _fill) as database:
        async with database.sessions() as session:
            found = await customers_by_phone(session, ["+48602333444", "+48601111222"])
        service = CustomerService(database, "PL")
        by_name, _ = await service.search(CustomerSearch("wojcik"))
    assert {phone: c.id for phone, c in found.items()} == {"+48602333444": 1,
                                                          "+48601111222": 2}
    assert found["+48602333444"].updated_at == CREATED
    assert [(card.customer.id, card.phones) for card in by_name] == [(1, ("+48602333444",))]


def _gone(connection: sa.Connection) -> None:
    assert "customer_phones" not in tables(connection)


async def test_downgrade_and_upgrade_again(database_url: str) -> None:
    assert "customer_phones" in await down_and_up(database_url, BEFORE, _gone)

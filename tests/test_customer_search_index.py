"""The customer directory's indexed name search on both databases: substrings of the
folded name or company (trigram MATCH on SQLite, pg_trgm LIKE on PostgreSQL), short
words too, kept current when a name changes, and the question's text never syntax."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from ccengine.customers.model import CustomerChanges, CustomerSearch
from ccengine.customers.service import CustomerService
from ccengine.db import Database


async def _names(service: CustomerService, question: str) -> list[str | None]:
    cards, total = await service.search(CustomerSearch(question))
    assert total == len(cards)
    return sorted(card.customer.name for card in cards)


def _named(name: str, company: str | None = None) -> CustomerChanges:
    return CustomerChanges(given=frozenset({"name", "company"}),
                           texts={"name": name, "company": company})


@pytest.fixture
async def service(database: Database) -> CustomerService:
    service = CustomerService(database, "PL")
    await service.create(_named("Łucja Wójcik", "Żółta Łódka sp. z o.o."))
    await service.create(_named("Jan Wojciechowski"))
    await service.create(_named("Ewa Nowak", 'Firma "Cudzysłów" 50%'))
    return service


@pytest.mark.parametrize(("question", "expected"), [
    ("wojc", ["Jan Wojciechowski", "Łucja Wójcik"]),  # a substring, folded
    ("WÓJCIK", ["Łucja Wójcik"]),
    ("zolta lodka", ["Łucja Wójcik"]),  # the company, every word
    ("jc", ["Jan Wojciechowski", "Łucja Wójcik"]),  # shorter than a trigram
    ("ciechow", ["Jan Wojciechowski"]),
    ('"cudzyslow"', ["Ewa Nowak"]),  # quotes are text, not the MATCH syntax
    ('"nowak"', []),
    ("cudzyslow", ["Ewa Nowak"]),
    ("50%", ["Ewa Nowak"]),  # LIKE's own characters are literal
    ("5%", []),
])
async def test_names_are_found_by_folded_substrings(
        service: CustomerService, question: str, expected: list[str]) -> None:
    assert await _names(service, question) == expected


async def test_a_renamed_customer_is_found_by_the_new_name_only(
        service: CustomerService, database: Database) -> None:
    [card], _ = await service.search(CustomerSearch("wojcik"))
    await service.update(card.customer.id, _named("Łucja Kamińska"))
    assert await _names(service, "wojcik") == []
    assert await _names(service, "kaminsk") == ["Łucja Kamińska"]
    if database.engine.dialect.name == "sqlite":  # the copy follows the row exactly
        async with database.engine.connect() as connection:
            copies = (await connection.execute(text(
                "SELECT count(*) FROM customer_search"))).scalar_one()
        assert copies == 3

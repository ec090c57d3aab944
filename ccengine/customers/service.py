"""Customer transactions: search, read with history, create, update, merge.

Each write checks first ("may I?": a number, e-mail or external id of another
customer is a 409 naming them) and then changes the rows in the same transaction.
Two writers racing for one number meet the unique constraint: the loser retries
once and then sees the taken number like anyone else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.customers import search
from ccengine.customers.errors import (
    EmailTaken,
    ExternalIdTaken,
    MergeIntoItself,
    NoSuchCustomer,
    NoSuchOrganisation,
    PhoneTaken,
    VipNotYours,
)
from ccengine.customers.history import customer_history
from ccengine.customers.model import (
    CustomerCard,
    CustomerChanges,
    CustomerHistory,
    CustomerSearch,
)
from ccengine.customers.rules import merged_notes
from ccengine.customers.storage_models import CustomerEmail, CustomerPhone, Organisation
from ccengine.db import Database
from ccengine.tickets.filters import EVERYONE, Viewer, visible
from ccengine.tickets.models import Call, Customer, Ticket

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


class CustomerService:
    def __init__(self, database: Database, region: str,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self._database = database
        self._region = region
        self._clock = clock

    async def search(self, question: CustomerSearch) -> tuple[list[CustomerCard], int]:
        async with self._database.sessions() as session:
            found = list(await session.scalars(search.page_query(question, self._region)))
            total = await session.scalar(search.count_query(question, self._region))
            return await _cards(session, found), total or 0

    async def read(self, customer_id: int, viewer: Viewer) -> tuple[CustomerCard,
                                                                     CustomerHistory]:
        async with self._database.sessions() as session:
            customer = await _customer(session, customer_id)
            [card] = await _cards(session, [customer])
            return card, await customer_history(session, customer_id, viewer)

    async def create(self, changes: CustomerChanges) -> CustomerCard:
        async def create(session: AsyncSession) -> Customer:
            now = self._clock()
            customer = Customer(vip=False, created_at=now, updated_at=now)
            session.add(customer)
            await _apply(session, customer, changes)
            return customer
        return await self._retried(create)

    async def update(self, customer_id: int, changes: CustomerChanges,
                     viewer: Viewer = EVERYONE) -> CustomerCard:
        """Change the given fields; ``vip`` only where ``viewer`` sees one of the
        customer's tickets (the rule of the older flag-by-number form)."""
        async def update(session: AsyncSession) -> Customer:
            customer = await _customer(session, customer_id)
            if "vip" in changes.given and not await _sees_a_ticket(session, customer_id,
                                                                   viewer):
                raise VipNotYours(customer_id)
            await _apply(session, customer, changes)
            customer.updated_at = self._clock()
            return customer
        return await self._retried(update)

    async def merge(self, source_id: int, into_id: int) -> CustomerCard:
        """``source`` becomes part of ``into``: its numbers, e-mails, calls and tickets
        move over, VIP if either was, notes joined, empty fields filled; it is gone."""
        if source_id == into_id:
            raise MergeIntoItself(source_id)

        async def merge(session: AsyncSession) -> Customer:
            source = await _customer(session, source_id)
            into = await _customer(session, into_id)
            now = self._clock()
            freed = source.phone_e164, source.external_id
            source.phone_e164 = source.external_id = None
            await session.flush()  # frees the unique values before they move
            _absorb(into, source, *freed)
            await _move_rows(session, source_id, into_id, now)
            await session.delete(source)
            into.updated_at = now
            return into
        return await self._retried(merge)

    async def _retried(self, work: Callable[[AsyncSession], Awaitable[Customer]]
                       ) -> CustomerCard:
        for attempt in (1, 2):
            try:
                async with self._database.writer() as session:
                    customer = await work(session)
                    await session.commit()
                    [card] = await _cards(session, [customer])
                    return card
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


async def _customer(session: AsyncSession, customer_id: int) -> Customer:
    customer = await session.get(Customer, customer_id)
    if customer is None:
        raise NoSuchCustomer(str(customer_id))
    return customer


async def _sees_a_ticket(session: AsyncSession, customer_id: int, viewer: Viewer) -> bool:
    if viewer.sees_all:
        return True
    found = await session.scalar(select(Ticket.id).where(
        Ticket.customer_id == customer_id, visible(viewer)).limit(1))
    return found is not None


async def _cards(session: AsyncSession, customers: list[Customer]) -> list[CustomerCard]:
    ids = [c.id for c in customers]
    phones = await session.execute(select(CustomerPhone.customer_id, CustomerPhone.e164)
                                   .where(CustomerPhone.customer_id.in_(ids))
                                   .order_by(CustomerPhone.id))
    emails = await session.execute(select(CustomerEmail.customer_id, CustomerEmail.address)
                                   .where(CustomerEmail.customer_id.in_(ids))
                                   .order_by(CustomerEmail.id))
    by_id: dict[int, tuple[list[str], list[str]]] = {i: ([], []) for i in ids}
    for owner, e164 in phones:
        by_id[owner][0].append(e164)
    for owner, address in emails:
        by_id[owner][1].append(address)
    return [CustomerCard(c, _primary_first(c.phone_e164, by_id[c.id][0]),
                         tuple(by_id[c.id][1])) for c in customers]


def _primary_first(primary: str | None, phones: list[str]) -> tuple[str, ...]:
    return tuple(sorted(phones, key=lambda phone: phone != primary))


async def _apply(session: AsyncSession, customer: Customer, changes: CustomerChanges) -> None:
    await session.flush()  # a new customer gets its id
    for name, value in changes.texts.items():
        if name == "external_id" and value is not None:
            await _check_external_id(session, customer.id, value)
        setattr(customer, name, value)
    if "vip" in changes.given:
        customer.vip = changes.vip
    if "organisation_id" in changes.given:
        await _check_organisation(session, changes.organisation_id)
        customer.organisation_id = changes.organisation_id
    if "phones" in changes.given:
        await _replace_phones(session, customer, changes.phones)
    if "emails" in changes.given:
        await _replace_emails(session, customer.id, changes.emails)


async def _check_organisation(session: AsyncSession, organisation_id: int | None) -> None:
    if organisation_id is not None and await session.get(Organisation,
                                                         organisation_id) is None:
        raise NoSuchOrganisation(str(organisation_id))


async def _check_external_id(session: AsyncSession, customer_id: int, value: str) -> None:
    other = await session.scalar(select(Customer.id).where(Customer.external_id == value,
                                                           Customer.id != customer_id))
    if other is not None:
        raise ExternalIdTaken(value, other)


async def _replace_phones(session: AsyncSession, customer: Customer,
                          phones: tuple[str, ...]) -> None:
    owners = dict((await session.execute(select(CustomerPhone.e164, CustomerPhone.customer_id)
                                         .where(CustomerPhone.e164.in_(phones)))).all())
    for phone in phones:
        if owners.get(phone, customer.id) != customer.id:
            raise PhoneTaken(phone, owners[phone])
    customer.phone_e164 = None
    await session.execute(delete(CustomerPhone).where(CustomerPhone.customer_id == customer.id,
                                                      CustomerPhone.e164.not_in(phones)))
    await session.flush()
    session.add_all(CustomerPhone(customer_id=customer.id, e164=phone)
                    for phone in phones if phone not in owners)
    customer.phone_e164 = phones[0] if phones else None


async def _replace_emails(session: AsyncSession, customer_id: int,
                          emails: tuple[str, ...]) -> None:
    owners = dict((await session.execute(
        select(CustomerEmail.address, CustomerEmail.customer_id)
        .where(CustomerEmail.address.in_(emails)))).all())
    for address in emails:
        if owners.get(address, customer_id) != customer_id:
            raise EmailTaken(address, owners[address])
    await session.execute(delete(CustomerEmail).where(CustomerEmail.customer_id == customer_id,
                                                      CustomerEmail.address.not_in(emails)))
    session.add_all(CustomerEmail(customer_id=customer_id, address=address)
                    for address in emails if address not in owners)


def _absorb(into: Customer, source: Customer, phone: str | None,
            external_id: str | None) -> None:
    """The merged card: ``into``'s values win, ``source`` fills the gaps (its number
    and external id are given apart: they were freed on ``source`` first)."""
    for name in ("name", "company", "nip", "address", "organisation_id"):
        if getattr(into, name) is None:
            setattr(into, name, getattr(source, name))
    into.vip = into.vip or source.vip
    into.notes = merged_notes(into.notes, source.notes)
    into.phone_e164 = into.phone_e164 or phone
    into.external_id = into.external_id or external_id


async def _move_rows(session: AsyncSession, source_id: int, into_id: int,
                     now: datetime) -> None:
    for table in (CustomerPhone, CustomerEmail):
        await session.execute(update(table).where(table.customer_id == source_id)
                              .values(customer_id=into_id))
    await session.execute(update(Call).where(Call.customer_id == source_id)
                          .values(customer_id=into_id, updated_at=now))
    # The tickets changed hands: a sync by updated_at must see them again.
    await session.execute(update(Ticket).where(Ticket.customer_id == source_id)
                          .values(customer_id=into_id, updated_at=now))

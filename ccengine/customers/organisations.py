"""Organisations: the companies customers work for (name, NIP, address, notes,
external id), searched by folded name or NIP, each listing its customers and
their open tickets (those the viewer may see: the ticket list's own rule)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.customers.errors import NoSuchOrganisation, OrganisationValueTaken
from ccengine.customers.rules import fold, search_text
from ccengine.customers.storage_models import Organisation
from ccengine.db import Database
from ccengine.tickets.enums import FINISHED
from ccengine.tickets.filters import Viewer, visible
from ccengine.tickets.models import Customer, Ticket

ORGANISATION_FIELDS = ("name", "nip", "address", "notes", "external_id")
UNIQUE_FIELDS = ("nip", "external_id")
OPEN_TICKETS = 20  # per customer, newest first: the organisation's page, not a ticket list


class OrganisationService:
    def __init__(self, database: Database, clock: Callable[[], datetime]) -> None:
        self._database = database
        self._clock = clock

    async def search(self, text: str | None, page: int,
                     per_page: int) -> tuple[list[Organisation], int]:
        condition = _matching(text)
        async with self._database.sessions() as session:
            found = await session.scalars(
                select(Organisation).where(condition)
                .order_by(Organisation.search_text, Organisation.id)
                .limit(per_page).offset((page - 1) * per_page))
            total = await session.scalar(select(func.count()).select_from(Organisation)
                                         .where(condition))
            return list(found), total or 0

    async def read(self, organisation_id: int) -> tuple[Organisation, list[Customer]]:
        async with self._database.sessions() as session:
            organisation = await session.get(Organisation, organisation_id)
            if organisation is None:
                raise NoSuchOrganisation(str(organisation_id))
            people = await session.scalars(
                select(Customer).where(Customer.organisation_id == organisation_id)
                .order_by(Customer.search_text, Customer.id))
            return organisation, list(people)

    async def open_tickets(self, customer_ids: list[int],
                           viewer: Viewer) -> dict[int, list[Ticket]]:
        """Each customer's unfinished tickets the viewer may see, newest first; the cut
        to ``OPEN_TICKETS`` each is made in SQL (a window per customer), so a customer
        with thousands of open tickets does not load them all."""
        found: dict[int, list[Ticket]] = {customer_id: [] for customer_id in customer_ids}
        if not customer_ids:
            return found
        rank = func.row_number().over(
            partition_by=Ticket.customer_id,
            order_by=(Ticket.created_at.desc(), Ticket.id.desc())).label("rank")
        ranked = (select(Ticket.id, rank)
                  .where(Ticket.customer_id.in_(customer_ids),
                         Ticket.status.not_in(FINISHED), visible(viewer))
                  .subquery())
        async with self._database.sessions() as session:
            tickets = await session.scalars(
                select(Ticket).join(ranked, ranked.c.id == Ticket.id)
                .where(ranked.c.rank <= OPEN_TICKETS)
                .order_by(Ticket.created_at.desc(), Ticket.id.desc()))
            for ticket in tickets:
                found[ticket.customer_id or 0].append(ticket)
        return found

    async def save(self, organisation_id: int | None,
                   values: dict[str, str | None]) -> Organisation:
        """Create (``organisation_id`` None) or change the given fields of one; a racing
        writer that took the NIP or external id meanwhile is named on the retry."""
        for attempt in (1, 2):
            try:
                return await self._save_once(organisation_id, values)
            except IntegrityError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _save_once(self, organisation_id: int | None,
                         values: dict[str, str | None]) -> Organisation:
        async with self._database.writer() as session:
            organisation = await self._target(session, organisation_id)
            await _check_unique(session, organisation.id, values)
            for name, value in values.items():
                setattr(organisation, name, value)
            organisation.search_text = search_text(organisation.name, None)
            organisation.updated_at = self._clock()
            await session.commit()
            return organisation

    async def _target(self, session: AsyncSession,
                      organisation_id: int | None) -> Organisation:
        if organisation_id is None:
            now = self._clock()
            organisation = Organisation(name="", created_at=now, updated_at=now,
                                        search_text="")
            session.add(organisation)
            await session.flush()
            return organisation
        found = await session.get(Organisation, organisation_id)
        if found is None:
            raise NoSuchOrganisation(str(organisation_id))
        return found


async def _check_unique(session: AsyncSession, own_id: int, values: dict[str, str | None]) -> None:
    for name in UNIQUE_FIELDS:
        value = values.get(name)
        if value is None:
            continue
        column = getattr(Organisation, name)
        other = await session.scalar(select(Organisation.id).where(column == value,
                                                                   Organisation.id != own_id))
        if other is not None:
            raise OrganisationValueTaken(name, value, other)


def _matching(text: str | None) -> ColumnElement[bool]:
    if not text:
        return true()
    digits = re.sub(r"\D", "", text)
    words = fold(text).split()[:10]
    by_name = and_(*(Organisation.search_text.contains(w, autoescape=True) for w in words))
    return or_(by_name, Organisation.nip == digits) if len(digits) == 10 else by_name

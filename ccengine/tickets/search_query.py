"""The advanced search's question as SQL over the index of ``search_index``.

Words, ticket number, customer and creation dates; the list's other filters
(status, queue, assignee, priority, SLA) and the viewer's visibility are the
ticket list's own (``filters.narrowed``), so a search never shows a ticket its
asker could not open.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Integer,
    Select,
    any_,
    bindparam,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.customers.model import CustomerSearch
from ccengine.customers.search import matching
from ccengine.tickets.models import Customer, Ticket
from ccengine.tickets.search_index import TABLE
from ccengine.tickets.search_words import search_stems

if TYPE_CHECKING:
    from ccengine.tickets.filters import TicketFilter

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])
# Words matching fewer tickets than this are looked up first and the list narrowed
# to those ids: a planner that guesses "many" would otherwise walk the whole list in
# date order looking for a page of matches that are not there. Commoner words stay
# a subquery, and that walk finds its page quickly.
FEW = 5000
SIMPLE: ColumnClause[Any] = literal_column("'simple'::regconfig")
_INDEX = table(TABLE, column("ticket_id"), column("words"), column("rowid"))


@dataclass(frozen=True, slots=True)
class TicketSearch:
    """The search's own criteria; None or empty means "any"."""

    words: str | None = None  # every word (or a form of it) in the indexed text
    number: str | None = None  # the ticket's number, as printed (case ignored)
    customer: str | None = None  # the customer's name, company, phone or e-mail
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    region: str = "PL"  # how a customer's phone written without +48 is read
    ids: tuple[int, ...] | None = None  # the tickets the words match, when few (``resolved``)


async def resolved(session: AsyncSession, filters: TicketFilter) -> TicketFilter:
    """``filters`` with the word search's ticket ids looked up when they are ``FEW``."""
    search = filters.search
    stems = search_stems(search.words) if search is not None else ()
    if search is None or not stems or search.ids is not None:
        return filters
    dialect = session.get_bind().dialect.name
    found = list(await session.scalars(ids_with_words(stems, dialect).limit(FEW + 1)))
    if len(found) > FEW:
        return filters
    return replace(filters, search=replace(search, ids=tuple(found)))


def searched(query: Query, search: TicketSearch, dialect: str, walk: bool = False) -> Query:
    """``query`` (over tickets) narrowed to the tickets ``search`` finds. ``walk``: for a
    page in the list's order (common words are then checked ticket by ticket as the
    list's index is walked, rather than all their tickets gathered and sorted)."""
    stems = search_stems(search.words)
    if search.ids is not None:
        query = query.where(_one_of(search.ids, dialect))
    elif stems and walk and dialect == "postgresql":
        query = query.where(_words_of_each(stems))
    elif stems:
        query = query.where(Ticket.id.in_(ids_with_words(stems, dialect)))
    if search.number:
        query = query.where(Ticket.number == search.number.strip().upper())
    if search.customer:
        customers = select(Customer.id).where(
            matching(CustomerSearch(text=search.customer), search.region))
        query = query.where(Ticket.customer_id.in_(customers))
    if search.created_from is not None:
        query = query.where(Ticket.created_at >= search.created_from)
    if search.created_to is not None:
        query = query.where(Ticket.created_at < search.created_to)
    return query


def _one_of(ids: tuple[int, ...], dialect: str) -> ColumnElement[bool]:
    """Ticket.id in ``ids``: one array parameter on PostgreSQL (one plan, however many)."""
    if dialect == "postgresql":
        return Ticket.id == any_(bindparam("word_ids", list(ids), type_=ARRAY(Integer)))
    return Ticket.id.in_(ids)


def _words_of_each(stems: tuple[str, ...]) -> ColumnElement[bool]:
    """Each ticket's own document holds the words: a subquery per ticket that the planner
    cannot turn into a join, so a common word's page walks the list in its order."""
    document = (select(_INDEX.c.words).where(_INDEX.c.ticket_id == Ticket.id)
                .scalar_subquery())
    return document.op("@@")(_tsquery(stems))


def _tsquery(stems: tuple[str, ...]) -> ColumnElement[Any]:
    return func.to_tsquery(SIMPLE, " & ".join(f"{stem}:*" for stem in stems))


def ids_with_words(stems: tuple[str, ...], dialect: str) -> Select[Any]:
    """Ids of the tickets whose text has a word beginning with each of ``stems``
    (folded letters and digits only, so nothing in them is query syntax)."""
    if dialect == "postgresql":
        return select(_INDEX.c.ticket_id).where(_INDEX.c.words.op("@@")(_tsquery(stems)))
    words_sql = " AND ".join(f'"{stem}"*' for stem in stems)
    return select(_INDEX.c.rowid).where(literal_column(TABLE).op("MATCH")(words_sql))

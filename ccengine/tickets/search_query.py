"""The advanced search's question as SQL over the index of ``search_index``.

Words, ticket number, customer and creation dates; the list's other filters
(status, queue, assignee, priority, SLA) and the viewer's visibility are the
ticket list's own (``filters.narrowed``), so a search never shows a ticket its
asker could not open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import ColumnClause, Select, column, func, literal_column, select, table

from ccengine.customers.model import CustomerSearch
from ccengine.customers.search import matching
from ccengine.tickets.models import Customer, Ticket
from ccengine.tickets.search_index import TABLE
from ccengine.tickets.search_words import search_stems

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])
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


def searched(query: Query, search: TicketSearch, dialect: str) -> Query:
    """``query`` (over tickets) narrowed to the tickets ``search`` finds."""
    stems = search_stems(search.words)
    if stems:
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


def ids_with_words(stems: tuple[str, ...], dialect: str) -> Select[Any]:
    """Ids of the tickets whose text has a word beginning with each of ``stems``
    (folded letters and digits only, so nothing in them is query syntax)."""
    if dialect == "postgresql":
        words = func.to_tsquery(SIMPLE, " & ".join(f"{stem}:*" for stem in stems))
        return select(_INDEX.c.ticket_id).where(_INDEX.c.words.op("@@")(words))
    words_sql = " AND ".join(f'"{stem}"*' for stem in stems)
    return select(_INDEX.c.rowid).where(literal_column(TABLE).op("MATCH")(words_sql))

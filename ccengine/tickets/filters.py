"""Who sees which tickets, and the ticket list's filters, as SQL conditions.

The seeds' rule (product documents, "Agent uprzywilejowany"): a privileged
agent sees the tickets assigned to every user; a plain agent sees the tickets
assigned to them and the queue's unassigned work, but not the unassigned
tickets closed before anyone took them ("zamknięte przed przydzieleniem do
pracownika"). Admins, QA leads and integrations see every ticket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select, true
from sqlalchemy.orm import QueryableAttribute

from ccengine.customers.lookup import with_phone
from ccengine.ticket_fields.filtering import FieldFilter, fields_condition
from ccengine.tickets.enums import FINISHED, ActivityKind, is_finished
from ccengine.tickets.models import Call, Customer, Ticket, TicketActivity
from ccengine.tickets.phones import normalise
from ccengine.tickets.search_query import TicketSearch, searched
from ccengine.tickets.sla_filters import SlaFilter, sla_condition
from ccengine.users.models import Role

if TYPE_CHECKING:
    from ccengine.users.service import Principal

Query = TypeVar("Query", bound=Select[*tuple[Any, ...]])  # tickets, with any other columns

MAX_WORDS = 10  # each word is a few LIKE scans; a paragraph pasted in is refused


@dataclass(frozen=True, slots=True)
class Viewer:
    """Whose share of the tickets a query returns: ``name`` is a plain agent's
    display name (the tickets' ``assignee``); None sees every ticket."""

    name: str | None = None

    @property
    def sees_all(self) -> bool:
        return self.name is None


EVERYONE = Viewer()


def viewer_of(who: Principal) -> Viewer:
    """A plain agent sees their share; every other role sees every ticket."""
    return Viewer(who.display_name) if who.role is Role.AGENT else EVERYONE


def can_see(viewer: Viewer, assignee: str | None, status: str) -> bool:
    """The rule ``visible`` puts into SQL, for one ticket already loaded."""
    if viewer.sees_all:
        return True
    if assignee is None:
        return not is_finished(status)
    return assignee == viewer.name


def visible(viewer: Viewer) -> ColumnElement[bool]:
    if viewer.sees_all:
        return true()
    queue_work = and_(Ticket.assignee.is_(None), Ticket.status.not_in(FINISHED))
    return or_(Ticket.assignee == viewer.name, queue_work)


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """The list's filters; None means "any". ``caller`` is already normalised (E.164)."""

    status: str | None = None  # a TicketStatus value
    queue: str | None = None
    priority: str | None = None  # a Priority value
    assignee: str | None = None  # a display name
    unassigned: bool = False  # only tickets nobody took
    caller: str | None = None
    text: str | None = None  # words, each of which must appear
    sla: SlaFilter | None = None  # SLA state, due time, "at risk" (``sla_filters``)
    snoozed: bool | None = False  # False: snoozed tickets hidden; True: only they; None: all
    updated_since: datetime | None = None  # for sync: changed at or after, inclusive
    fields: FieldFilter | None = None  # category, tags, custom values, open, my queues
    search: TicketSearch | None = None  # the advanced search (``search_query``)


def words(text: str | None) -> list[str]:
    return (text or "").split()


def caller_key(caller: str | None, region: str) -> str | None:
    """A caller written in any phone form, as stored (E.164); text that reads as no
    number stays as typed, so it matches nothing rather than every ticket."""
    return (normalise(caller, region) or caller) if caller else None


def narrowed(query: Query, filters: TicketFilter, dialect: str, walk: bool = False) -> Query:
    """``query`` (tickets joined to their customer) narrowed by ``filters``; ``walk``:
    the query is for a page in order (``search_query.searched``)."""
    for column, value in ((Ticket.status, filters.status), (Ticket.queue, filters.queue),
                          (Ticket.priority, filters.priority),
                          (Ticket.assignee, filters.assignee)):
        if value is not None:
            query = query.where(column == value)
    if filters.caller is not None:  # any of the customer's numbers
        query = query.where(Ticket.customer_id.in_(with_phone(filters.caller)))
    if filters.unassigned:
        query = query.where(Ticket.assignee.is_(None))
    if filters.snoozed is not None:
        is_snoozed = Ticket.snoozed_until.is_not(None)
        query = query.where(is_snoozed if filters.snoozed else ~is_snoozed)
    for word in words(filters.text):
        query = query.where(_mentions(word, dialect))
    if filters.sla is not None:
        query = query.where(sla_condition(filters.sla))
    if filters.updated_since is not None:
        query = query.where(Ticket.updated_at >= filters.updated_since)
    if filters.fields is not None:
        query = query.where(fields_condition(filters.fields))
    if filters.search is not None:
        query = searched(query, filters.search, dialect, walk)
    return query


def _mentions(word: str, dialect: str) -> ColumnElement[bool]:
    """The ticket's number, title, caller's name, description or one of its notes holds
    ``word``."""
    note = select(TicketActivity.id).where(
        TicketActivity.ticket_id == Ticket.id, TicketActivity.kind == ActivityKind.NOTE,
        contains(TicketActivity.body, word, dialect))
    named_call = select(Call.id).where(
        Call.ticket_id == Ticket.id, contains(Call.caller_name, word, dialect))
    return or_(contains(Ticket.number, word, dialect), contains(Ticket.title, word, dialect),
               contains(Customer.name, word, dialect), exists(note), exists(named_call),
               contains(Ticket.description, word, dialect))


def contains(column: QueryableAttribute[Any], word: str,
             dialect: str) -> ColumnElement[bool]:
    """``column`` holds ``word``, ignoring case, Polish letters included.

    SQLite's lower() and LIKE fold ASCII only ("Żaneta" would not match
    "żaneta"), so there each letter becomes a GLOB class of both its cases.
    PostgreSQL's lower() follows the database's Unicode character type.
    """
    if dialect == "sqlite":
        return column.op("GLOB")(glob_pattern(word))
    return func.lower(column).contains(word.lower(), autoescape=True)


def glob_pattern(word: str) -> str:
    """'Żó*' → '*[Żż][Óó][*]*': case-blind, with GLOB's own characters literal."""
    return "*" + "".join(_glob_char(char) for char in word) + "*"


def _glob_char(char: str) -> str:
    cases = sorted({case for case in (char, char.lower(), char.upper()) if len(case) == 1})
    if len(cases) == 1 and char not in "*?[":
        return char
    return "[" + "".join(cases) + "]"

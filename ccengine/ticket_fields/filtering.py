"""The ticket list's field filters and extra sort columns, as SQL on both dialects.

A category filter takes its whole subtree (a recursive CTE: the tree lives in the
database, so a move is seen at once); a custom field filter compares canonical
values (``rules.canonical_value``), so "12.50" finds 12.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, func, select, true

from ccengine.ticket_fields.storage_models import TicketCategory, TicketFieldValue, TicketTag
from ccengine.tickets.enums import FINISHED, TicketStatus
from ccengine.tickets.models import Customer, Ticket


@dataclass(frozen=True, slots=True)
class FieldFilter:
    """None means "any". ``custom``: (field id, canonical value) pairs, each must hold;
    ``queues``: only tickets of these queues (an agent's own, for "in my queues")."""

    category_id: int | None = None
    tags: tuple[str, ...] = ()
    custom: tuple[tuple[int, str], ...] = ()
    open_only: bool = False
    queues: frozenset[str] | None = None


def fields_condition(wanted: FieldFilter) -> ColumnElement[bool]:
    conditions = [_has_tag(tag) for tag in wanted.tags]
    conditions += [_has_value(field_id, value) for field_id, value in wanted.custom]
    if wanted.category_id is not None:
        conditions.append(Ticket.category_id.in_(select(_subtree(wanted.category_id).c.id)))
    if wanted.open_only:
        conditions.append(Ticket.status.not_in(FINISHED))
    if wanted.queues is not None:
        conditions.append(Ticket.queue.in_(sorted(wanted.queues)) if wanted.queues
                          else false())
    return and_(true(), *conditions)


def _subtree(root_id: int) -> Any:
    tree = (select(TicketCategory.id).where(TicketCategory.id == root_id)
            .cte("category_subtree", recursive=True))
    below = select(TicketCategory.id).where(TicketCategory.parent_id == tree.c.id)
    return tree.union_all(below)


def _has_tag(tag: str) -> ColumnElement[bool]:
    return exists(select(TicketTag.tag).where(TicketTag.ticket_id == Ticket.id,
                                              TicketTag.tag == tag))


def _has_value(field_id: int, value: str) -> ColumnElement[bool]:
    return exists(select(TicketFieldValue.value).where(
        TicketFieldValue.ticket_id == Ticket.id, TicketFieldValue.field_id == field_id,
        TicketFieldValue.value == value))


# The workflow's order, not the alphabet's: new first, closed last.
_STATUS_ORDER = case({status.value: index for index, status in enumerate(TicketStatus)},
                     value=Ticket.status, else_=len(TicketStatus))
_CATEGORY_NAME = (select(TicketCategory.name)
                  .where(TicketCategory.id == Ticket.category_id)
                  .correlate(Ticket).scalar_subquery())

# Every column of the list, by the name ``sort`` takes (the SLA ones are in sla_filters).
FIELD_SORT_COLUMNS: dict[str, ColumnElement[Any]] = {
    "number": Ticket.number.expression,
    "title": Ticket.title.expression,
    "status": _STATUS_ORDER,
    "priority": Ticket.priority.expression,
    "queue": Ticket.queue.expression,
    "assignee": Ticket.assignee.expression,
    "caller": func.coalesce(Customer.name, Customer.phone_e164),
    "category": _CATEGORY_NAME,
    "closed_at": Ticket.closed_at.expression,
    "snoozed_until": Ticket.snoozed_until.expression,
}

"""Events and status intervals, written by the change itself in its own transaction.

A session's ``before_flush`` looks at the tickets it is about to write: a new ticket
is a ``created`` event and its first status interval; a change of a watched field
is an ``updated`` event (a status change also starts an interval); a new call on a
ticket that existed before is the customer's contact (``customer_replied``). So
every writer (the API, bulk edits, the call path, SLA escalations, merges) feeds
the rules without knowing them, and an event is lost only with its change.

Writers without an ORM change to show call ``customer_replied``,
``sla_threshold_reached`` or ``field_changed`` (tags in their own table).
``Chain`` in ``session.info`` marks the events a rule's own actions cause.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from ccengine.automation.model import WATCHED_FIELDS, Event
from ccengine.automation.storage_models import AutomationEvent, TicketStatusInterval
from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.models import Ticket, TicketActivity

_COLUMNS = {"category": "category_id"}  # a watched field kept under another name
CHAIN = "ccengine.automation.chain"  # session.info key: the Chain of this unit of work
WRITTEN = "ccengine.automation.written"  # session.info key: this transaction's events


@dataclass(frozen=True, slots=True)
class Chain:
    """The events a rule's actions cause carry the rules that led to them."""

    depth: int = 0
    rules: tuple[int, ...] = ()


ROOT = Chain()


def customer_replied(session: Any, ticket: Ticket, channel: str) -> None:
    """The customer contacted us about ``ticket`` (a message, a call)."""
    _extra(session, ticket, Event.CUSTOMER_REPLIED, {"channel": channel})


def sla_threshold_reached(session: Any, ticket: Ticket, clock: str, threshold: int) -> None:
    _extra(session, ticket, Event.SLA_THRESHOLD, {"clock": clock, "threshold": threshold})


def field_changed(session: Any, ticket: Ticket, field: str) -> None:
    """A ticket field kept outside the ``tickets`` row changed (tags), or one a bulk
    UPDATE changed where the hook cannot see it (a callback claim's assignee)."""
    _extra(session, ticket, Event.UPDATED, {"changed": [field]})


def _extra(session: Any, ticket: Ticket, kind: Event, data: dict[str, Any]) -> None:
    """Added at once: a flush with nothing else to write would not call the hook."""
    sync: Session = getattr(session, "sync_session", session)  # an AsyncSession's own
    earlier = _written(sync, ticket, kind) if kind is Event.UPDATED else None
    if earlier is not None:
        _widen(earlier, data["changed"])
    else:
        sync.add(_event_row(sync, ticket, kind, data))


def _widen(row: AutomationEvent, changed: list[str]) -> None:
    row.data = {"changed": sorted(set(row.data.get("changed", [])) | set(changed))}


def _event_row(session: Session, ticket: Ticket, kind: Event,
               data: dict[str, Any]) -> AutomationEvent:
    chain: Chain = session.info.get(CHAIN, ROOT)
    row = AutomationEvent(ticket=ticket, event=kind, data=data, depth=chain.depth,
                          chain=list(chain.rules), created_at=datetime.now(UTC))
    session.info.setdefault(WRITTEN, {})[(id(ticket), kind)] = row
    return row


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(WRITTEN, None)


def _written(session: Session, ticket: Ticket, kind: Event) -> AutomationEvent | None:
    """This transaction's event of ``kind`` on ``ticket``, already flushed or not: one
    edit whose parts were flushed apart (a query between them) is still one event."""
    row = session.info.get(WRITTEN, {}).get((id(ticket), kind))
    chain: Chain = session.info.get(CHAIN, ROOT)
    same = (isinstance(row, AutomationEvent) and row.__dict__.get("ticket") is ticket
            and list(row.chain or []) == list(chain.rules))  # another rule's: its own event
    return row if same else None


@event.listens_for(Session, "before_flush")
def _record(session: Session, _context: Any, _instances: Any) -> None:
    found: dict[tuple[int, Event], tuple[Ticket, dict[str, Any]]] = {}
    for item in list(session.new):
        if isinstance(item, Ticket):
            session.add(TicketStatusInterval(ticket=item, status=item.status,
                                             started_at=item.created_at))
            found[(id(item), Event.CREATED)] = (item, {})
        elif isinstance(item, TicketActivity) and item.kind == ActivityKind.CALL:
            _call_on(session, item, found)
    for item in list(session.dirty):
        if isinstance(item, Ticket) and (id(item), Event.CREATED) not in found:
            _changes(session, item, found)
    for (_, kind), (ticket, data) in found.items():
        earlier = _written(session, ticket, kind)
        if kind is Event.UPDATED and _written(session, ticket, Event.CREATED) is not None:
            continue  # created in this transaction: the rules see it as it ends
        if earlier is not None and kind is Event.UPDATED:  # one event: both changes
            _widen(earlier, data["changed"])
        elif earlier is None:
            session.add(_event_row(session, ticket, kind, data))


def _merge(found: dict[tuple[int, Event], tuple[Ticket, dict[str, Any]]], ticket: Ticket,
           kind: Event, data: dict[str, Any]) -> None:
    key = (id(ticket), kind)
    if key in found and kind is Event.UPDATED:
        changed = set(found[key][1].get("changed", [])) | set(data.get("changed", []))
        data = {**found[key][1], "changed": sorted(changed)}
    if kind is not Event.UPDATED or (id(ticket), Event.CREATED) not in found:
        found[key] = (ticket, data)


def _call_on(session: Session, activity: TicketActivity,
             found: dict[tuple[int, Event], tuple[Ticket, dict[str, Any]]]) -> None:
    """A call on a ticket that existed before the call began: the customer came back.
    (A call that rings an agent opens its ticket at ring time, and its own record
    arrives later: that is the ticket's first call, not a reply.)"""
    ticket = activity.__dict__.get("ticket")
    if ticket is None and activity.ticket_id is not None:
        with session.no_autoflush:
            ticket = session.get(Ticket, activity.ticket_id)
    if ticket is None or ticket in session.new:
        return
    call = activity.__dict__.get("call")
    started = getattr(call, "started_at", None)
    if started is not None and ticket.created_at is not None and ticket.created_at >= started:
        return
    found[(id(ticket), Event.CUSTOMER_REPLIED)] = (ticket, {"channel": "phone"})


def _changes(session: Session, ticket: Ticket,
             found: dict[tuple[int, Event], tuple[Ticket, dict[str, Any]]]) -> None:
    state = inspect(ticket)
    changed = [name for name in WATCHED_FIELDS
               if _really_changed(state.attrs[_COLUMNS.get(name, name)].history)]
    if not changed:
        return
    if "status" in changed:
        session.add(TicketStatusInterval(ticket=ticket, status=ticket.status,
                                         started_at=ticket.updated_at or datetime.now(UTC)))
    _merge(found, ticket, Event.UPDATED, {"changed": changed})


def _really_changed(history: Any) -> bool:
    """Set to a new value, not set again to the one it had."""
    return bool(history.added) and list(history.added) != list(history.deleted)

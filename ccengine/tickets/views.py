"""Read models shared by the CLI and the API: frozen values, JSON-ready."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from ccengine.tickets.models import Call, Customer, Ticket, TicketActivity

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class CustomerView:
    id: int
    phone: str | None
    name: str | None
    vip: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TicketSummary:
    number: str
    title: str
    status: str
    priority: str
    kind: str
    queue: str | None
    assignee: str | None
    source_channel: str
    caller: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    caller_name: str | None = None  # the customer's, where the list joined it
    vip: bool = False
    sla: dict[str, Any] | None = None  # ``sla_view.ticket_sla``, where the reader asked
    snoozed_until: datetime | None = None  # hidden from the lists until then


@dataclass(frozen=True, slots=True)
class CallView:
    id: int
    pbx: str
    linkedid: str
    caller_number: str | None
    caller_name: str | None
    did: str | None
    outcome: str
    queue: str | None
    queue_priority: int | None
    agent_name: str | None
    agent_interface: str | None
    external_number: str | None
    ivr_digits: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime
    hold_seconds: int | None
    talk_seconds: int | None
    recording_file: str | None
    timeline: list[dict[str, Any]]
    route: dict[str, Any] | None  # graph, version, path and how the route ended


@dataclass(frozen=True, slots=True)
class ActivityView:
    id: int
    kind: str
    body: str
    data: dict[str, Any]
    author: str | None
    created_at: datetime
    call_linkedid: str | None
    call_id: int | None = None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One thing that happened to a ticket, at the time it happened (a call: when
    it started); ``call`` is the call a call or transcript entry is about."""

    at: datetime
    kind: str  # an ActivityKind value
    author: str | None
    body: str
    data: dict[str, Any]
    call: CallView | None


@dataclass(frozen=True, slots=True)
class TicketDetail:
    ticket: TicketSummary
    customer: CustomerView | None
    activities: tuple[ActivityView, ...]
    calls: tuple[CallView, ...]
    timeline: tuple[TimelineEntry, ...] = ()
    follow_up_of: str | None = None  # the finished ticket this one follows up
    follow_ups: tuple[str, ...] = ()  # the tickets that follow this one up, oldest first


@dataclass(frozen=True, slots=True)
class AssigneeView:
    """Someone a ticket can be given to; tickets name them by ``display_name``."""

    display_name: str
    role: str


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: tuple[T, ...]
    page: int
    per_page: int
    total: int
    # False: more than ``total`` items match (a list that caps its count, as the
    # ticket list does at ``queries.COUNT_LIMIT``); a next page exists.
    total_exact: bool = True


def to_json(value: Any) -> Any:
    """Plain JSON types for any view: dicts, lists, strings, ISO 8601 datetimes."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return {field.name: to_json(getattr(value, field.name)) for field in fields}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    return value


# Where files lie on the server: the API serves recordings by URL and never says where.
SERVER_PATH_KEYS = frozenset({"recording_file", "voicemail_file", "file"})


def without_server_paths(value: Any) -> Any:
    """JSON (as ``to_json`` gives it) with every file path on the server left out."""
    if isinstance(value, dict):
        return {key: without_server_paths(item) for key, item in value.items()
                if key not in SERVER_PATH_KEYS}
    if isinstance(value, list):
        return [without_server_paths(item) for item in value]
    return value


def customer_view(customer: Customer) -> CustomerView:
    return CustomerView(
        id=customer.id,
        phone=customer.phone_e164,
        name=customer.name,
        vip=customer.vip,
        created_at=customer.created_at,
    )


def ticket_summary(ticket: Ticket, caller: str | None, caller_name: str | None = None,
                   vip: bool = False, sla: dict[str, Any] | None = None) -> TicketSummary:
    return TicketSummary(
        number=ticket.number,
        title=ticket.title,
        status=ticket.status,
        priority=ticket.priority,
        kind=ticket.kind,
        queue=ticket.queue,
        assignee=ticket.assignee,
        source_channel=ticket.source_channel,
        caller=caller,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        closed_at=ticket.closed_at,
        caller_name=caller_name,
        vip=vip,
        sla=sla,
        snoozed_until=ticket.snoozed_until,
    )


def call_view(call: Call) -> CallView:
    return CallView(
        id=call.id,
        pbx=call.pbx,
        linkedid=call.linkedid,
        caller_number=call.caller_number,
        caller_name=call.caller_name,
        did=call.did,
        outcome=call.outcome,
        queue=call.queue,
        queue_priority=call.queue_priority,
        agent_name=call.agent_name,
        agent_interface=call.agent_interface,
        external_number=call.external_number,
        ivr_digits=call.ivr_digits,
        started_at=call.started_at,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        hold_seconds=call.hold_seconds,
        talk_seconds=call.talk_seconds,
        recording_file=call.recording_file,
        timeline=list(call.timeline),
        route=dict(call.route) if call.route is not None else None,
    )


def activity_view(activity: TicketActivity, call_linkedid: str | None) -> ActivityView:
    return ActivityView(
        id=activity.id,
        kind=activity.kind,
        body=activity.body,
        data=dict(activity.data),
        author=activity.author,
        created_at=activity.created_at,
        call_linkedid=call_linkedid,
        call_id=activity.call_id,
    )

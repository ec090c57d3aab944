"""Rows and results of recording calls: the values the batch steps pass on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ccengine.calls.model import FinishedCall
from ccengine.tickets.enums import ActivityKind, Priority, TicketStatus
from ccengine.tickets.models import Call, Customer, Ticket, TicketActivity

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class RecordedCall:
    """What became of one finished call: its ticket, and whether it was new."""

    pbx: str
    linkedid: str
    caller: str | None
    did: str | None
    ticket_number: str
    ticket_priority: Priority
    ticket_status: TicketStatus
    created: bool


@dataclass(frozen=True, slots=True)
class Prepared:
    call: FinishedCall
    caller: str | None
    did: str | None

    @property
    def key(self) -> Key:
        return (self.call.pbx, self.call.linkedid)


def call_row(item: Prepared, customer: Customer | None, ticket: Ticket) -> Call:
    call = item.call
    return Call(
        pbx=call.pbx,
        linkedid=call.linkedid,
        caller_number=item.caller,
        caller_name=call.caller_name,
        did=item.did,
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
        outcome=call.outcome,
        recording_file=call.recording_file,
        timeline=[entry.as_json() for entry in call.timeline],
        route_graph=call.route.graph if call.route else None,
        route_version=call.route.version if call.route else None,
        route=call.route.as_json() if call.route else None,
        customer=customer,
        ticket=ticket,
    )


def call_activity(call: Call, ticket: Ticket, now: datetime) -> TicketActivity:
    data: dict[str, object] = {"pbx": call.pbx, "linkedid": call.linkedid,
                               "outcome": call.outcome}
    body = f"{call.outcome}: {call.caller_number or '-'} → {call.did or '-'}"
    if call.route:
        data["route"] = call.route  # what the caller went through, shown on the ticket
        body += f" · trasa: {route_summary(call.route)}"
        if call.route.get("voicemail_file"):
            data["voicemail_file"] = call.route["voicemail_file"]
        if call.route.get("callback_number"):
            data["callback_number"] = call.route["callback_number"]
    return TicketActivity(
        ticket=ticket,
        call=call,
        kind=ActivityKind.CALL,
        body=body,
        data=data,
        author=None,
        created_at=now,
    )


def route_summary(route: Mapping[str, Any]) -> str:
    """'godziny:open → menu:option 2 → kolejka:ended' for the ticket's history."""
    steps = route.get("path") or []
    return " → ".join(f"{step['node']}:{step['branch']}" for step in steps) or "-"


def recorded(item: Prepared, ticket: Ticket) -> RecordedCall:
    return RecordedCall(
        pbx=item.call.pbx,
        linkedid=item.call.linkedid,
        caller=item.caller,
        did=item.did,
        ticket_number=ticket.number,
        ticket_priority=Priority(ticket.priority),
        ticket_status=TicketStatus(ticket.status),
        created=True,
    )

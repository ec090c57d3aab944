"""Which ticket a finished call opens, or which open ticket it joins; pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from ccengine.calls.model import FinishedCall, Outcome
from ccengine.tickets.enums import FINISHED, Priority, TicketKind, TicketStatus

HIDDEN_CALLER = "numeru ukrytego"  # "from a hidden number", fits "od {caller}"


@dataclass(frozen=True, slots=True)
class TicketPlan:
    """The ticket a call should open, before it has a number."""

    title: str
    kind: TicketKind
    status: TicketStatus
    priority: Priority
    assignee: str | None
    queue: str | None


@dataclass(frozen=True, slots=True)
class OpenTicket:
    """What the join policy needs to know about one of the caller's tickets."""

    ref: int  # the caller's handle on the ticket (it may have no id yet)
    status: TicketStatus
    created_at: datetime


MISSED_CALL_PRIORITY = Priority.P2  # a callback's, before a VIP raises it


def plan_ticket(call: FinishedCall, caller: str | None, vip: bool) -> TicketPlan:
    """The ticket for ``call``; ``caller`` is its number as we display it (E.164).

    ``vip``: the customer record says so; a caller the route found VIP (the graph's
    list) is a VIP too, with the same priority in every kind of ticket.
    """
    vip = vip or (call.route is not None and call.route.vip)
    if call.outcome.missed:
        plan = _callback(call, caller, vip)
    elif call.outcome is Outcome.ANSWERED:
        plan = _answered(call, caller, vip)
    else:
        plan = _external(call, caller, vip)
    return _route_urgency(plan, call)


def priority(base: Priority, vip: bool) -> Priority:
    return base.raised() if vip else base


def _route_urgency(plan: TicketPlan, call: FinishedCall) -> TicketPlan:
    """A route can make a call more urgent (an outage line's P1), never less."""
    wanted = call.route.ticket_priority if call.route else None
    if wanted is None:
        return plan
    return replace(plan, priority=plan.priority.more_urgent(Priority(wanted)))


# Why a call was missed, in the words of the ticket titles (stored in the contact
# center's language, like the rest of the title).
MISSED_REASONS: dict[Outcome, str] = {
    Outcome.ABANDONED: "rozłączył się w kolejce",
    Outcome.IVR_ABANDONED: "rozłączył się w menu",
    Outcome.TIMEOUT: "czas oczekiwania w kolejce minął",
    Outcome.UNANSWERED: "nikt nie odebrał",
    Outcome.VOICEMAIL: "nagrał wiadomość",
}

# How a route ended, where it says more than the outcome.
ROUTE_REASONS: dict[str, str] = {
    "voicemail_failed": "chciał(a) nagrać wiadomość, nagranie się nie udało",
    "failed": "błąd centrali w trakcie obsługi",
}

# Where in the route a caller hung up before any queue, by the kind of its last node.
HUNG_UP_IN: dict[str, str] = {
    "entry": "na powitaniu",
    "announcement": "podczas komunikatu",
    "menu": "w menu",
    "queue": "przed wejściem do kolejki",
    "transfer": "podczas przekierowania",
    "voicemail": "przed nagraniem wiadomości",
    "callback": "przy propozycji oddzwonienia",
    "hangup": "podczas pożegnania",
}


def _hung_up_at(call: FinishedCall) -> str | None:
    """'rozłączył się podczas komunikatu „powitanie”': the last node the route reached."""
    route = call.route
    if call.outcome is not Outcome.IVR_ABANDONED or route is None or not route.last_node:
        return None
    where = HUNG_UP_IN.get(route.last_kind or "", "na etapie")
    return f"rozłączył się {where} „{route.last_node}”"


def _missed_title(call: FinishedCall, who: str) -> str:
    route = call.route
    if route is not None and route.voicemail_file:
        return f"Oddzwonić: wiadomość głosowa od {who}"
    if route is not None and route.callback_number:
        return f"Oddzwonić: prośba o kontakt od {who}"
    reason = (ROUTE_REASONS.get(route.ended_by if route else "") or _hung_up_at(call)
              or MISSED_REASONS.get(call.outcome, str(call.outcome)))
    return f"Oddzwonić: nieodebrane połączenie od {who} ({reason})"


def _callback(call: FinishedCall, caller: str | None, vip: bool) -> TicketPlan:
    who = caller or HIDDEN_CALLER
    return TicketPlan(
        title=_missed_title(call, who),
        kind=TicketKind.CALLBACK,
        status=TicketStatus.NEW,
        priority=priority(MISSED_CALL_PRIORITY, vip),
        assignee=None,
        queue=call.queue,
    )


def _answered(call: FinishedCall, caller: str | None, vip: bool) -> TicketPlan:
    who = caller or HIDDEN_CALLER
    agent = f", odebrał(a) {call.agent_name}" if call.agent_name else ""
    return TicketPlan(
        title=f"Połączenie od {who}{agent}",
        kind=TicketKind.CALL,
        status=TicketStatus.IN_PROGRESS,
        priority=priority(Priority.P3, vip),
        assignee=call.agent_name,
        queue=call.queue,
    )


def _external(call: FinishedCall, caller: str | None, vip: bool) -> TicketPlan:
    who = caller or HIDDEN_CALLER
    target = f" na numer {call.external_number}" if call.external_number else ""
    return TicketPlan(
        title=f"Połączenie od {who} przekazane{target}",
        kind=TicketKind.CALL,
        status=TicketStatus.NEW,
        priority=priority(Priority.P3, vip),
        assignee=None,
        queue=call.queue,
    )


_NO_NAME = frozenset({"", "<unknown>", "unknown", "anonymous"})


def learned_name(caller_name: str | None, caller_number: str | None) -> str | None:
    """The caller's name, when the caller ID carries one and not just the number."""
    name = (caller_name or "").strip()
    if name.lower() in _NO_NAME:
        return None
    digits = name.lstrip("+")
    if digits.isdigit() and caller_number and caller_number.endswith(digits):
        return None
    return name


def ticket_to_join(
    open_tickets: Sequence[OpenTicket], call_started_at: datetime, within_hours: float
) -> OpenTicket | None:
    """The caller's newest open ticket opened within the window, if joining is on.

    ``within_hours`` of 0 turns joining off: every call opens its own ticket.
    """
    if within_hours <= 0:
        return None
    since = call_started_at - timedelta(hours=within_hours)
    candidates = [
        ticket
        for ticket in open_tickets
        if ticket.status not in FINISHED and ticket.created_at >= since
    ]
    return max(candidates, key=lambda ticket: (ticket.created_at, ticket.ref), default=None)

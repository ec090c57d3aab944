"""Calls an agent places from a ticket, logged on that ticket.

Click-to-call from the ticket page is the callbacks' Originate (the agent's phone
first, then the customer through ``[ccengine-callback]``), recorded as an attempt
on the ticket, so the finished call joins that ticket like a callback's does
(``tickets.assigning``: an engine's own call belongs to its attempt's ticket).
When the call ends, how it went (answered, no answer, busy) and how long the
customer talked is written on the attempt and in the ticket's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ccengine.agents.callbacks import CallbackError, Target
from ccengine.agents.storage_models import CallbackAttempt
from ccengine.calls.model import FinishedCall, Outcome, is_own_call
from ccengine.db import Database
from ccengine.tickets.enums import ActivityKind
from ccengine.tickets.errors import TicketNotFound
from ccengine.tickets.filters import Viewer, can_see
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.tickets.relations_reads import refuse_merged

# Asterisk's DialStatus of the customer's leg, in the words of the ticket.
DIAL_OUTCOMES = {"ANSWER": "answered", "BUSY": "busy", "CONGESTION": "busy",
                 "CHANUNAVAIL": "busy"}
NO_ANSWER = "no_answer"



@dataclass(frozen=True, slots=True)
class Ended:
    """How an outbound call went."""

    outcome: str  # answered, no_answer, busy
    talk_seconds: int | None

    def body(self) -> str:
        talked = f", {self.talk_seconds // 60}:{self.talk_seconds % 60:02d}" \
            if self.talk_seconds else ""
        return f"Połączenie wychodzące: {self.outcome}{talked}"


def ended(call: FinishedCall) -> Ended:
    """From the customer leg's last DialEnd; without one, the call's outcome says it."""
    statuses = [entry.detail.get("status", "") for entry in call.timeline
                if entry.kind == "dial_end"]
    if statuses:
        outcome = DIAL_OUTCOMES.get(statuses[-1], NO_ANSWER)
    else:
        outcome = "answered" if call.outcome is Outcome.EXTERNAL else NO_ANSWER
    return Ended(outcome, call.talk_seconds if outcome == "answered" else None)


async def target_of(database: Database, number: str, viewer: Viewer) -> Target:
    """The customer of a ticket the agent may see (not one merged away), by phone."""
    async with database.sessions() as session:
        row = (await session.execute(
            select(Ticket, Customer).outerjoin(Customer, Ticket.customer_id == Customer.id)
            .where(Ticket.number == number))).first()
        ticket, customer = row if row is not None else (None, None)
        if ticket is None or not can_see(viewer, ticket.assignee, ticket.status):
            raise TicketNotFound(number)
        await refuse_merged(session, ticket)
    if customer is None or not customer.phone_e164:
        raise CallbackError("no-number", f"ticket {number} has no customer phone to call")
    return Target(ticket.id, customer.phone_e164, customer.name)


async def log_end(database: Database, call: FinishedCall, at: datetime) -> Ended | None:
    """The engine recorded one of its own calls: its attempt and ticket learn how it
    went. An attempt whose outcome an agent already reported keeps her word."""
    if not is_own_call(call.linkedid):
        return None
    async with database.writer() as session:
        row = (await session.execute(
            select(CallbackAttempt, Ticket).join(Ticket, CallbackAttempt.ticket_id == Ticket.id)
            .where(CallbackAttempt.action_id == call.linkedid))).first()
        if row is None:
            return None
        attempt, ticket = row
        result = ended(call)
        if attempt.outcome is None:
            attempt.outcome = result.outcome
        attempt.finished_at = attempt.finished_at or call.ended_at or at
        session.add(TicketActivity(ticket=ticket, kind=ActivityKind.NOTE, body=result.body(),
                                   data={"outbound": result.outcome, "attempt": attempt.id,
                                         "talk_seconds": result.talk_seconds},
                                   author=attempt.agent, created_at=at))
        ticket.updated_at = at
        await session.commit()
    return result

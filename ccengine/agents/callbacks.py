"""Callback tickets: the missed calls to ring back, and each attempt an agent makes.

Click-to-call is an AMI ``Originate``: the agent's phone rings first (the
Channel), and once it answers Asterisk dials the customer through the
``[ccengine-callback]`` context; the agent's phone shows the customer as the
caller. Every attempt is a row (who, when, whether the agent's phone
answered, the outcome the agent reports, a note) and a note on the ticket.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.agents.storage_models import CallbackAttempt
from ccengine.calls.model import OWN_CALL_PREFIX
from ccengine.config import AgentsConfig
from ccengine.db import Database
from ccengine.tickets.assigning import status_change
from ccengine.tickets.enums import (
    FINISHED,
    ActivityKind,
    ResponseKind,
    TicketKind,
    TicketStatus,
    is_finished,
)
from ccengine.tickets.errors import TicketNotFound
from ccengine.tickets.filters import Viewer, can_see
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.tickets.sla_marks import mark_response, move_status
from ccengine.tickets.sla_sync import DEFAULT_SLA, SlaProvider, sync_touched

ACTION_PREFIX = OWN_CALL_PREFIX
SCHEDULE_KEY = "callback_at"  # in a note's data: when to call back (ISO 8601, aware)


class Outcome(StrEnum):
    REACHED = "reached"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    WRONG_NUMBER = "wrong_number"


class CallbackError(Exception):
    """A callback cannot be made as asked (no number, an unknown attempt, ...)."""

    def __init__(self, error: str, message: str) -> None:
        super().__init__(message)
        self.error = error


@dataclass(frozen=True, slots=True)
class Target:
    ticket_id: int
    number: str  # E.164
    name: str | None


def attempt_json(attempt: CallbackAttempt) -> dict[str, Any]:
    return {"id": attempt.id, "at": attempt.started_at.isoformat(), "agent": attempt.agent,
            "outcome": attempt.outcome, "agent_answered": attempt.agent_answered,
            "note": attempt.note}


def same_caller_open(ticket: Ticket, holder: str) -> ColumnElement[bool]:
    """The caller's other open callbacks that nobody or ``holder`` holds: data made
    before missed calls joined one open callback may hold several, and they are one
    person to call back (a claim holds them all, "reached" closes them all)."""
    if ticket.customer_id is None:
        return false()
    return and_(Ticket.customer_id == ticket.customer_id, Ticket.id != ticket.id,
                Ticket.kind == TicketKind.CALLBACK, Ticket.status.not_in(FINISHED),
                or_(Ticket.assignee.is_(None), Ticket.assignee == holder))


def check_callback(ticket: Ticket | None, number: str, viewer: Viewer) -> Ticket:
    """An agent calls back (and reports on) only open callback tickets she may see;
    one she may not see is as good as missing."""
    if ticket is None or not can_see(viewer, ticket.assignee, ticket.status):
        raise TicketNotFound(number)
    if ticket.kind != TicketKind.CALLBACK or is_finished(ticket.status):
        raise CallbackError("not-a-callback", f"ticket {number} is not an open callback")
    return ticket


async def target_of(database: Database, number: str, viewer: Viewer) -> Target:
    async with database.sessions() as session:
        row = (await session.execute(
            select(Ticket, Customer).outerjoin(Customer, Ticket.customer_id == Customer.id)
            .where(Ticket.number == number))).first()
    ticket, customer = row if row is not None else (None, None)
    ticket = check_callback(ticket, number, viewer)
    if customer is None or not customer.phone_e164:
        raise CallbackError("no-number", f"ticket {number} has no number to call back")
    return Target(ticket.id, customer.phone_e164, customer.name)


def originate_action(target: Target, interface: str, ticket_number: str,
                     config: AgentsConfig) -> dict[str, str]:
    """The agent's phone first, then the customer; the phone shows who it will call."""
    digits = target.number.lstrip("+")
    shown = (target.name or target.number).replace('"', "'")
    action_id = f"{ACTION_PREFIX}{uuid.uuid4().hex}"
    return {
        # ChannelId: the call's Linkedid is the ActionID, so the tracker knows it for ours.
        "Action": "Originate", "Async": "true", "ActionID": action_id, "ChannelId": action_id,
        "Channel": interface, "Context": config.callback_context, "Exten": digits,
        "Priority": "1", "CallerID": f'"{shown}" <{target.number}>',
        "Timeout": str(int(config.callback_timeout_seconds * 1000)),
        "Variable": f"CCENGINE_TICKET={ticket_number}",
    }


async def start_attempt(database: Database, target: Target, action: dict[str, str],
                        user_id: int | None, agent: str, at: datetime,
                        outbound: bool = False) -> int:
    """The attempt, recorded before the Originate goes out (its answer may come first);
    ``outbound``: a call placed from a ticket's page, not a callback."""
    async with database.writer() as session:
        attempt = CallbackAttempt(ticket_id=target.ticket_id, user_id=user_id, agent=agent,
                                  interface=action["Channel"], number=target.number,
                                  action_id=action["ActionID"], started_at=at)
        session.add(attempt)
        ticket = await session.get(Ticket, target.ticket_id)
        assert ticket is not None
        ticket.updated_at = at
        kind = "outbound" if outbound else "callback"
        body = (f"Połączenie wychodzące do {target.number}" if outbound
                else f"Oddzwanianie na {target.number}")
        session.add(TicketActivity(ticket=ticket, kind=ActivityKind.NOTE, body=body,
                                   author=agent, created_at=at,
                                   data={kind: "started", "number": target.number}))
        await session.flush()
        attempt_id = attempt.id
        await session.commit()
    return attempt_id


async def agent_leg(database: Database, action_id: str, answered: bool,
                    at: datetime) -> CallbackAttempt | None:
    """The OriginateResponse: did the agent's phone answer (so the customer is dialled)?"""
    async with database.writer() as session:
        attempt = await session.scalar(
            select(CallbackAttempt).where(CallbackAttempt.action_id == action_id))
        if attempt is None:
            return None
        attempt.agent_answered = answered
        if not answered and attempt.outcome is None:
            attempt.outcome, attempt.finished_at = "agent_unreachable", at
        await session.commit()
    return attempt


async def fail_attempt(database: Database, attempt_id: int, at: datetime) -> None:
    async with database.writer() as session:
        attempt = await session.get(CallbackAttempt, attempt_id)
        if attempt is not None:
            attempt.outcome, attempt.finished_at = "pbx_failed", at
            await session.commit()


@dataclass(frozen=True, slots=True)
class Reporter:
    """Who reports an attempt's outcome: an agent (her user id and name), or an admin."""

    user_id: int | None
    name: str
    viewer: Viewer
    admin: bool = False


def _close_reached(session: AsyncSession, ticket: Ticket, agent: str, at: datetime,
                   counted: Collection[ResponseKind]) -> None:
    """The customer was reached: nothing is left to call, and they heard from us (a
    first response, when reached callbacks count). The ticket closes as the work of
    who reached them (a closed ticket nobody took is hidden from agents)."""
    if ticket.assignee is None:
        session.add(TicketActivity(ticket=ticket, kind=ActivityKind.ASSIGNMENT,
                                   body=f"- → {agent}", data={"from": None, "to": agent},
                                   author=agent, created_at=at))
        ticket.assignee = agent
    session.add(status_change(ticket, TicketStatus.CLOSED, agent, at))
    move_status(ticket, TicketStatus.CLOSED, at)
    mark_response(ticket, ResponseKind.REACHED_CALLBACK, at, counted)


def check_attempt_owner(attempt: CallbackAttempt, reporter: Reporter) -> None:
    """Only who made the attempt (or an admin) reports how it went: another agent's
    word would overwrite what happened on someone else's call."""
    if not reporter.admin and attempt.user_id != reporter.user_id:
        raise CallbackError("not-your-attempt",
                            f"callback attempt {attempt.id} was made by another agent")


async def record_outcome(database: Database, number: str, attempt_id: int, outcome: Outcome,
                         note: str | None, reporter: Reporter, at: datetime,
                         counted: Collection[ResponseKind],
                         sla: SlaProvider = DEFAULT_SLA) -> dict[str, Any]:
    """The outcome of an attempt; "reached" closes the caller's open callbacks.
    ``counted``: the kinds of response that stop the first-response clock."""
    async with database.writer() as session:
        check_callback(await session.scalar(select(Ticket).where(Ticket.number == number)),
                       number, reporter.viewer)
        row = (await session.execute(
            select(CallbackAttempt, Ticket).join(Ticket, CallbackAttempt.ticket_id == Ticket.id)
            .where(CallbackAttempt.id == attempt_id, Ticket.number == number))).first()
        if row is None:
            raise CallbackError("attempt-not-found",
                                f"ticket {number} has no callback attempt {attempt_id}")
        attempt, ticket = row
        check_attempt_owner(attempt, reporter)
        attempt.outcome, attempt.note, attempt.finished_at = outcome.value, note, at
        ticket.updated_at = at
        if outcome is Outcome.REACHED:
            others = await session.scalars(
                select(Ticket).where(same_caller_open(ticket, reporter.name)))
            for reached in [ticket, *others]:
                _close_reached(session, reached, reporter.name, at, counted)
        body = f"Oddzwonienie: {outcome.value}" + (f" — {note}" if note else "")
        session.add(TicketActivity(ticket=ticket, kind=ActivityKind.NOTE, body=body,
                                   author=reporter.name, created_at=at,
                                   data={"callback": outcome.value, "attempt": attempt.id}))
        await sync_touched(session, sla, at)
        await session.commit()
    return attempt_json(attempt)

"""The SLA facts on the ticket row, kept by every path that changes a ticket."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ccengine.agents import callbacks
from ccengine.agents.call_tickets import RingFacts, assign_on_answer, open_for_calls
from ccengine.agents.wrapup import write_wrap_up
from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.filters import EVERYONE
from ccengine.tickets.models import Ticket
from ccengine.tickets.service import TicketChanges, TicketService

MakeCall = Callable[..., FinishedCall]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
COUNTED = TicketsConfig().first_response


class Clock:
    def __init__(self) -> None:
        self.now = T0 + 10 * MINUTE  # after the calls below end

    def __call__(self) -> datetime:
        return self.now

    def advance(self, minutes: int) -> datetime:
        self.now += minutes * MINUTE
        return self.now


def service(database: Database, clock: Clock, **config: object) -> TicketService:
    return TicketService(database, TicketsConfig.model_validate(config), clock=clock)


async def row(database: Database, number: str) -> Ticket:
    async with database.sessions() as session:
        return (await session.scalars(select(Ticket).where(Ticket.number == number))).one()


async def test_an_answered_call_is_the_first_response_of_the_ticket_it_opens(
        database: Database, make_call: MakeCall) -> None:
    call = make_call("1.1", started_at=T0)
    [recorded] = await service(database, Clock()).record_calls([call])
    assert (await row(database, recorded.ticket_number)).first_response_at == call.answered_at


async def test_a_later_answered_call_does_not_move_the_first_response(
        database: Database, make_call: MakeCall) -> None:
    tickets = service(database, Clock(), join_open_within_hours=24)
    [first] = await tickets.record_calls([make_call("1.1", started_at=T0)])
    [second] = await tickets.record_calls([make_call("1.2", started_at=T0 + 60 * MINUTE)])
    assert second.ticket_number == first.ticket_number
    ticket = await row(database, first.ticket_number)
    assert ticket.first_response_at == T0 + timedelta(seconds=20)


async def test_a_missed_call_is_no_response_and_a_public_note_is(
        database: Database, make_call: MakeCall) -> None:
    clock = Clock()
    tickets = service(database, clock)
    [missed] = await tickets.record_calls([make_call("2.1", Outcome.ABANDONED)])
    number = missed.ticket_number
    assert (await row(database, number)).first_response_at is None
    await tickets.add_note(number, "internal: check the order", "Anna")
    assert (await row(database, number)).first_response_at is None
    replied = clock.advance(5)
    await tickets.add_note(number, "Told the customer we ship tomorrow", "Anna", public=True)
    clock.advance(5)
    await tickets.add_note(number, "And again", "Anna", public=True)
    assert (await row(database, number)).first_response_at == replied


async def test_what_counts_is_configured(database: Database, make_call: MakeCall) -> None:
    tickets = service(database, Clock(), first_response=["agent_reply"])
    [answered] = await tickets.record_calls([make_call("3.1")])
    await tickets.add_note(answered.ticket_number, "public", "Anna", public=True)
    assert (await row(database, answered.ticket_number)).first_response_at is None


async def test_a_reached_callback_is_the_first_response(
        database: Database, make_call: MakeCall) -> None:
    [missed] = await service(database, Clock()).record_calls(
        [make_call("4.1", Outcome.ABANDONED)])
    number = missed.ticket_number
    target = await callbacks.target_of(database, number, EVERYONE)
    action = {"ActionID": "ccengine-callback-x", "Channel": "PJSIP/101"}
    reporter = callbacks.Reporter(None, "Anna Nowak", EVERYONE, admin=True)
    tried = await callbacks.start_attempt(database, target, action, None, "Anna Nowak", T0)
    await callbacks.record_outcome(database, number, tried, callbacks.Outcome.NO_ANSWER, None,
                                   reporter, T0 + 20 * MINUTE, COUNTED)
    assert (await row(database, number)).first_response_at is None
    action = {"ActionID": "ccengine-callback-y", "Channel": "PJSIP/101"}
    tried = await callbacks.start_attempt(database, target, action, None, "Anna Nowak", T0)
    await callbacks.record_outcome(database, number, tried, callbacks.Outcome.REACHED, None,
                                   reporter, T0 + 30 * MINUTE, COUNTED)
    ticket = await row(database, number)
    assert ticket.first_response_at == T0 + 30 * MINUTE
    assert (ticket.status, ticket.resolved_at) == (TicketStatus.CLOSED, T0 + 30 * MINUTE)
    assert (ticket.sla_policy, ticket.sla_state) == ("P2", "met")  # its clocks, stopped


async def test_an_agent_answering_the_ringing_call_is_the_first_response(
        database: Database, make_call: MakeCall) -> None:
    ring = RingFacts("pbx1", "5.1", "+48602333444", None, "support", T0)
    [opened] = await open_for_calls(database, TicketsConfig(), [ring])
    await assign_on_answer(database, opened.id, "Anna Nowak", T0 + MINUTE, COUNTED)
    ticket = await row(database, opened.number)
    assert ticket.first_response_at == T0 + MINUTE
    assert ticket.sla_policy == "P3" and ticket.resolution_due_at is not None
    # The call's record, written when it ends, agrees (answered a few seconds later).
    await service(database, Clock()).record_calls([make_call("5.1", started_at=T0 + MINUTE)])
    assert (await row(database, opened.number)).first_response_at == T0 + MINUTE


async def test_waiting_for_the_customer_opens_a_pause_and_leaving_closes_it(
        database: Database, make_call: MakeCall) -> None:
    clock = Clock()
    tickets = service(database, clock)
    [answered] = await tickets.record_calls([make_call("6.1")])
    number = answered.ticket_number
    waiting = clock.advance(1)
    await tickets.update(number, TicketChanges(status=TicketStatus.WAITING_FOR_CUSTOMER), "Anna")
    ticket = await row(database, number)
    assert (ticket.sla_paused_since, ticket.sla_pauses) == (waiting, [])
    back = clock.advance(60)
    await tickets.change_status(number, TicketStatus.IN_PROGRESS, "Anna")
    ticket = await row(database, number)
    assert ticket.sla_paused_since is None
    assert ticket.sla_pauses == [[waiting.isoformat(), back.isoformat()]]
    again = clock.advance(10)
    await write_wrap_up(database, number, TicketStatus.WAITING_FOR_CUSTOMER, None, "Anna",
                        EVERYONE, again)
    assert (await row(database, number)).sla_paused_since == again


async def test_closing_resolves_and_ends_the_pause_reopening_runs_the_clock_on(
        database: Database, make_call: MakeCall) -> None:
    clock = Clock()
    tickets = service(database, clock)
    [answered] = await tickets.record_calls([make_call("7.1")])
    number = answered.ticket_number
    waiting = clock.advance(1)
    await tickets.change_status(number, TicketStatus.WAITING_FOR_CUSTOMER)
    closed = clock.advance(30)
    await tickets.change_status(number, TicketStatus.CLOSED)
    ticket = await row(database, number)
    assert (ticket.resolved_at, ticket.closed_at, ticket.sla_paused_since) == (
        closed, closed, None)
    assert ticket.sla_pauses == [[waiting.isoformat(), closed.isoformat()]]
    clock.advance(60)
    await tickets.update(number, TicketChanges(status=TicketStatus.IN_PROGRESS), "Anna")
    reopened = await row(database, number)
    assert (reopened.resolved_at, reopened.closed_at) == (None, None)
    assert reopened.first_response_at == ticket.first_response_at  # they did hear from us
    assert reopened.sla_pauses == ticket.sla_pauses


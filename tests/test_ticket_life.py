"""A ticket's life after the work, on both databases: resolved, auto-close, snooze and
wake, and a customer's return (reopen within the window, follow-up after it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from ccengine.agents.call_tickets import RingFacts, open_for_calls
from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.tickets import queries
from ccengine.tickets.closing import close_resolved
from ccengine.tickets.enums import ActivityKind, SourceChannel, TicketStatus, can_transition
from ccengine.tickets.errors import SnoozeInThePast, SnoozeTooFar, TicketFinished
from ccengine.tickets.filters import TicketFilter
from ccengine.tickets.life_rules import Latest, Return, on_return, snooze_refusal
from ccengine.tickets.models import Customer, Ticket, TicketActivity
from ccengine.tickets.returning import contact_for_customer
from ccengine.tickets.service import TicketService
from ccengine.tickets.sla_facts import resolved_at
from ccengine.tickets.snoozing import snooze, wake_due, wake_early

MakeCall = Callable[..., FinishedCall]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the conftest calls start then
DAY = timedelta(days=1)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def _service(database: Database, clock: Clock, **config: object) -> TicketService:
    return TicketService(database, TicketsConfig.model_validate(config), clock=clock)


async def _ticket(database: Database, number: str) -> Ticket:
    async with database.sessions() as session:
        found = await session.scalar(select(Ticket).where(Ticket.number == number))
    assert found is not None
    return found


async def _bodies(database: Database, number: str, kind: ActivityKind) -> list[str]:
    async with database.sessions() as session:
        rows = await session.scalars(
            select(TicketActivity.body).join(Ticket).where(Ticket.number == number,
                                                           TicketActivity.kind == kind)
            .order_by(TicketActivity.id))
        return list(rows)


async def _listed(database: Database, snoozed: bool | None = False) -> list[str]:
    async with database.sessions() as session:
        page = await queries.find_tickets(session, TicketFilter(snoozed=snoozed))
    return [item.number for item in page.items]


# -- the rules ---------------------------------------------------------------------------


def test_resolved_sits_between_the_work_and_closed() -> None:
    for open_status in (TicketStatus.NEW, TicketStatus.IN_PROGRESS,
                        TicketStatus.WAITING_FOR_CUSTOMER):
        assert can_transition(open_status, TicketStatus.RESOLVED)
    assert can_transition(TicketStatus.RESOLVED, TicketStatus.CLOSED)
    assert can_transition(TicketStatus.RESOLVED, TicketStatus.IN_PROGRESS)
    assert not can_transition(TicketStatus.CLOSED, TicketStatus.RESOLVED)


def test_closing_a_resolved_ticket_keeps_when_it_was_resolved() -> None:
    resolved = resolved_at(None, TicketStatus.RESOLVED, T0)
    assert resolved == T0
    assert resolved_at(resolved, TicketStatus.CLOSED, T0 + DAY) == T0
    assert resolved_at(resolved, TicketStatus.IN_PROGRESS, T0 + DAY) is None


def test_a_snooze_must_end_in_the_future_within_a_year_on_open_work() -> None:
    assert snooze_refusal("in_progress", T0 + DAY, T0) is None
    assert snooze_refusal("in_progress", T0, T0) == "past"
    assert snooze_refusal("new", T0 + 400 * DAY, T0) == "too_far"
    assert snooze_refusal("resolved", T0 + DAY, T0) == "finished"


@pytest.mark.parametrize(("latest", "expected"), [
    (None, Return.NEW),
    (Latest("in_progress", None, T0), Return.JOIN),
    (Latest("resolved", T0, T0), Return.REOPEN),
    (Latest("closed", T0 - 13 * DAY, T0), Return.REOPEN),
    (Latest("closed", T0 - 15 * DAY, T0), Return.FOLLOW_UP),
    (Latest("closed", None, T0 - 15 * DAY), Return.FOLLOW_UP),  # an old row: updated_at
])
def test_a_returning_customer_reopens_within_the_window(latest: Latest | None,
                                                         expected: Return) -> None:
    assert on_return(latest, T0, within_days=14) == expected


def test_no_reopen_window_means_always_a_follow_up() -> None:
    assert on_return(Latest("resolved", T0, T0), T0, within_days=0) == Return.FOLLOW_UP


# -- resolved and auto-close -------------------------------------------------------------


async def test_resolved_stops_the_resolution_clock_and_closes_after_n_days(
        database: Database, make_call: MakeCall) -> None:
    clock = Clock(T0 + timedelta(hours=1))
    tickets = _service(database, clock)
    [first, second] = await tickets.record_calls(
        [make_call("r.1"), make_call("r.2", caller_number="602999888")])
    await tickets.change_status(first.ticket_number, TicketStatus.RESOLVED, "Anna Nowak")
    clock.at += 3 * DAY
    await tickets.change_status(second.ticket_number, TicketStatus.RESOLVED, "Anna Nowak")
    assert (await _ticket(database, first.ticket_number)).resolved_at == T0 + timedelta(hours=1)

    # Seven days after the first was resolved: only the first closes, keeping resolved_at.
    now = T0 + timedelta(hours=1) + 7 * DAY + timedelta(minutes=1)
    assert await close_resolved(database, now, after_days=7) == [first.ticket_number]
    assert await close_resolved(database, now, after_days=7) == []  # once only
    closed = await _ticket(database, first.ticket_number)
    assert (closed.status, closed.closed_at) == ("closed", now)
    assert closed.resolved_at == T0 + timedelta(hours=1)
    [*_, change] = await _bodies(database, first.ticket_number, ActivityKind.STATUS_CHANGE)
    assert "closed automatically after 7 days resolved" in change
    assert (await _ticket(database, second.ticket_number)).status == "resolved"
    assert await close_resolved(database, now + 30 * DAY, after_days=0) == []  # off


# -- snooze ------------------------------------------------------------------------------


async def test_a_snoozed_ticket_leaves_the_list_pauses_and_wakes_in_progress(
        database: Database, make_call: MakeCall) -> None:
    [recorded] = await _service(database, Clock(T0)).record_calls(
        [make_call("s.1", Outcome.ABANDONED)])
    number = recorded.ticket_number
    now = T0 + timedelta(hours=1)
    await snooze(database, number, now + DAY, "Anna Nowak", now)
    snoozed = await _ticket(database, number)
    assert (snoozed.snoozed_until, snoozed.sla_paused_since) == (now + DAY, now)
    assert await _listed(database) == []
    assert await _listed(database, snoozed=True) == [number]
    assert await _listed(database, snoozed=None) == [number]

    assert await wake_due(database, now + timedelta(hours=23)) == []  # not yet
    [woken] = await wake_due(database, now + DAY)
    assert woken.number == number
    assert await wake_due(database, now + DAY) == []  # claimed once
    awake = await _ticket(database, number)
    assert (awake.status, awake.snoozed_until, awake.sla_paused_since) == (
        "in_progress", None, None)
    assert awake.sla_pauses == [[now.isoformat(), (now + DAY).isoformat()]]
    assert await _listed(database) == [number]
    bodies = await _bodies(database, number, ActivityKind.SNOOZE)
    assert bodies[0].startswith("snoozed until") and bodies[1] == "snooze ended: back to work"


async def test_snoozing_refuses_the_past_far_future_and_finished_work(
        database: Database, make_call: MakeCall) -> None:
    tickets = _service(database, Clock(T0))
    [recorded] = await tickets.record_calls([make_call("s.2")])
    number = recorded.ticket_number
    with pytest.raises(SnoozeInThePast):
        await snooze(database, number, T0 - timedelta(minutes=1), None, T0)
    with pytest.raises(SnoozeTooFar):
        await snooze(database, number, T0 + 400 * DAY, None, T0)
    await tickets.change_status(number, TicketStatus.RESOLVED)
    with pytest.raises(TicketFinished):
        await snooze(database, number, T0 + DAY, None, T0)


async def test_waking_early_and_resolving_end_a_snooze(database: Database,
                                                       make_call: MakeCall) -> None:
    clock = Clock(T0)
    tickets = _service(database, clock)
    [one, two] = await tickets.record_calls(
        [make_call("s.3"), make_call("s.4", caller_number="602999888")])
    for recorded in (one, two):
        await snooze(database, recorded.ticket_number, T0 + DAY, "Anna Nowak", T0)
    await wake_early(database, one.ticket_number, "Anna Nowak", T0 + timedelta(hours=2))
    assert (await _ticket(database, one.ticket_number)).snoozed_until is None
    clock.at = T0 + timedelta(hours=3)
    await tickets.change_status(two.ticket_number, TicketStatus.RESOLVED)
    resolved = await _ticket(database, two.ticket_number)
    assert (resolved.snoozed_until, resolved.sla_paused_since) == (None, None)
    assert await wake_due(database, T0 + 2 * DAY) == []


# -- a customer comes back ---------------------------------------------------------------


async def test_a_call_within_the_window_reopens_the_finished_ticket(
        database: Database, make_call: MakeCall) -> None:
    clock = Clock(T0)
    tickets = _service(database, clock)
    [first] = await tickets.record_calls([make_call("b.1")])
    await tickets.change_status(first.ticket_number, TicketStatus.RESOLVED)
    clock.at = T0 + 5 * DAY
    [again] = await tickets.record_calls([make_call("b.2", started_at=T0 + 5 * DAY)])
    assert again.ticket_number == first.ticket_number
    reopened = await _ticket(database, first.ticket_number)
    assert (reopened.status, reopened.resolved_at) == ("in_progress", None)
    [*_, change] = await _bodies(database, first.ticket_number, ActivityKind.STATUS_CHANGE)
    assert "reopened by the customer's call" in change


async def test_a_call_after_the_window_opens_a_linked_follow_up(
        database: Database, make_call: MakeCall) -> None:
    clock = Clock(T0)
    tickets = _service(database, clock)
    [first] = await tickets.record_calls([make_call("f.1")])
    await tickets.change_status(first.ticket_number, TicketStatus.CLOSED)
    later = T0 + 20 * DAY
    clock.at = later
    [again] = await tickets.record_calls([make_call("f.2", started_at=later)])
    assert again.ticket_number != first.ticket_number
    assert (await _ticket(database, first.ticket_number)).status == "closed"
    async with database.sessions() as session:
        new = await queries.get_ticket(session, again.ticket_number)
        old = await queries.get_ticket(session, first.ticket_number)
    assert new.follow_up_of == first.ticket_number
    assert old.follow_ups == (again.ticket_number,)


async def test_a_missed_call_on_a_resolved_ticket_opens_a_callback_as_before(
        database: Database, make_call: MakeCall) -> None:
    tickets = _service(database, Clock(T0))
    [first] = await tickets.record_calls([make_call("c.1")])
    await tickets.change_status(first.ticket_number, TicketStatus.RESOLVED)
    [missed] = await tickets.record_calls([make_call("c.2", Outcome.ABANDONED)])
    assert missed.ticket_number != first.ticket_number
    assert (await _ticket(database, first.ticket_number)).status == "resolved"


async def test_contact_for_customer_reopens_follows_up_or_opens(
        database: Database, make_call: MakeCall) -> None:
    clock = Clock(T0)
    tickets = _service(database, clock)
    [first] = await tickets.record_calls([make_call("e.1")])
    customer_id = (await _ticket(database, first.ticket_number)).customer_id
    assert customer_id is not None
    await tickets.change_status(first.ticket_number, TicketStatus.RESOLVED)

    async def mail(at: datetime) -> Ticket:
        async with database.writer() as session:
            ticket = await contact_for_customer(session, customer_id, SourceChannel.EMAIL, at)
            await session.commit()
        return ticket

    reopened = await mail(T0 + DAY)
    assert (reopened.number, reopened.status) == (first.ticket_number, "in_progress")
    assert (await mail(T0 + 2 * DAY)).number == first.ticket_number  # open: it joins
    await tickets.change_status(first.ticket_number, TicketStatus.CLOSED)
    follow_up = await mail(T0 + 40 * DAY)
    assert follow_up.number != first.ticket_number
    assert (follow_up.source_channel, follow_up.status) == ("email", "new")
    assert follow_up.follow_up_of_id == reopened.id
    async with database.sessions() as session:
        assert await session.get(Customer, customer_id) is not None


async def test_a_ringing_call_follows_up_and_reopens_nothing(database: Database,
                                                             make_call: MakeCall) -> None:
    """The agent console opens a ticket when the call rings, before anyone knows whether
    it will be answered: a missed call needs a callback, not reopened work. So a ring
    opens a ticket linked to the finished one, inside the reopen window or after it."""
    tickets = _service(database, Clock(T0))
    [first] = await tickets.record_calls([make_call("g.1")])
    await tickets.change_status(first.ticket_number, TicketStatus.RESOLVED)
    config = TicketsConfig()

    def ring(linkedid: str, at: datetime) -> RingFacts:
        return RingFacts(pbx="pbx1", linkedid=linkedid, caller="+48602333444",
                         caller_name=None, queue="support", at=at)

    latest = first.ticket_number  # the customer's latest ticket, finished each time
    for linkedid, at in (("g.2", T0 + DAY), ("g.3", T0 + 30 * DAY)):
        [rung] = await open_for_calls(database, config, [ring(linkedid, at)])
        assert rung.created and rung.number != latest
        followed = (await _ticket(database, latest)).id
        assert (await _ticket(database, rung.number)).follow_up_of_id == followed
        await tickets.change_status(rung.number, TicketStatus.CLOSED)
        latest = rung.number
    assert (await _ticket(database, first.ticket_number)).status == TicketStatus.RESOLVED

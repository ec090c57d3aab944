"""Call tickets without a flood (issue 13, items 9 and 7): a queue's ``call_tickets``
policy decides the ticket of a ringing call; a ring-time follow-up that is answered
inside the reopen window ends as ONE ticket with the finished one it followed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from ccengine.agents.call_tickets import (
    CallTicket,
    assign_on_answer,
    fold_answered,
    open_for_calls,
)
from ccengine.calls.model import FinishedCall
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.routes.document import GraphInvalid, dump_graph, parse_graph
from ccengine.tickets.editing import TicketChanges
from ccengine.tickets.enums import TicketStatus
from ccengine.tickets.models import Call, Ticket, TicketActivity
from ccengine.tickets.relations_models import TicketMerge
from ccengine.tickets.service import TicketService
from tests.browser import EXAMPLE_GRAPH
from tests.conftest import T0
from tests.test_agent_tickets import facts

CONFIG = TicketsConfig()
HOUR = timedelta(hours=1)


async def _tickets(database: Database) -> dict[str, Ticket]:
    async with database.sessions() as session:
        return {t.number: t for t in await session.scalars(select(Ticket))}


async def _calls_of(database: Database, number: str) -> list[str]:
    async with database.sessions() as session:
        query = (select(Call.linkedid).join(Ticket, Call.ticket_id == Ticket.id)
                 .where(Ticket.number == number).order_by(Call.linkedid))
        return list(await session.scalars(query))


async def test_new_policy_opens_a_ticket_per_call_as_before(database: Database) -> None:
    first, second = await open_for_calls(database, CONFIG, [
        facts("1.1"), facts("1.2", at=T0 + HOUR)])
    assert first.created and second.created and first.number != second.number


async def test_open_ticket_joins_the_callers_newest_open_ticket_of_that_queue(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    service = TicketService(database, CONFIG)
    older, newer, other_queue = await open_for_calls(database, CONFIG, [
        facts("2.1"), facts("2.2", at=T0 + HOUR), facts("2.3", queue="sales", at=T0 + 2 * HOUR)])
    day_later = T0 + timedelta(days=3)  # no time window: any age counts
    [joined, elsewhere] = await open_for_calls(database, CONFIG, [
        facts("2.4", at=day_later, policy="open_ticket"),
        facts("2.5", queue="billing", at=day_later, policy="open_ticket")])
    assert (joined.number, joined.created) == (newer.number, False)
    assert elsewhere.created, "no open ticket in that queue: a new one"
    assert other_queue.number not in (joined.number, elsewhere.number)
    await service.record_calls([make_call("2.4", started_at=day_later)])
    assert await _calls_of(database, newer.number) == ["2.4"]

    # A resolved ticket is not open work: the next call opens its own.
    await service.update(newer.number, TicketChanges(status=TicketStatus.RESOLVED), "Anna")
    await service.update(older.number, TicketChanges(status=TicketStatus.CLOSED), "Anna")
    [fresh] = await open_for_calls(database, CONFIG, [
        facts("2.6", at=day_later + HOUR, policy="open_ticket")])
    assert fresh.created and fresh.number not in (older.number, newer.number)


async def test_customer_only_never_joins_even_when_the_config_would(
        database: Database) -> None:
    joining = TicketsConfig(join_open_within_hours=24)
    [first] = await open_for_calls(database, joining, [facts("3.1")])
    [again] = await open_for_calls(database, joining, [
        facts("3.2", at=T0 + HOUR, policy="customer_only")])
    assert again.created and again.number != first.number


async def test_a_ring_time_follow_up_answered_in_the_reopen_window_is_one_ticket(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    """Before: the ring opened a follow-up, the end reused it, and the resolved ticket
    the customer came back to stayed resolved: two tickets for one matter."""
    service = TicketService(database, CONFIG, clock=lambda: T0 + HOUR)
    [old] = await open_for_calls(database, CONFIG, [facts("4.1")])
    await assign_on_answer(database, old.id, "Anna Nowak", T0, CONFIG.first_response)
    await service.record_calls([make_call("4.1")])
    await service.update(old.number, TicketChanges(status=TicketStatus.RESOLVED), "Anna Nowak")

    back = T0 + timedelta(days=2)  # inside the 14-day reopen window
    [rung] = await open_for_calls(database, CONFIG, [facts("4.2", at=back)])
    assert rung.created and rung.number != old.number  # may yet be missed: a follow-up
    assigned = await assign_on_answer(database, rung.id, "Piotr Zieliński", back,
                                      CONFIG.first_response, config=CONFIG)
    assert assigned is not None and assigned.number == old.number
    [recorded] = await service.record_calls([make_call(
        "4.2", started_at=back, agent_name="Piotr Zieliński")])
    assert recorded.ticket_number == old.number

    tickets = await _tickets(database)
    survivor, folded = tickets[old.number], tickets[rung.number]
    assert (survivor.status, survivor.assignee) == ("in_progress", "Piotr Zieliński")
    assert survivor.kind == "call" and survivor.resolved_at is None
    assert folded.status == "closed", "the ring-time ticket is only a pointer now"
    assert await _calls_of(database, old.number) == ["4.1", "4.2"]
    assert await _calls_of(database, rung.number) == []
    open_work = [t for t in tickets.values() if t.status not in ("closed", "resolved")]
    assert [t.number for t in open_work] == [old.number]


async def test_a_follow_up_past_the_window_stays_its_own_ticket(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    service = TicketService(database, CONFIG, clock=lambda: T0 + HOUR)
    [old] = await open_for_calls(database, CONFIG, [facts("5.1")])
    await service.record_calls([make_call("5.1")])
    await service.update(old.number, TicketChanges(status=TicketStatus.CLOSED), "Anna Nowak")
    late = T0 + timedelta(days=30)
    [rung] = await open_for_calls(database, CONFIG, [facts("5.2", at=late)])
    assigned = await assign_on_answer(database, rung.id, "Anna Nowak", late,
                                      CONFIG.first_response, config=CONFIG)
    assert assigned is not None and assigned.number == rung.number
    await service.record_calls([make_call("5.2", started_at=late)])
    tickets = await _tickets(database)
    assert tickets[old.number].status == "closed"
    assert tickets[rung.number].follow_up_of_id == tickets[old.number].id


def test_the_policy_is_validated_like_every_graph_field() -> None:
    text = EXAMPLE_GRAPH.read_text()
    graph = parse_graph(text)
    assert {q.call_tickets for q in graph.queues.values()} == {"new"}, "old graphs: as before"
    bad = text.replace("  posprzedaz:\n", "  posprzedaz:\n    call_tickets: always\n", 1)
    with pytest.raises(GraphInvalid) as refused:
        parse_graph(bad)
    [issue] = refused.value.issues
    assert issue.field == "queues.posprzedaz.call_tickets"
    assert "open_ticket" in issue.message
    good = text.replace("  posprzedaz:\n", "  posprzedaz:\n    call_tickets: open_ticket\n"
                        "    disposition_required: true\n", 1)
    queue = parse_graph(good).queues["posprzedaz"]
    assert (queue.call_tickets, queue.disposition_required) == ("open_ticket", True)
    assert "call_tickets: open_ticket" in dump_graph(parse_graph(good))


async def test_an_answer_the_console_missed_folds_before_the_call_is_recorded(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    service = TicketService(database, CONFIG, clock=lambda: T0 + HOUR)
    [old] = await open_for_calls(database, CONFIG, [facts("6.1")])
    await service.record_calls([make_call("6.1")])
    await service.update(old.number, TicketChanges(status=TicketStatus.RESOLVED), "Anna Nowak")
    back = T0 + timedelta(days=1)
    [rung] = await open_for_calls(database, CONFIG, [facts("6.2", at=back)])
    await fold_answered(database, rung.id, CONFIG, back)  # the gate before recording
    await fold_answered(database, rung.id, CONFIG, back)  # twice: nothing more happens
    [recorded] = await service.record_calls([make_call("6.2", started_at=back)])
    assert recorded.ticket_number == old.number
    tickets = await _tickets(database)
    assert (tickets[old.number].status, tickets[rung.number].status) == ("in_progress",
                                                                         "closed")
    assert await _calls_of(database, old.number) == ["6.1", "6.2"]


@pytest.mark.parametrize("answer_first", [True, False])
async def test_an_answer_and_the_record_folding_at_once_merge_once(
        database: Database, answer_first: bool) -> None:
    """A very short call: the console's answer and the recording's gate fold the same
    ring-time follow-up at once. One merge, no error, and the answer's ticket is the
    one the customer came back to, whichever went first."""
    service = TicketService(database, CONFIG, clock=lambda: T0 + HOUR)
    [old] = await open_for_calls(database, CONFIG, [facts("7.1")])
    await service.update(old.number, TicketChanges(status=TicketStatus.RESOLVED), "Anna Nowak")
    back = T0 + timedelta(days=1)
    [rung] = await open_for_calls(database, CONFIG, [facts("7.2", at=back)])
    answer = assign_on_answer(database, rung.id, "Piotr Zieliński", back,
                              CONFIG.first_response, config=CONFIG)
    folds = [fold_answered(database, rung.id, CONFIG, back) for _ in range(2)]
    done = await asyncio.gather(*([answer, *folds] if answer_first else [*folds, answer]))
    assigned = done[0 if answer_first else -1]
    assert isinstance(assigned, CallTicket)
    assert assigned.number == old.number
    async with database.sessions() as session:
        merges = list(await session.scalars(select(TicketMerge.into_id)))
        folds = list(await session.scalars(select(TicketActivity.body).where(
            TicketActivity.kind == "merge", TicketActivity.ticket_id == old.id)))
    assert merges == [old.id] and folds == [f"{rung.number} merged into this ticket"]
    tickets = await _tickets(database)
    assert (tickets[old.number].status, tickets[old.number].assignee) == (
        "in_progress", "Piotr Zieliński")
    assert tickets[rung.number].status == "closed"

"""Tickets opened while a call is live: once per call, numbered in batches, VIP and
route urgency, joining by policy; the call's record at its end reuses the ticket."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update

from ccengine.agents.call_tickets import RingFacts, assign_on_answer, open_for_calls
from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.tickets.editing import TicketChanges
from ccengine.tickets.enums import ActivityKind, Priority
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.tickets.service import TicketService
from tests.conftest import T0

CONFIG = TicketsConfig()


def facts(linkedid: str, caller: str | None = "+48602333444", **more: object) -> RingFacts:
    values: dict[str, object] = {"pbx": "pbx1", "linkedid": linkedid, "caller": caller,
                                 "caller_name": "Jan Kowalski", "queue": "support", "at": T0}
    values.update(more)
    return RingFacts(**values)  # type: ignore[arg-type]


async def test_one_ticket_per_call_in_one_batch_and_after(database: Database) -> None:
    first, again, other = await open_for_calls(
        database, CONFIG, [facts("1.1"), facts("1.1"), facts("1.2", caller=None)])
    assert first == again and first.created
    assert (first.number, other.number) == ("TK-2026-000001", "TK-2026-000002")
    assert (first.status, first.priority) == ("new", "P3")
    [later] = await open_for_calls(database, CONFIG, [facts("1.1")])
    assert later.number == first.number
    async with database.sessions() as session:
        titles = sorted(t.title for t in await session.scalars(select(Ticket)))
    assert titles == ["Połączenie od +48602333444", "Połączenie od numeru ukrytego"]


async def test_vip_and_route_urgency_raise_the_priority(database: Database) -> None:
    service = TicketService(database, CONFIG)
    await service.add_customer("+48604777888", "Anna Nowak", vip=True)
    vip, urgent = await open_for_calls(database, CONFIG, [
        facts("2.1", caller="+48604777888"), facts("2.2", urgency=Priority.P1)])
    assert (vip.priority, urgent.priority) == ("P2", "P1")


async def test_the_end_of_the_call_reuses_the_ticket_with_the_outcome(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    answered, missed = await open_for_calls(database, CONFIG, [facts("3.1"), facts("3.2")])
    assert await assign_on_answer(database, answered.id, "Agnieszka Wójcik", T0,
                                  CONFIG.first_response)
    service = TicketService(database, CONFIG)
    recorded = await service.record_calls([
        make_call("3.1", caller_number="48602333444", agent_name="Agnieszka Wójcik"),
        make_call("3.2", Outcome.ABANDONED, caller_number="48602333444"),
    ])
    assert [r.ticket_number for r in recorded] == [answered.number, missed.number]
    async with database.sessions() as session:
        tickets = {t.number: t for t in await session.scalars(select(Ticket))}
    assert len(tickets) == 2, "no second ticket for either call"
    done = tickets[answered.number]
    assert (done.status, done.kind, done.assignee) == ("in_progress", "call", "Agnieszka Wójcik")
    callback = tickets[missed.number]
    assert (callback.status, callback.kind, callback.priority) == ("new", "callback", "P2")
    assert callback.title.startswith("Oddzwonić: nieodebrane połączenie od +48602333444")


async def test_a_live_call_joins_the_callers_open_ticket_by_policy(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    joining = TicketsConfig(join_open_within_hours=24)
    service = TicketService(database, joining)
    [earlier] = await service.record_calls([make_call("4.0", Outcome.ABANDONED,
                                                      caller_number="48602333444")])
    [live] = await open_for_calls(database, joining,
                                  [facts("4.1", at=T0 + timedelta(hours=1))])
    assert (live.number, live.created) == (earlier.ticket_number, False)
    [recorded] = await service.record_calls([make_call(
        "4.1", caller_number="48602333444", started_at=T0 + timedelta(hours=1))])
    assert recorded.ticket_number == earlier.ticket_number
    async with database.sessions() as session:
        ticket = await session.scalar(select(Ticket))
    assert ticket is not None and ticket.kind == "callback", "a joined ticket keeps its kind"


History = list[tuple[str, str | None, object]]  # (kind, author, data), calls left out


async def _ticket_and_history(database: Database, number: str) -> tuple[Ticket, History]:
    async with database.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        activities = await session.scalars(select(TicketActivity).where(
            TicketActivity.ticket_id == ticket.id).order_by(TicketActivity.id))
        return ticket, [(a.kind, a.author, a.data) for a in activities
                        if a.kind != ActivityKind.CALL]


async def test_what_an_agent_changed_during_the_call_stays(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    lowered, retitled = await open_for_calls(
        database, CONFIG, [facts("5.1"), facts("5.2", caller="+48602333555")])
    service = TicketService(database, CONFIG)
    await service.update(lowered.number, TicketChanges(priority=Priority.P4), "Anna Nowak")
    async with database.writer() as session:
        await session.execute(update(Ticket).where(Ticket.id == retitled.id)
                              .values(title="Reklamacja pralki"))
        await session.commit()
    await service.record_calls([
        make_call("5.1", Outcome.ABANDONED, caller_number="48602333444"),
        make_call("5.2", Outcome.ABANDONED, caller_number="48602333555")])
    kept, _ = await _ticket_and_history(database, lowered.number)
    assert (kept.priority, kept.kind) == ("P4", "callback"), "the agent's P4, not the rule's P2"
    assert kept.title.startswith("Oddzwonić:")
    titled, _ = await _ticket_and_history(database, retitled.number)
    assert (titled.title, titled.priority) == ("Reklamacja pralki", "P2")


async def test_the_outcome_never_lowers_the_ring_time_priority(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    [urgent] = await open_for_calls(database, CONFIG, [facts("6.1", urgency=Priority.P1)])
    await TicketService(database, CONFIG).record_calls([
        make_call("6.1", caller_number="48602333444", agent_name="Anna Nowak")])
    ticket, _ = await _ticket_and_history(database, urgent.number)
    assert (ticket.priority, ticket.status) == ("P1", "in_progress")


async def test_status_changes_on_the_call_path_are_in_the_history(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    answered, unseen = await open_for_calls(database, CONFIG, [facts("7.1"), facts("7.2")])
    await assign_on_answer(database, answered.id, "Anna Nowak", T0, CONFIG.first_response)
    await TicketService(database, CONFIG).record_calls([
        make_call("7.1", caller_number="48602333444", agent_name="Anna Nowak"),
        make_call("7.2", caller_number="48602333444", agent_name="Piotr Zieliński")])
    step = {"from": "new", "to": "in_progress"}
    _, by_agent = await _ticket_and_history(database, answered.number)
    assert [(kind, author, data) for kind, author, data in by_agent
            if kind == ActivityKind.STATUS_CHANGE] == [("status_change", "Anna Nowak", step)]
    # The console did not see the answer: the outcome moves it, as ccengine.
    _, by_outcome = await _ticket_and_history(database, unseen.number)
    assert by_outcome == [("status_change", "ccengine", step)]

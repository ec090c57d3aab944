"""Tickets opened while a call is live: once per call, numbered in batches, VIP and
route urgency, joining by policy; the call's record at its end reuses the ticket."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from ccengine.agents.call_tickets import RingFacts, assign_on_answer, open_for_calls
from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.tickets.enums import Priority
from ccengine.tickets.models import Ticket
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
    assert await assign_on_answer(database, answered.id, "Agnieszka Wójcik", T0)
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

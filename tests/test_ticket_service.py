from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.tickets import queries
from ccengine.tickets.enums import ActivityKind, Priority, TicketStatus
from ccengine.tickets.errors import InvalidPhoneNumber, InvalidTransition, TicketNotFound
from ccengine.tickets.models import Call, Customer, Ticket, TicketActivity
from ccengine.tickets.rules import MISSED_REASONS
from ccengine.tickets.service import TicketService

MakeCall = Callable[..., FinishedCall]
NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CALLER = "+48602333444"


def service(database: Database, **config: object) -> TicketService:
    return TicketService(database, TicketsConfig.model_validate(config), clock=lambda: NOW)


async def count(database: Database, model: type[object]) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_answered_call_opens_an_in_progress_ticket_for_the_agent(
    database: Database, make_call: MakeCall
) -> None:
    [recorded] = await service(database).record_calls([make_call("1.1")])
    assert recorded.created
    assert (recorded.caller, recorded.did) == (CALLER, "+48221234567")
    assert recorded.ticket_number == "TK-2026-000001"
    assert (recorded.ticket_status, recorded.ticket_priority) == (
        TicketStatus.IN_PROGRESS,
        Priority.P3,
    )
    async with database.sessions() as session:
        detail = await queries.get_ticket(session, recorded.ticket_number)
    assert detail.ticket.assignee == "Anna Nowak"
    assert detail.ticket.kind == "call"
    assert detail.ticket.source_channel == "phone"
    assert detail.customer is not None and detail.customer.phone == CALLER
    assert [a.kind for a in detail.activities] == [ActivityKind.CALL]
    assert detail.activities[0].call_linkedid == "1.1"
    assert [c.linkedid for c in detail.calls] == ["1.1"]


@pytest.mark.parametrize(
    "outcome", [Outcome.ABANDONED, Outcome.IVR_ABANDONED, Outcome.TIMEOUT, Outcome.UNANSWERED]
)
async def test_missed_call_opens_a_p2_callback(
    database: Database, make_call: MakeCall, outcome: Outcome
) -> None:
    [recorded] = await service(database).record_calls([make_call("2.1", outcome)])
    assert (recorded.ticket_status, recorded.ticket_priority) == (TicketStatus.NEW, Priority.P2)
    async with database.sessions() as session:
        detail = await queries.get_ticket(session, recorded.ticket_number)
    assert detail.ticket.kind == "callback"
    assert detail.ticket.assignee is None
    assert detail.ticket.title == (
        f"Oddzwonić: nieodebrane połączenie od {CALLER} ({MISSED_REASONS[outcome]})")


async def test_vip_caller_gets_p1_callback(database: Database, make_call: MakeCall) -> None:
    tickets = service(database)
    customer = await tickets.add_customer("602 333 444", "Łukasz Żółtowski", vip=True)
    assert (customer.phone, customer.vip) == (CALLER, True)
    [recorded] = await tickets.record_calls([make_call("3.1", Outcome.ABANDONED)])
    assert recorded.ticket_priority is Priority.P1
    assert await count(database, Customer) == 1


async def test_polish_name_round_trips(database: Database, make_call: MakeCall) -> None:
    name = "Łukasz Żółtowski"
    await service(database).record_calls([make_call("4.1", caller_name=name)])
    async with database.sessions() as session:
        assert await session.scalar(select(Customer.name)) == name
        call = await queries.get_call(session, "pbx1", "4.1")
    assert call.caller_name == name


async def test_same_call_twice_is_stored_once(database: Database, make_call: MakeCall) -> None:
    tickets = service(database)
    [first] = await tickets.record_calls([make_call("5.1")])
    [again] = await tickets.record_calls([make_call("5.1")])
    assert first.created and not again.created
    assert again.ticket_number == first.ticket_number
    assert (await count(database, Call), await count(database, Ticket)) == (1, 1)
    assert await count(database, TicketActivity) == 1


async def test_duplicates_in_one_batch_are_stored_once(
    database: Database, make_call: MakeCall
) -> None:
    results = await service(database).record_calls(
        [make_call("6.1"), make_call("6.1"), make_call("6.2"), make_call("6.1")]
    )
    assert [r.created for r in results] == [True, False, True, False]
    assert results[0].ticket_number == results[1].ticket_number == results[3].ticket_number
    assert (await count(database, Call), await count(database, Ticket)) == (2, 2)


async def test_same_linkedid_on_another_pbx_is_another_call(
    database: Database, make_call: MakeCall
) -> None:
    results = await service(database).record_calls([make_call("7.1"), make_call("7.1", pbx="pbx2")])
    assert [r.created for r in results] == [True, True]
    assert results[0].ticket_number != results[1].ticket_number


async def test_later_batch_mixes_old_and_new_calls(database: Database, make_call: MakeCall) -> None:
    tickets = service(database)
    first = await tickets.record_calls([make_call("8.1"), make_call("8.2")])
    later = await tickets.record_calls([make_call("8.2"), make_call("8.3")])
    assert [r.created for r in later] == [False, True]
    assert later[0].ticket_number == first[1].ticket_number
    assert [r.ticket_number for r in [*first, later[1]]] == [
        "TK-2026-000001",
        "TK-2026-000002",
        "TK-2026-000003",
    ]


async def test_number_format_is_configurable(database: Database, make_call: MakeCall) -> None:
    tickets = service(database, number_format="Z/{seq}/{year}")
    results = await tickets.record_calls([make_call("9.1"), make_call("9.2")])
    assert [r.ticket_number for r in results] == ["Z/1/2026", "Z/2/2026"]


async def test_concurrent_batches_get_unique_consecutive_numbers(
    database: Database, make_call: MakeCall
) -> None:
    tickets = service(database)
    batches = [[make_call(f"10.{b}.{i}") for i in range(25)] for b in range(2)]
    results = await asyncio.gather(*(tickets.record_calls(batch) for batch in batches))
    numbers = sorted(r.ticket_number for batch in results for r in batch)
    assert numbers == [f"TK-2026-{seq:06d}" for seq in range(1, 51)]
    assert await count(database, Ticket) == 50


async def test_concurrent_batches_of_the_same_calls_store_them_once(
    database: Database, make_call: MakeCall
) -> None:
    tickets = service(database)
    batch = [make_call(f"11.{i}", caller_number=f"60244455{i}") for i in range(5)]
    first, second = await asyncio.gather(tickets.record_calls(batch), tickets.record_calls(batch))
    assert [r.ticket_number for r in first] == [r.ticket_number for r in second]
    assert (
        sorted([*[r.created for r in first], *[r.created for r in second]])
        == [False] * 5 + [True] * 5
    )
    assert (await count(database, Call), await count(database, Customer)) == (5, 5)


async def test_join_off_opens_a_ticket_per_answered_call(
    database: Database, make_call: MakeCall
) -> None:
    results = await service(database).record_calls([make_call("12.1"), make_call("12.2")])
    assert results[0].ticket_number != results[1].ticket_number


async def test_a_missed_call_adds_to_the_callers_open_callback_whatever_the_join_policy(
    database: Database, make_call: MakeCall
) -> None:
    first, second = await service(database).record_calls(
        [make_call("12.3", Outcome.ABANDONED), make_call("12.4", Outcome.TIMEOUT)]
    )
    assert (first.created, second.created) == (True, True)
    assert second.ticket_number == first.ticket_number
    async with database.sessions() as session:
        detail = await queries.get_ticket(session, first.ticket_number)
    assert [c.linkedid for c in detail.calls] == ["12.3", "12.4"]
    assert await count(database, Ticket) == 1


async def test_join_on_adds_the_call_to_the_open_ticket(
    database: Database, make_call: MakeCall
) -> None:
    tickets = service(database, join_open_within_hours=24)
    [first] = await tickets.record_calls([make_call("13.1", Outcome.ABANDONED)])
    later = NOW + timedelta(hours=1)
    [second, other] = await tickets.record_calls(
        [
            make_call("13.2", started_at=later),
            make_call("13.3", started_at=later, caller_number="602999888"),
        ]
    )
    assert second.created and second.ticket_number == first.ticket_number
    assert other.ticket_number != first.ticket_number
    async with database.sessions() as session:
        detail = await queries.get_ticket(session, first.ticket_number)
    assert [c.linkedid for c in detail.calls] == ["13.1", "13.2"]
    assert await count(database, Ticket) == 2


async def test_join_within_one_batch_and_not_into_closed_tickets(
    database: Database, make_call: MakeCall
) -> None:
    # reopen_within_days 0: a finished ticket is followed up, never reopened (test_ticket_life)
    tickets = service(database, join_open_within_hours=24, reopen_within_days=0)
    first, second = await tickets.record_calls([make_call("14.1"), make_call("14.2")])
    assert second.ticket_number == first.ticket_number
    await tickets.change_status(first.ticket_number, TicketStatus.CLOSED)
    [third] = await tickets.record_calls([make_call("14.3")])
    assert third.ticket_number != first.ticket_number


async def test_timeline_is_stored(database: Database, make_call: MakeCall) -> None:
    call = make_call("15.1")
    await service(database).record_calls([call])
    async with database.sessions() as session:
        stored = await queries.get_call(session, "pbx1", "15.1")
    assert stored.timeline == [entry.as_json() for entry in call.timeline]
    assert stored.timeline[1] == {
        "at": (call.started_at + timedelta(seconds=5)).isoformat(),
        "kind": "queue_join",
        "queue": "support",
    }
    assert stored.started_at == call.started_at and stored.started_at.tzinfo is not None


async def test_unnormalisable_caller_is_kept_raw_without_customer(
    database: Database, make_call: MakeCall
) -> None:
    [recorded] = await service(database).record_calls(
        [make_call("16.1", Outcome.ABANDONED, caller_number="anonymous")]
    )
    assert recorded.caller == "anonymous"
    assert await count(database, Customer) == 0


async def test_status_changes_are_checked_and_logged(
    database: Database, make_call: MakeCall
) -> None:
    tickets = service(database)
    [recorded] = await tickets.record_calls([make_call("17.1", Outcome.ABANDONED)])
    number = recorded.ticket_number
    with pytest.raises(InvalidTransition):
        await tickets.change_status(number, TicketStatus.WAITING_FOR_CUSTOMER)
    summary = await tickets.change_status(number, TicketStatus.IN_PROGRESS, author="anna")
    assert (summary.status, summary.caller) == (TicketStatus.IN_PROGRESS, CALLER)
    closed = await tickets.change_status(number, TicketStatus.CLOSED)
    assert closed.closed_at == NOW
    note = await tickets.add_note(number, "Klient prosi o kontakt jutro", author="anna")
    assert note.kind == ActivityKind.NOTE
    async with database.sessions() as session:
        detail = await queries.get_ticket(session, number)
    assert [a.kind for a in detail.activities] == ["call", "status_change", "status_change", "note"]
    assert detail.activities[1].data == {"from": "new", "to": "in_progress"}


async def test_unknown_ticket_and_bad_phone_are_domain_errors(database: Database) -> None:
    tickets = service(database)
    with pytest.raises(TicketNotFound):
        await tickets.add_note("TK-2026-999999", "x", None)
    with pytest.raises(TicketNotFound):
        await tickets.change_status("TK-2026-999999", TicketStatus.CLOSED)
    with pytest.raises(InvalidPhoneNumber):
        await tickets.add_customer("101", None, vip=False)

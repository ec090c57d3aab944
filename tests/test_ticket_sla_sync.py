"""The clocks' results stored on the ticket by the transaction that changes it (issue 13)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.calls.model import FinishedCall, Outcome
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.sla import service as sla_service
from ccengine.sla.calendar import DEFAULT_BUSINESS
from ccengine.sla.policy import Duration, SlaPolicy
from ccengine.tickets.enums import Priority, TicketStatus
from ccengine.tickets.models import Ticket
from ccengine.tickets.service import TicketChanges, TicketService
from ccengine.tickets.sla_sync import SlaRules

MakeCall = Callable[..., FinishedCall]
WARSAW = ZoneInfo("Europe/Warsaw")


def warsaw(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=WARSAW)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def row(database: Database, number: str) -> Ticket:
    async with database.sessions() as session:
        return (await session.scalars(select(Ticket).where(Ticket.number == number))).one()


async def test_the_issues_p2_example_with_a_wait_for_the_customer(
        database: Database, make_call: MakeCall) -> None:
    clock = Clock(warsaw(23, 17, 30))  # Wednesday, before Christmas Eve and two holidays
    tickets = TicketService(database, TicketsConfig(), clock=clock)
    missed = make_call("1.1", Outcome.ABANDONED, started_at=warsaw(23, 17, 25).astimezone(UTC))
    [recorded] = await tickets.record_calls([missed])
    number = recorded.ticket_number
    ticket = await row(database, number)
    assert (ticket.priority, ticket.sla_policy, ticket.sla_state) == ("P2", "P2", "ok")
    assert ticket.first_response_due_at == warsaw(28, 8, 30)  # Monday
    assert ticket.resolution_due_at == warsaw(28, 15, 30)

    clock.now = warsaw(28, 8, 15)
    await tickets.update(number, TicketChanges(status=TicketStatus.IN_PROGRESS), "Anna")
    await tickets.add_note(number, "Called back, we need the invoice", "Anna", public=True)
    clock.now = warsaw(28, 9)
    await tickets.update(number, TicketChanges(status=TicketStatus.WAITING_FOR_CUSTOMER), "Anna")
    assert (await row(database, number)).sla_state == "paused"
    clock.now = warsaw(29, 10)  # Tuesday: the customer answered
    await tickets.update(number, TicketChanges(status=TicketStatus.IN_PROGRESS), "Anna")
    ticket = await row(database, number)
    assert ticket.resolution_due_at == warsaw(29, 16, 30)
    assert ticket.resolution_due_at == datetime(2026, 12, 29, 15, 30, tzinfo=UTC)
    assert ticket.first_response_due_at == warsaw(28, 8, 30)  # that clock never pauses
    assert ticket.first_response_at == warsaw(28, 8, 15)
    assert ticket.sla_state == "ok"  # 1.5 of 8 hours used


async def test_a_priority_change_chooses_the_policy_again(
        database: Database, make_call: MakeCall) -> None:
    clock = Clock(warsaw(23, 17, 30))
    tickets = TicketService(database, TicketsConfig(), clock=clock)
    [recorded] = await tickets.record_calls([make_call("2.1", Outcome.ABANDONED)])
    await tickets.update(recorded.ticket_number, TicketChanges(priority=Priority.P1), "Anna")
    ticket = await row(database, recorded.ticket_number)
    assert ticket.sla_policy == "P1"  # around the clock: 15 minutes, holidays or not
    assert ticket.first_response_due_at == warsaw(23, 17, 45)


@dataclass(frozen=True)
class VipFirst:
    """Stored policies, as the lead's provider will read them: VIPs get a day less."""

    async def rules(self, session: AsyncSession) -> SlaRules:
        hours = Duration(2, "hours")
        return SlaRules((SlaPolicy("vip P2", Priority.P2, hours, hours, "business", vip=True),
                         SlaPolicy("P2", Priority.P2, hours, Duration(8, "hours"), "business")),
                        {"business": DEFAULT_BUSINESS})


async def test_policies_come_from_the_provider_and_see_the_customers_vip_flag(
        database: Database, make_call: MakeCall) -> None:
    tickets = TicketService(database, TicketsConfig(), clock=Clock(warsaw(23, 10)),
                            sla=VipFirst())
    await tickets.add_customer("+48602333444", "Jan", vip=True)
    [vip] = await tickets.record_calls([make_call("3.1")])  # answered: P3, raised to P2
    [other] = await tickets.record_calls([make_call("3.2", Outcome.ABANDONED,
                                                    caller_number="+48601000000")])
    assert (await row(database, vip.ticket_number)).sla_policy == "vip P2"
    assert (await row(database, other.ticket_number)).sla_policy == "P2"
    # P3 has no policy here: no clocks, nothing stored.
    [answered] = await tickets.record_calls([make_call("3.3", caller_number="+48601000001")])
    unpromised = await row(database, answered.ticket_number)
    assert (unpromised.sla_policy, unpromised.resolution_due_at, unpromised.sla_state) == (
        None, None, None)


async def test_an_admins_policy_edit_counts_for_the_next_ticket_with_no_wiring(
        database: Database, make_call: MakeCall) -> None:
    """The default provider reads the stored policies in the writer's transaction."""
    tickets = TicketService(database, TicketsConfig(), clock=Clock(warsaw(23, 10)))
    [before] = await tickets.record_calls([make_call("4.1", Outcome.ABANDONED)])
    assert (await row(database, before.ticket_number)).first_response_due_at == warsaw(23, 11)

    p2 = (await sla_service.get_policy(database, "P2")).policy
    await sla_service.replace_policy(database, replace(p2, first_response=Duration(3, "hours")))
    [after] = await tickets.record_calls([make_call("4.2", Outcome.ABANDONED,
                                                    caller_number="+48601000002")])
    assert (await row(database, after.ticket_number)).first_response_due_at == warsaw(23, 13)

"""Required custom fields on every path where a person finishes a ticket (a status
change, "done" at wrap-up), on both databases; the auto-close sweep of resolved
tickets is not held back by a field made required after they were resolved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ccengine.agents.wrapup import write_wrap_up
from ccengine.calls.model import FinishedCall
from ccengine.config import TicketsConfig
from ccengine.db import Database
from ccengine.ticket_fields import custom_fields
from ccengine.ticket_fields.applying import FieldChanges
from ccengine.ticket_fields.errors import RequiredFieldMissing
from ccengine.ticket_fields.rules import FieldDefinition, FieldKind
from ccengine.tickets.closing import close_resolved
from ccengine.tickets.editing import TicketChanges
from ccengine.tickets.enums import ActivityKind, TicketStatus
from ccengine.tickets.filters import EVERYONE
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.tickets.service import TicketService
from tests.conftest import T0

REASON = FieldDefinition("reason", FieldKind.TEXT, "Przyczyna", "Reason", required=True)


async def _tickets(database: Database, make_call: Callable[..., FinishedCall],
                   count: int) -> tuple[TicketService, list[str]]:
    service = TicketService(database, TicketsConfig(), clock=lambda: T0 + timedelta(hours=1))
    recorded = await service.record_calls([
        make_call(f"r.{index}", caller_number=f"4860300000{index}",
                  started_at=T0 + timedelta(minutes=index)) for index in range(count)])
    return service, [item.ticket_number for item in recorded]


async def _status(database: Database, number: str) -> str:
    async with database.sessions() as session:
        return str(await session.scalar(select(Ticket.status).where(Ticket.number == number)))


async def _notes(database: Database, number: str) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(
            select(func.count()).select_from(TicketActivity).join(Ticket)
            .where(Ticket.number == number, TicketActivity.kind == ActivityKind.NOTE)) or 0)


@pytest.mark.parametrize("status", [TicketStatus.RESOLVED, TicketStatus.CLOSED])
async def test_a_status_change_needs_the_required_fields(
        database: Database, make_call: Callable[..., FinishedCall], status: TicketStatus) -> None:
    service, (number,) = await _tickets(database, make_call, 1)
    await custom_fields.create_field(database, REASON, T0)
    before = await _status(database, number)
    with pytest.raises(RequiredFieldMissing) as refused:
        await service.change_status(number, status, "Anna Nowak")
    assert refused.value.field == "custom_fields.reason"
    assert await _status(database, number) == before
    await service.change_status(number, TicketStatus.WAITING_FOR_CUSTOMER, "Anna")  # not done
    await service.update(number, TicketChanges(fields=FieldChanges(custom={"reason": "x"})),
                         "Anna Nowak")
    await service.change_status(number, status, "Anna Nowak")
    assert await _status(database, number) == str(status)


async def test_done_at_wrap_up_needs_them_and_writes_nothing_when_refused(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    service, (number,) = await _tickets(database, make_call, 1)
    await custom_fields.create_field(database, REASON, T0)
    before = await _status(database, number)
    with pytest.raises(RequiredFieldMissing):
        await write_wrap_up(database, number, TicketStatus.RESOLVED, "Oddzwonię", "Anna",
                            EVERYONE, T0 + timedelta(hours=1))
    assert (await _status(database, number), await _notes(database, number)) == (before, 0)
    await write_wrap_up(database, number, TicketStatus.WAITING_FOR_CUSTOMER, "Czeka", "Anna",
                        EVERYONE, T0 + timedelta(hours=1))  # not finishing: as before
    await service.update(number, TicketChanges(fields=FieldChanges(custom={"reason": "x"})),
                         "Anna")
    await write_wrap_up(database, number, TicketStatus.CLOSED, None, "Anna", EVERYONE,
                        T0 + timedelta(hours=2))
    assert await _status(database, number) == "closed"


async def test_the_auto_close_sweep_is_not_held_back_by_a_later_required_field(
        database: Database, make_call: Callable[..., FinishedCall]) -> None:
    service, numbers = await _tickets(database, make_call, 2)
    for number in numbers:
        await service.change_status(number, TicketStatus.RESOLVED, "Anna")
    await custom_fields.create_field(database, REASON, T0)  # required from now on
    closed = await close_resolved(database, T0 + timedelta(days=8), after_days=7)
    assert sorted(closed) == sorted(numbers)
    assert {await _status(database, number) for number in numbers} == {"closed"}

"""What the engine got wrong driving a real Asterisk (issue 12, items 13-19).

The live traces (shared/asterisk-traces/live/) are the engine's own AMI sessions
with a real Asterisk; where they show the behaviour, the tests replay them.
"""

from __future__ import annotations

from sqlalchemy import select

from ccengine.calls.model import Outcome
from ccengine.db import Database
from ccengine.tickets.models import Call, Ticket
from tests.conftest import build_call
from tests.test_ticket_service import service

# -- item 18: external numbers in E.164 ---------------------------------------------------


async def test_the_external_number_a_call_was_transferred_to_is_stored_in_e164(
        database: Database) -> None:
    """The trunk dials '48225550000'; every other number is stored as +48..."""
    call = build_call("18.1", Outcome.EXTERNAL, external_number="48225550000", queue=None)

    [recorded] = await service(database).record_calls([call])

    async with database.sessions() as session:
        row = await session.scalar(select(Call).where(Call.linkedid == "18.1"))
        ticket = await session.scalar(select(Ticket).where(
            Ticket.number == recorded.ticket_number))
    assert row is not None and row.external_number == "+48225550000"
    assert ticket is not None and ticket.title.endswith("na numer +48225550000")

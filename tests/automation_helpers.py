"""What the automation tests share: tickets, rules, people and reading back history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from ccengine.automation import service
from ccengine.automation.fields import features
from ccengine.automation.model import Rule
from ccengine.automation.rules import parse_rule
from ccengine.automation.storage_models import AutomationEvent
from ccengine.db import Database
from ccengine.tickets.models import Ticket, TicketActivity
from ccengine.users import service as users
from ccengine.users.models import Role

OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Warsaw


class Members:
    def __init__(self, queues: dict[str, frozenset[str]]) -> None:
        self.queues = queues

    def interfaces(self, queue: str) -> frozenset[str]:
        return self.queues.get(queue, frozenset())


class MemoryFields:
    """Category and tags as the ticket fields will give them (a fake of the interface)."""

    def __init__(self) -> None:
        self.category: dict[int, str | None] = {}
        self.tags: dict[int, set[str]] = {}

    async def read(self, session: Any, ticket: Ticket) -> tuple[str | None, frozenset[str]]:
        return self.category.get(ticket.id), frozenset(self.tags.get(ticket.id, set()))

    async def check_category(self, session: Any, category: str, where: str,
                             new_tickets: bool) -> None:
        return None  # every category exists here

    async def set_category(self, session: Any, ticket: Ticket, category: str,
                           author: str) -> bool:
        changed = self.category.get(ticket.id) != category
        self.category[ticket.id] = category
        return changed

    async def change_tags(self, session: Any, ticket: Ticket, add: Iterable[str],
                          remove: Iterable[str], author: str) -> bool:
        before = set(self.tags.get(ticket.id, set()))
        after = (before | set(add)) - set(remove)
        self.tags[ticket.id] = after
        return after != before


async def add_ticket(database: Database, number: str, **fields: Any) -> int:
    values: dict[str, Any] = {
        "number": number, "title": f"Zwrot {number}", "status": "new", "priority": "P3",
        "kind": "call", "queue": "reklamacje", "assignee": None,
        "source_channel": "phone", "created_at": OPENED, "updated_at": OPENED}
    values.update(fields)
    async with database.writer() as session:
        ticket = Ticket(**values)
        session.add(ticket)
        await session.commit()
        return ticket.id


async def add_rule(database: Database, document: dict[str, Any],
                   fields: bool = False) -> Rule:
    spec = parse_rule(document, features(MemoryFields() if fields else None))
    return await service.create_rule(database, spec, OPENED)


async def add_people(database: Database) -> dict[str, int]:
    anna = await users.create_user(database, "anna", "Haslo-Testowe-42", Role.AGENT,
                                   display_name="Anna Nowak")
    lider = await users.create_user(database, "lider", "Haslo-Testowe-42",
                                    Role.PRIVILEGED_AGENT, display_name="Lena Lider",
                                    sip_interface="PJSIP/lider")
    return {"anna": anna.id, "lider": lider.id}


async def ticket(database: Database, number: str) -> Ticket:
    async with database.sessions() as session:
        found = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert found is not None
        return found


async def history(database: Database, number: str,
                  kinds: Iterable[str] | None = None) -> list[tuple[str, str, str | None]]:
    async with database.sessions() as session:
        query = (select(TicketActivity.kind, TicketActivity.body, TicketActivity.author)
                 .join(Ticket, Ticket.id == TicketActivity.ticket_id)
                 .where(Ticket.number == number).order_by(TicketActivity.id))
        rows = [(kind, body, author) for kind, body, author in await session.execute(query)]
    wanted = set(kinds) if kinds is not None else None
    return [row for row in rows if wanted is None or row[0] in wanted]


async def waiting_events(database: Database) -> int:
    async with database.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(AutomationEvent))
                   or 0)

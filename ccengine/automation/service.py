"""Rules stored and read back, the dry run, and a ticket's time in each status; each
operation one unit of work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.automation.errors import InvalidOrder, RuleNameTaken, RuleNotFound
from ccengine.automation.facts import load_facts, stays_of
from ccengine.automation.fields import TicketFields
from ccengine.automation.model import Action, Condition, Rule, RuleSpec, Verdict
from ccengine.automation.rules import evaluate, parse_trigger
from ccengine.automation.storage_models import AutomationRule
from ccengine.automation.timing import current_since, seconds_by_status
from ccengine.db import Database
from ccengine.sla.calendar import BusinessCalendar
from ccengine.tickets.filters import Viewer
from ccengine.tickets.models import Ticket
from ccengine.tickets.service import find_ticket


def rule_of(row: AutomationRule) -> Rule:
    return Rule(row.id, row.position, RuleSpec(
        name=row.name, trigger=parse_trigger(row.trigger), enabled=row.enabled,
        conditions=tuple(Condition(c["kind"], c.get("value")) for c in row.conditions),
        actions=tuple(Action(a["kind"], a.get("value")) for a in row.actions)))


def _write(row: AutomationRule, spec: RuleSpec, now: datetime) -> None:
    row.name, row.enabled = spec.name, spec.enabled
    row.event, row.trigger = str(spec.trigger.event), spec.trigger.as_json()
    row.conditions = [{"kind": c.kind, "value": c.value} for c in spec.conditions]
    row.actions = [{"kind": a.kind, "value": a.value} for a in spec.actions]
    row.updated_at = now


async def enabled_rules(session: AsyncSession) -> list[Rule]:
    query = (select(AutomationRule).where(AutomationRule.enabled)
             .order_by(AutomationRule.position, AutomationRule.id))
    return [rule_of(row) for row in await session.scalars(query)]


async def list_rules(database: Database) -> list[Rule]:
    async with database.sessions() as session:
        query = select(AutomationRule).order_by(AutomationRule.position, AutomationRule.id)
        return [rule_of(row) for row in await session.scalars(query)]


async def get_rule(database: Database, rule_id: int) -> Rule:
    async with database.sessions() as session:
        return rule_of(await _row(session, rule_id))


async def _row(session: AsyncSession, rule_id: int) -> AutomationRule:
    row = await session.get(AutomationRule, rule_id)
    if row is None:
        raise RuleNotFound(rule_id)
    return row


async def create_rule(database: Database, spec: RuleSpec, now: datetime,
                      fields: TicketFields | None = None) -> Rule:
    """A new rule runs last (reorder to move it)."""
    async with database.writer() as session:
        await _refuse_taken(session, spec.name, None)
        await _refuse_unknown_categories(session, spec, fields)
        last = await session.scalar(select(func.max(AutomationRule.position)))
        row = AutomationRule(position=(last or 0) + 1, created_at=now)
        _write(row, spec, now)
        session.add(row)
        await _commit(session, spec.name)
        return rule_of(row)


async def replace_rule(database: Database, rule_id: int, spec: RuleSpec,
                       now: datetime, fields: TicketFields | None = None) -> Rule:
    async with database.writer() as session:
        row = await _row(session, rule_id)
        await _refuse_taken(session, spec.name, rule_id)
        await _refuse_unknown_categories(session, spec, fields)
        _write(row, spec, now)
        await _commit(session, spec.name)
        return rule_of(row)


async def set_enabled(database: Database, rule_id: int, enabled: bool, now: datetime) -> Rule:
    async with database.writer() as session:
        row = await _row(session, rule_id)
        row.enabled, row.updated_at = enabled, now
        await session.commit()
        return rule_of(row)


async def delete_rule(database: Database, rule_id: int) -> None:
    async with database.writer() as session:
        await session.delete(await _row(session, rule_id))
        await session.commit()


async def reorder(database: Database, ids: Sequence[int], now: datetime) -> list[Rule]:
    """``ids``: every rule, once each, in the order they are to run."""
    async with database.writer() as session:
        rows = {row.id: row for row in await session.scalars(select(AutomationRule))}
        if len(set(ids)) != len(ids) or set(ids) != set(rows):
            raise InvalidOrder("expected every rule's id once")
        for position, rule_id in enumerate(ids, start=1):
            if rows[rule_id].position != position:
                rows[rule_id].position, rows[rule_id].updated_at = position, now
        await session.commit()
        return [rule_of(rows[rule_id]) for rule_id in ids]


async def _refuse_taken(session: AsyncSession, name: str, rule_id: int | None) -> None:
    other = await session.scalar(select(AutomationRule.id).where(AutomationRule.name == name))
    if other is not None and other != rule_id:
        raise RuleNameTaken(name)


async def _refuse_unknown_categories(session: AsyncSession, spec: RuleSpec,
                                     fields: TicketFields | None) -> None:
    """A category a rule names must exist (a typo would never match or would fail at
    run time); one it sets must also be in use. A retired one may still be tested:
    old tickets keep it."""
    if fields is None:
        return
    for index, condition in enumerate(spec.conditions):
        if condition.kind == "category":
            for at, category in enumerate(condition.value):
                await fields.check_category(session, category,
                                            f"conditions[{index}].value[{at}]", False)
    for index, action in enumerate(spec.actions):
        if action.kind == "set_category":
            await fields.check_category(session, action.value, f"actions[{index}].value",
                                        True)


async def _commit(session: AsyncSession, name: str) -> None:
    try:
        await session.commit()
    except IntegrityError:  # the same name saved by someone else meanwhile
        raise RuleNameTaken(name) from None


async def dry_run(database: Database, number: str, viewer: Viewer,
                  fields: TicketFields | None, calendars: Mapping[str, BusinessCalendar],
                  now: datetime) -> list[Verdict]:
    """Which rules would fire for ticket ``number`` now, and why (every rule, in order;
    disabled ones say so). Nothing is written."""
    async with database.sessions() as session:
        ticket = await find_ticket(session, number, viewer)
        facts = await load_facts(session, ticket, fields, calendars, now)
        query = select(AutomationRule).order_by(AutomationRule.position, AutomationRule.id)
        rules = [rule_of(row) for row in await session.scalars(query)]
    return [evaluate(rule, None, facts) for rule in rules]


@dataclass(frozen=True, slots=True)
class TimeInStatus:
    number: str
    status: str
    since: datetime | None
    seconds: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {"number": self.number, "status": self.status,
                "since": self.since.isoformat() if self.since else None,
                "seconds": self.seconds}


async def time_in_status(database: Database, number: str, viewer: Viewer,
                         now: datetime) -> TimeInStatus:
    async with database.sessions() as session:
        ticket = await find_ticket(session, number, viewer)
        return await time_in_status_of(session, ticket, now)


async def time_in_status_of(session: AsyncSession, ticket: Ticket,
                            now: datetime) -> TimeInStatus:
    """For a ticket already found (and checked visible) in ``session``."""
    stays = await stays_of(session, ticket.id)
    return TimeInStatus(ticket.number, ticket.status, current_since(stays),
                        seconds_by_status(stays, now))

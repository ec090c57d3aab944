"""Calendars and SLA policies in the database: list, get, create, replace, delete.

Each write is one transaction that bumps the row's ``version`` (the SLA book's
cache notices). Documents are checked by the pure core before anything is
written; a policy's calendar and a deleted calendar's users are checked here,
inside the writing transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.db import Database
from ccengine.routes.storage_models import RouteStatus, RouteVersion
from ccengine.sla.calendar import BusinessCalendar, CalendarError
from ccengine.sla.documents import (
    calendar_document,
    calendar_from_document,
    policy_document,
    policy_from_document,
)
from ccengine.sla.errors import CalendarInUse, CalendarNotFound, NameTaken, PolicyNotFound
from ccengine.sla.model import CalendarUser, StoredCalendar, StoredPolicy
from ccengine.sla.policy import PolicyError, SlaPolicy
from ccengine.sla.storage_models import SlaCalendarRow, SlaPolicyRow

CALENDAR_NODES = frozenset({"time_condition", "holiday"})
Clock = Callable[[], datetime]


def _now() -> datetime:
    return datetime.now(UTC)


# -- rows ↔ core -------------------------------------------------------------------------


def stored_calendar(row: SlaCalendarRow) -> StoredCalendar:
    document = {"timezone": row.timezone, "hours": row.hours, "country": row.country,
                "closed_days": row.closed_days}
    return StoredCalendar(calendar_from_document(row.name, document), row.version,
                          row.updated_at)


def stored_policy(row: SlaPolicyRow) -> StoredPolicy:
    document = {
        "priority": row.priority, "queue": row.queue, "category": row.category, "vip": row.vip,
        "first_response": {"amount": row.first_response_amount,
                           "unit": row.first_response_unit},
        "resolution": {"amount": row.resolution_amount, "unit": row.resolution_unit},
        "calendar": row.calendar, "escalation": row.escalation,
    }
    return StoredPolicy(policy_from_document(row.name, document), row.position, row.version,
                        row.updated_at)


def _write_calendar(row: SlaCalendarRow, calendar: BusinessCalendar, now: datetime) -> None:
    document = calendar_document(calendar)
    row.name, row.timezone, row.country = calendar.name, calendar.timezone, calendar.country
    row.hours, row.closed_days = document["hours"], document["closed_days"]
    row.updated_at, row.version = now, (row.version or 0) + 1


def _write_policy(row: SlaPolicyRow, policy: SlaPolicy, now: datetime) -> None:
    document = policy_document(policy)
    row.name, row.priority, row.calendar = policy.name, policy.priority.value, policy.calendar
    row.queue, row.category, row.vip = policy.queue, policy.category, policy.vip
    row.first_response_amount = policy.first_response.amount
    row.first_response_unit = policy.first_response.unit
    row.resolution_amount, row.resolution_unit = policy.resolution.amount, policy.resolution.unit
    row.escalation = document["escalation"]
    row.updated_at, row.version = now, (row.version or 0) + 1


# -- reading -------------------------------------------------------------------------------


async def calendar_rows(session: AsyncSession) -> list[SlaCalendarRow]:
    return list(await session.scalars(select(SlaCalendarRow).order_by(SlaCalendarRow.name)))


async def policy_rows(session: AsyncSession) -> list[SlaPolicyRow]:
    found = await session.scalars(
        select(SlaPolicyRow).order_by(SlaPolicyRow.position, SlaPolicyRow.id))
    return list(found)


async def list_calendars(database: Database) -> list[StoredCalendar]:
    async with database.sessions() as session:
        return [stored_calendar(row) for row in await calendar_rows(session)]


async def list_policies(database: Database) -> list[StoredPolicy]:
    async with database.sessions() as session:
        return [stored_policy(row) for row in await policy_rows(session)]


async def get_calendar(database: Database, name: str) -> StoredCalendar:
    async with database.sessions() as session:
        return stored_calendar(await _calendar_row(session, name))


async def get_policy(database: Database, name: str) -> StoredPolicy:
    async with database.sessions() as session:
        return stored_policy(await _policy_row(session, name))


async def _calendar_row(session: AsyncSession, name: str) -> SlaCalendarRow:
    row = await session.scalar(select(SlaCalendarRow).where(SlaCalendarRow.name == name))
    if row is None:
        raise CalendarNotFound(name)
    return row


async def _policy_row(session: AsyncSession, name: str) -> SlaPolicyRow:
    row = await session.scalar(select(SlaPolicyRow).where(SlaPolicyRow.name == name))
    if row is None:
        raise PolicyNotFound(name)
    return row


# -- writing calendars -------------------------------------------------------------------


async def create_calendar(database: Database, calendar: BusinessCalendar,
                          clock: Clock = _now) -> StoredCalendar:
    row = SlaCalendarRow()
    _write_calendar(row, calendar, clock())
    async with database.writer() as session:
        session.add(row)
        await _commit_named(session, "calendar", calendar.name)
    return stored_calendar(row)


async def replace_calendar(database: Database, calendar: BusinessCalendar,
                           clock: Clock = _now) -> StoredCalendar:
    async with database.writer() as session:
        row = await _calendar_row(session, calendar.name)
        if never_open(calendar):
            await _refuse_if_policies_count_on(session, calendar.name)
        _write_calendar(row, calendar, clock())
        await session.commit()
    return stored_calendar(row)


async def _refuse_if_policies_count_on(session: AsyncSession, name: str) -> None:
    """A policy's clocks count open time: its calendar may not lose every opening hour."""
    policies = [user for user in await calendar_users(session, name) if user.kind == "policy"]
    if policies:
        raise CalendarError("hours", f"{policies[0]} counts its time on this calendar: "
                                     "it needs opening hours")


async def delete_calendar(database: Database, name: str) -> None:
    """Deletes the calendar; CalendarInUse naming who uses it when anyone does."""
    async with database.writer() as session:
        row = await _calendar_row(session, name)
        users = await calendar_users(session, name)
        if users:
            raise CalendarInUse(name, users)
        await session.delete(row)
        await session.commit()


async def calendar_users(session: AsyncSession, name: str) -> list[CalendarUser]:
    policies = await session.scalars(
        select(SlaPolicyRow.name).where(SlaPolicyRow.calendar == name)
        .order_by(SlaPolicyRow.position))
    users = [CalendarUser("policy", policy) for policy in policies]
    published = await session.scalars(
        select(RouteVersion).where(RouteVersion.status == RouteStatus.PUBLISHED.value)
        .order_by(RouteVersion.name))
    for graph in published:
        users.extend(CalendarUser("route", f"{graph.name} v{graph.version} node {node_id}")
                     for node_id in nodes_naming(graph.document, name))
    return users


def nodes_naming(document: Mapping[str, Any], calendar: str) -> Iterator[str]:
    """The ids of a stored graph's nodes that name ``calendar``."""
    nodes = document.get("nodes")
    for node_id, node in (nodes.items() if isinstance(nodes, dict) else ()):
        if (isinstance(node, dict) and node.get("kind") in CALENDAR_NODES
                and node.get("calendar") == calendar):
            yield node_id


async def calendar_names(session: AsyncSession) -> frozenset[str]:
    return frozenset(await session.scalars(select(SlaCalendarRow.name)))


# -- writing policies ----------------------------------------------------------------------


async def create_policy(database: Database, policy: SlaPolicy,
                        clock: Clock = _now) -> StoredPolicy:
    """The new policy goes last in the list (it wins ties only against none)."""
    row = SlaPolicyRow()
    _write_policy(row, policy, clock())
    async with database.writer() as session:
        await _require_calendar(session, policy.calendar)
        last = await session.scalar(select(func.max(SlaPolicyRow.position)))
        row.position = (last or 0) + 1
        session.add(row)
        await _commit_named(session, "policy", policy.name)
    return stored_policy(row)


async def replace_policy(database: Database, policy: SlaPolicy,
                         clock: Clock = _now) -> StoredPolicy:
    async with database.writer() as session:
        row = await _policy_row(session, policy.name)
        await _require_calendar(session, policy.calendar)
        _write_policy(row, policy, clock())
        await session.commit()
    return stored_policy(row)


async def delete_policy(database: Database, name: str) -> None:
    async with database.writer() as session:
        await session.delete(await _policy_row(session, name))
        await session.commit()


async def _require_calendar(session: AsyncSession, name: str) -> None:
    """The policy's calendar exists and has open time for its clocks to count."""
    row = await session.scalar(select(SlaCalendarRow).where(SlaCalendarRow.name == name))
    if row is None:
        raise PolicyError("calendar", f"no calendar named {name!r}")
    if never_open(stored_calendar(row).calendar):
        raise PolicyError("calendar", f"calendar {name!r} is never open: no SLA time "
                                      "could ever be counted on it")


def never_open(calendar: BusinessCalendar) -> bool:
    return not any(calendar.hours.values())


async def _commit_named(session: AsyncSession, kind: str, name: str) -> None:
    try:
        await session.commit()
    except IntegrityError:
        raise NameTaken(kind, name) from None

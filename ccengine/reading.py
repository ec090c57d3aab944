"""The read side of the CLI: tickets and calls from the configured database.

Times are printed in the contact center's zone (``[tickets] timezone``), as the
pages show them; ``--json`` keeps ISO 8601 with the offset.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from ccengine.config import Config
from ccengine.db import Database
from ccengine.tickets import queries
from ccengine.tickets.errors import TicketError
from ccengine.tickets.service import TicketService
from ccengine.tickets.views import CallView, TicketDetail, TicketSummary, to_json


@asynccontextmanager
async def _database(config: Config) -> AsyncIterator[Database]:
    database = Database.open(config.database)
    try:
        await database.migrate()
        yield database
    finally:
        await database.close()


async def print_tickets(config: Config, args: argparse.Namespace) -> int:
    async with _database(config) as database, database.sessions() as session:
        page = await queries.list_tickets(
            session, status=args.status, queue=args.queue, caller=args.caller,
            page=args.page, per_page=args.per_page, region=config.tickets.default_region)
    if args.json:
        print(json.dumps(to_json(page), ensure_ascii=False))
        return 0
    for ticket in page.items:
        print(_ticket_line(ticket))
    print(f"-- {len(page.items)} of {page.total} ticket(s), page {page.page}", file=sys.stderr)
    return 0


async def print_ticket(config: Config, number: str) -> int:
    async with _database(config) as database, database.sessions() as session:
        try:
            detail = await queries.get_ticket(session, number)
        except TicketError as exc:
            print(f"ccengine: {exc}", file=sys.stderr)
            return 1
    print(_ticket_text(detail, ZoneInfo(config.tickets.timezone)))
    return 0


async def print_calls(config: Config, args: argparse.Namespace) -> int:
    async with _database(config) as database, database.sessions() as session:
        page = await queries.list_calls(session, outcome=args.outcome, page=args.page,
                                        per_page=args.per_page)
    if args.json:
        print(json.dumps(to_json(page), ensure_ascii=False))
        return 0
    zone = ZoneInfo(config.tickets.timezone)
    for call in page.items:
        print(_call_line(call, zone))
    print(f"-- {len(page.items)} of {page.total} call(s), page {page.page}", file=sys.stderr)
    return 0


async def add_customer(config: Config, phone: str, name: str | None, vip: bool | None) -> int:
    async with _database(config) as database:
        try:
            customer = await TicketService(database, config.tickets).add_customer(phone, name, vip)
        except TicketError as exc:
            print(f"ccengine: {exc}", file=sys.stderr)
            return 1
    print(json.dumps(to_json(customer), ensure_ascii=False))
    return 0


async def upgrade(config: Config) -> int:
    async with _database(config):
        print("database is at the latest migration")
    return 0


def _ticket_line(ticket: TicketSummary) -> str:
    return (f"{ticket.number:<15} {ticket.priority:<3} {ticket.status:<22} {ticket.kind:<9} "
            f"{ticket.caller or '-':<14} {ticket.queue or '-':<12} {ticket.title}")


def _local(at: datetime, zone: ZoneInfo) -> datetime:
    return at.astimezone(zone)


def _call_line(call: CallView, zone: ZoneInfo) -> str:
    return (f"{_local(call.started_at, zone):%Y-%m-%d %H:%M:%S} {call.outcome:<14} "
            f"{call.caller_number or '?':<14} {call.caller_name or '':<22} "
            f"{call.queue or '-':<12} {call.agent_name or '-':<12} {call.linkedid}")


def _ticket_text(detail: TicketDetail, zone: ZoneInfo) -> str:
    ticket = detail.ticket
    created = _local(ticket.created_at, zone)
    lines = [
        f"{ticket.number}  {ticket.title}",
        f"status {ticket.status}, priority {ticket.priority}, kind {ticket.kind}, "
        f"queue {ticket.queue or '-'}, assignee {ticket.assignee or '-'}",
        f"source {ticket.source_channel}, created {created:%Y-%m-%d %H:%M:%S %Z}",
    ]
    if detail.customer is not None:
        vip = " (VIP)" if detail.customer.vip else ""
        lines.append(f"customer {detail.customer.name or '-'} {detail.customer.phone or ''}{vip}")
    lines.append("activities:")
    lines.extend(f"  {_local(a.created_at, zone):%H:%M:%S} {a.kind:<13} {a.body}"
                 for a in detail.activities)
    for call in detail.calls:
        lines.append(f"call {call.linkedid} ({call.outcome}):")
        lines.extend(f"  {_timeline_line(entry, zone)}" for entry in call.timeline)
    return "\n".join(lines)


def _timeline_line(entry: dict[str, object], zone: ZoneInfo) -> str:
    at = _clock_time(str(entry.get("at", "")), zone)
    rest = " ".join(f"{k}={v}" for k, v in entry.items() if k not in ("at", "kind"))
    return f"{at} {entry.get('kind', '')} {rest}".rstrip()


def _clock_time(iso: str, zone: ZoneInfo) -> str:
    """A timeline entry's ISO time as the zone's HH:MM:SS (as stored when unreadable)."""
    try:
        at = datetime.fromisoformat(iso)
    except ValueError:
        return iso[11:19]
    return f"{_local(at if at.tzinfo else at.replace(tzinfo=UTC), zone):%H:%M:%S}"

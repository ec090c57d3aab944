"""Advanced ticket search on PostgreSQL: typical combined searches at 1,000,000 tickets.

Tickets (titles from a Polish vocabulary plus rarer words), a note on every third
and customers are bulk-loaded with ``generate_series`` (no ORM inserts); the
search index is then filled by ``search_index.backfill``, the migration's own
statement, and its GIN index built. Each search runs through the ticket list's
real query (``find_tickets``: visibility, filters, the page and its total, exact up to
``queries.COUNT_LIMIT``). Titles, statuses, queues and assignees are drawn by a hash of
the ticket's number, so that none follows another (an agent's or a customer's tickets
cover every topic).

The baseline, in the same run and on the same rows: a bare indexed lookup of
the page each search returned (``WHERE number IN (...)`` on its unique index, the same
columns and order). Printed: p50/p95 per kind of search, over all, and the ratio.

    .venv/bin/python benchmarks/search.py [--tickets 1000000] [--repeats 40] [--quick]

Needs PostgreSQL: CCENGINE_TEST_PG_DSN (default postgresql://postgres@127.0.0.1:5432/
postgres); a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _scratch_pg import scratch_database  # noqa: E402  (benchmarks/ is on sys.path)
from _stats import percentile  # noqa: E402  (benchmarks/ is the script's folder, on sys.path)

from ccengine.customers.rules import fold  # noqa: E402
from ccengine.db import Database  # noqa: E402
from ccengine.tickets import search_index  # noqa: E402
from ccengine.tickets.filters import EVERYONE, TicketFilter, Viewer  # noqa: E402
from ccengine.tickets.models import Customer, Ticket  # noqa: E402
from ccengine.tickets.queries import find_tickets  # noqa: E402
from ccengine.tickets.search_query import TicketSearch  # noqa: E402

START = datetime(2025, 1, 1, tzinfo=UTC)
NOUNS = ("drukarki", "faktury", "zamówienia", "przesyłki", "pralki", "lodówki", "telefonu",
         "routera", "internetu", "konta", "hasła", "karty", "umowy", "zwrotu", "dostawy",
         "płatności", "rachunku", "gwarancji", "naprawy", "wymiany")
TOPICS = ("Reklamacja", "Awaria", "Pytanie o", "Zwrot", "Brak", "Opóźnienie", "Zmiana",
          "Anulowanie", "Korekta", "Żółć i")
STATUSES = ("new", "in_progress", "waiting_for_customer", "resolved", "closed")
QUEUES = ("support", "sales", "billing", "tech")
AGENTS = tuple(f"Agent {n}" for n in range(40))
RARE = 5000  # distinct rare words "kod<n>": a few hundred tickets each at 1M
SURNAMES = ("Kowalski", "Nowak", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski",
            "Zieliński", "Szymański", "Woźniak", "Dąbrowski")


def _array(values: Sequence[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(values: Sequence[str], seed: str) -> str:
    return f"({_array(values)})[(1 + ({seed}) % {len(values)})::int]"


def _mixed(seed: str, salt: int) -> str:
    """A non-negative integer of ``seed`` that does not follow it or another salt's: the
    earlier ``i * 7``, ``i * 11``... made every agent's tickets share one topic and every
    customer's one topic, so an agent's search of a word and a customer's ("awaria")
    found all or nothing."""
    return f"(hashint8({seed} * 1000 + {salt}) & 2147483647)"


def _load_sql(tickets: int) -> list[str]:
    customers = max(10, tickets // 20)
    title = (f"{_pick(TOPICS, _mixed('i', 1))} || ' ' || {_pick(NOUNS, _mixed('i', 2))} "
             f"|| ' kod' || ((i * 7919) % {RARE})")
    return [
        f"INSERT INTO customers (id, name, vip, created_at, search_text) SELECT i, "
        f"{_pick(SURNAMES, 'i')} || ' ' || i, false, '{START.isoformat()}', "
        f"{_pick([fold(name) for name in SURNAMES], 'i')} || ' ' || i "  # the app's folding
        f"FROM generate_series(1::bigint, {customers}) i",
        "INSERT INTO tickets (id, number, title, status, priority, kind, queue, assignee, "
        "customer_id, source_channel, created_at, updated_at) SELECT i, "
        "'TK-2025-' || lpad(i::text, 7, '0'), " + title + ", "
        f"{_pick(STATUSES, _mixed('i', 3))}, 'P3', 'call', {_pick(QUEUES, _mixed('i', 4))}, "
        f"CASE WHEN {_mixed('i', 5)} % 5 = 0 THEN NULL ELSE {_pick(AGENTS, _mixed('i', 6))} END, "
        f"1 + i % {customers}, 'phone', "
        f"'{START.isoformat()}'::timestamptz + (i * interval '25 seconds'), "
        f"'{START.isoformat()}'::timestamptz + (i * interval '25 seconds') "
        f"FROM generate_series(1::bigint, {tickets}) i",
        "INSERT INTO ticket_activities (ticket_id, kind, body, data, author, created_at) "
        f"SELECT i, 'note', 'Klient prosi o kontakt w sprawie ' || {_pick(NOUNS, 'i')} "
        f"|| ' nr ' || i, '{{}}', 'Agent 1', '{START.isoformat()}' "
        f"FROM generate_series(3::bigint, {tickets}, 3) i",
    ]


async def _fill(database: Database, tickets: int) -> float:
    began = time.perf_counter()
    async with database.engine.begin() as connection:
        await connection.execute(text("SET session_replication_role = replica"))  # no triggers
        for statement in _load_sql(tickets):
            await connection.execute(text(statement))
        await connection.execute(text("DROP INDEX ix_ticket_search_words"))
        await connection.run_sync(search_index.backfill)
        await connection.execute(text(
            "CREATE INDEX ix_ticket_search_words ON ticket_search USING gin (words)"))
        await connection.execute(text("SET session_replication_role = origin"))
    async with database.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - began


def _searches(tickets: int) -> dict[str, list[tuple[TicketFilter, Viewer]]]:
    """Kinds of typical combined searches, each with varied words."""
    def rare(n: int) -> str:
        return f"kod{(n * 7919) % RARE}"
    return {
        "two words (a topic and a form of a noun)": [
            (TicketFilter(search=TicketSearch(words=f"reklamacja {noun}")), EVERYONE)
            for noun in ("drukarka", "faktura", "pralka", "router", "umowa")],
        "rare word + status": [
            (TicketFilter(status="new", search=TicketSearch(words=rare(n))), EVERYONE)
            for n in range(1, 6)],
        "word + queue + month": [
            (TicketFilter(queue="billing", search=TicketSearch(
                words=word, created_from=START + timedelta(days=30 * m),
                created_to=START + timedelta(days=30 * m + 30))), EVERYONE)
            for m, word in enumerate(("faktury", "zolc", "zwrot", "platnosci", "karta"))],
        "agent's view: folded word": [
            (TicketFilter(search=TicketSearch(words=word)), Viewer(f"Agent {n}"))
            for n, word in enumerate(("ZÓŁĆ", "awaria", "opoznienie", "korekty", "hasla"))],
        # One customer (a five-digit number is in no other name) and a word of the
        # notes on every third ticket, so each of her 20 tickets' search finds some.
        "one customer + word": [
            (TicketFilter(search=TicketSearch(words="kontakt", customer=name)), EVERYONE)
            for name in (f"{SURNAMES[n % len(SURNAMES)]} {n}"
                         for n in (12345, 23456, 34567, 45678, 49999))],
        # Substrings of ~700 customers' names ("20" is in "Kowalski 1207" too): their
        # ~14,000 tickets, spread over the table, are read to find the word's.
        "many customers + word": [
            (TicketFilter(search=TicketSearch(words="awaria", customer=name)), EVERYONE)
            for name in ("kowalski 20", "nowak 21", "wisniewski 32", "wojcik 33", "kaminski 44")],
        "ticket number": [
            (TicketFilter(search=TicketSearch(number=f"tk-2025-{n:07d}")), EVERYONE)
            for n in (1, tickets // 3, tickets // 2, tickets - 1, 42)],
    }


async def _timed_search(database: Database, filters: TicketFilter,
                        viewer: Viewer) -> tuple[float, list[str]]:
    began = time.perf_counter()
    async with database.sessions() as session:
        page = await find_tickets(session, filters, viewer=viewer, per_page=50)
    elapsed = time.perf_counter() - began
    return elapsed, [item.number for item in page.items]


async def _timed_bare(database: Database, numbers: list[str]) -> float:
    began = time.perf_counter()
    async with database.sessions() as session:
        query = (select(Ticket, Customer.phone_e164, Customer.name, Customer.vip)
                 .outerjoin(Customer, Ticket.customer_id == Customer.id)
                 .where(Ticket.number.in_(numbers or [""]))
                 .order_by(Ticket.created_at.desc(), Ticket.id.desc()))
        (await session.execute(query)).all()
    return time.perf_counter() - began


async def measure(database: Database, tickets: int, repeats: int
                  ) -> dict[str, tuple[list[float], list[float], int]]:
    results: dict[str, tuple[list[float], list[float], int]] = {}
    for kind, searches in _searches(tickets).items():
        found, bare, hits = [], [], 0
        for round_ in range(repeats):
            filters, viewer = searches[round_ % len(searches)]
            seconds, ids = await _timed_search(database, filters, viewer)
            found.append(seconds)
            bare.append(await _timed_bare(database, ids))
            hits += len(ids)
        results[kind] = (found, bare, hits // repeats)
    return results


async def benchmark(tickets: int, repeats: int) -> None:
    async with scratch_database("ccengine_bench") as database:
        loaded = await _fill(database, tickets)
        print(f"{tickets} tickets on PostgreSQL, loaded and indexed in {loaded:.1f} s")
        for _ in range(2):  # warm the pool and the caches
            await measure(database, tickets, 6)
        _report(await measure(database, tickets, repeats))


def _ms(values: list[float], fraction: float) -> float:
    return percentile(values, fraction) * 1000


def _report(results: dict[str, tuple[list[float], list[float], int]]) -> None:
    every_search = [s for found, _, _ in results.values() for s in found]
    every_bare = [s for _, bare, _ in results.values() for s in bare]
    for kind, (found, bare, hits) in results.items():
        print(f"{kind}: search p50 {_ms(found, 0.5):.1f} ms, p95 {_ms(found, 0.95):.1f} ms; "
              f"bare p50 {_ms(bare, 0.5):.1f} ms, p95 {_ms(bare, 0.95):.1f} ms "
              f"({hits} rows a page)")
    print(f"all searches: p50 {_ms(every_search, 0.5):.1f} ms, "
          f"p95 {_ms(every_search, 0.95):.1f} ms; bare lookup of the same rows: "
          f"p50 {_ms(every_bare, 0.5):.1f} ms, p95 {_ms(every_bare, 0.95):.1f} ms")
    ratio = percentile(every_search, 0.95) / percentile(every_bare, 0.95)
    print(f"search/bare p95 ratio: {ratio:.2f}")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="2,000 tickets, 5 repeats")
    args = parser.parse_args(argv)
    if args.quick:
        args.tickets, args.repeats = 2000, 5
    asyncio.run(benchmark(args.tickets, args.repeats))


if __name__ == "__main__":
    main()

"""What the wallboard reads: today's calls per queue, and who may sit in which queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.agents.wallboard_stats import OutcomeCount, within
from ccengine.engine import Engine
from ccengine.tickets.models import Call


async def day_counts(session: AsyncSession, since: datetime,
                     threshold: int) -> list[OutcomeCount]:
    """Calls started since ``since`` that reached a queue, counted by queue, outcome
    and wait. Grouped by the wait itself (few distinct values) rather than by a
    comparison, which the two databases group differently."""
    rows = await session.execute(
        select(Call.queue, Call.outcome, Call.hold_seconds, func.count())
        .where(Call.started_at >= since, Call.queue.is_not(None))
        .group_by(Call.queue, Call.outcome, Call.hold_seconds))
    return [OutcomeCount(queue, outcome, within(hold, threshold), count)
            for queue, outcome, hold, count in rows.all() if queue]


def rosters(engine: Engine | None) -> dict[str, set[str]]:
    """Queue → the SIP interfaces of its tiers, over every published graph."""
    found: dict[str, set[str]] = {}
    if engine is None or engine.routing is None:
        return found
    for route in engine.routing.book.routes:
        for name, queue in route.graph.queues.items():
            interfaces = found.setdefault(name, set())
            for tier in queue.tiers:
                interfaces.update(member.interface for member in tier.members)
    return found

"""An agent's queues ("unassigned in my queues"): those of the published route graphs
that list the agent's SIP interface as a member, in any tier."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ccengine.routes.document import graph_from_data
from ccengine.routes.model import RouteGraph
from ccengine.routes.storage_models import RouteStatus, RouteVersion
from ccengine.users.models import User


def queues_with_member(graphs: Iterable[RouteGraph], interface: str) -> frozenset[str]:
    return frozenset(name for graph in graphs for name, queue in graph.queues.items()
                     if any(member.interface == interface
                            for tier in queue.tiers for member in tier.members))


async def queues_of_user(session: AsyncSession, user_id: int | None) -> frozenset[str]:
    """None of any queue for a user without a SIP interface (or an integration)."""
    interface = None if user_id is None else await session.scalar(
        select(User.sip_interface).where(User.id == user_id))
    if not interface:
        return frozenset()
    documents = await session.scalars(select(RouteVersion.document)
                                      .where(RouteVersion.status == RouteStatus.PUBLISHED))
    return queues_with_member((graph_from_data(document) for document in documents), interface)

"""The SLA book the scheduler reads: the built-in one until the stored book is wired in.

The stored book's provider (``SlaBookProvider.current()`` on wip/slastore) fits
``AlertBookProvider`` as it is: pass it to the scheduler instead of this one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ccengine.routes.routing import Routing
from ccengine.sla.calendar import DEFAULT_BUSINESS, BusinessCalendar
from ccengine.sla.policy import SlaPolicy, default_policies


def _default_calendars() -> Mapping[str, BusinessCalendar]:
    always = BusinessCalendar.always_open()
    return {always.name: always, DEFAULT_BUSINESS.name: DEFAULT_BUSINESS}


@dataclass(frozen=True)
class BuiltInBook:
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=_default_calendars)
    policies: Sequence[SlaPolicy] = field(default_factory=default_policies)


@dataclass(frozen=True)
class BuiltInBookProvider:
    book: BuiltInBook = field(default_factory=BuiltInBook)

    async def current(self) -> BuiltInBook:
        return self.book


@dataclass(frozen=True)
class RoutingQueueMembers:
    """Queue members as the published route graphs list them (every tier)."""

    routing: Routing

    def interfaces(self, queue: str) -> frozenset[str]:
        found: set[str] = set()
        for route in self.routing.book.routes:
            graph_queue = route.graph.queues.get(queue)
            for tier in graph_queue.tiers if graph_queue else ():
                found.update(member.interface for member in tier.members)
        return frozenset(found)

"""The published route graphs the executor routes by, swapped whole on a change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ccengine.routes import decisions
from ccengine.routes.model import RouteGraph


@dataclass(frozen=True, slots=True)
class PublishedRoute:
    graph: RouteGraph
    version: int | None  # None: loaded from a file, not from the database


class RouteBook:
    """Which graph takes a call. Replaced, never edited, so a walk in progress
    keeps the graph it started with while the next call gets the new one."""

    def __init__(self, routes: Sequence[PublishedRoute] = ()) -> None:
        self._routes: tuple[PublishedRoute, ...] = tuple(routes)

    def replace(self, routes: Sequence[PublishedRoute]) -> None:
        self._routes = tuple(routes)

    @property
    def routes(self) -> tuple[PublishedRoute, ...]:
        return self._routes

    def select(self, did: str | None, caller: str | None) -> PublishedRoute | None:
        for route in self._routes:
            if decisions.entry_for(route.graph, did, caller) is not None:
                return route
        return None

"""The CRM's answer for a ringing call, as a second message after the pop.

The pop goes out as it always did; the look-up starts when the call rings, and its
answer (or "look-up failed") follows the pop on the same topic as ``{"type": "crm",
"linkedid", "crm"}``, never before it and only while that call is still the agent's
pop. Where the answer is not there yet when the pop goes out, a "loading" message
follows the pop first, so the page shows the card waiting at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Protocol

from ccengine.agents.pop import Pop
from ccengine.crm.model import LookupResult, Query
from ccengine.crm.service import Lookups

LOADING: dict[str, Any] = {"outcome": "loading", "reason": None, "detail": None,
                           "customer": None}


class Console(Protocol):
    pops: dict[str, Pop]

    def publish(self, interface: str, message: dict[str, Any]) -> None: ...

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> Any: ...


def crm_message(pop: Pop, crm: dict[str, Any]) -> dict[str, Any]:
    return {"type": "crm", "linkedid": pop.linkedid, "crm": crm}


class RingLookups:
    def __init__(self, client: Lookups, console: Console) -> None:
        self.client, self.console = client, console

    def on_ring(self, pop: Pop, shown: asyncio.Future[None]) -> None:
        """Called on the event path: it starts the look-up and returns at once;
        ``shown`` is done once the pop has gone out."""
        if not self.client.enabled or not pop.caller_number:
            return
        self.console.spawn(self._follow(pop, Query(phone=pop.caller_number), shown))

    async def _follow(self, pop: Pop, query: Query, shown: asyncio.Future[None]) -> None:
        lookup = asyncio.ensure_future(self.client.lookup(query))  # asked now, in parallel
        try:
            await shown
            if not lookup.done():
                self._publish(pop, LOADING)
            result: LookupResult = await lookup
        finally:
            lookup.cancel()  # only this wait: the client's shared request goes on
        self._publish(pop, result.as_json())

    def _publish(self, pop: Pop, crm: dict[str, Any]) -> None:
        current = self.console.pops.get(pop.interface)
        if current is not None and current.linkedid == pop.linkedid:
            self.console.publish(pop.interface, crm_message(pop, crm))



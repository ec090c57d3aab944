"""The CRM's answer for a ringing call, as a second message after the pop.

The pop goes out as it always did; the look-up starts when the call rings and its
answer (or "look-up failed") follows on the same topic as ``{"type": "crm",
"linkedid", "crm"}``, only while that call is still the agent's pop. A "loading"
message goes first, so the page shows the card waiting at once.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, Protocol

from ccengine.agents.pop import Pop
from ccengine.crm.client import CrmClient
from ccengine.crm.model import LookupResult, Query

LOADING: dict[str, Any] = {"outcome": "loading", "reason": None, "detail": None,
                           "customer": None}


class Console(Protocol):
    pops: dict[str, Pop]

    def publish(self, interface: str, message: dict[str, Any]) -> None: ...

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> Any: ...


def crm_message(pop: Pop, crm: dict[str, Any]) -> dict[str, Any]:
    return {"type": "crm", "linkedid": pop.linkedid, "crm": crm}


class RingLookups:
    def __init__(self, client: CrmClient, console: Console) -> None:
        self.client, self.console = client, console

    def on_ring(self, pop: Pop) -> None:
        """Called on the event path: it starts the look-up and returns at once."""
        if not self.client.enabled or not pop.caller_number:
            return
        self.console.publish(pop.interface, crm_message(pop, LOADING))
        self.console.spawn(self._follow(pop, Query(phone=pop.caller_number)))

    async def _follow(self, pop: Pop, query: Query) -> None:
        result: LookupResult = await self.client.lookup(query)
        current = self.console.pops.get(pop.interface)
        if current is not None and current.linkedid == pop.linkedid:
            self.console.publish(pop.interface, crm_message(pop, result.as_json()))



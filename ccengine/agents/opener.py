"""Opening live calls' tickets in batches, off the event path.

Calls reaching queues ask for their tickets one by one; this opener writes
whatever has gathered while the previous write ran in one transaction
(``Batcher``: one session at a time), so a burst of calls costs a few writes
(SQLite has one writer at a time) and no call waits for another's transaction
to be retried. Nothing is turned away: every call gets its ticket.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ccengine.agents.batcher import Batcher
from ccengine.agents.call_tickets import CallTicket, RingFacts, open_for_calls
from ccengine.config import TicketsConfig
from ccengine.db import Database

BATCH = 100


class TicketOpener:
    def __init__(self, database: Database, config: TicketsConfig) -> None:
        self._database, self._config = database, config
        self._batcher: Batcher[RingFacts, CallTicket] = Batcher(
            "ticket-opener", self._open, batch_size=BATCH)

    def open(self, facts: RingFacts) -> asyncio.Future[CallTicket | None]:
        return self._batcher.submit(facts)

    async def stop(self) -> None:
        await self._batcher.stop()

    async def _open(self, batch: Sequence[RingFacts]) -> list[CallTicket | None]:
        return list(await open_for_calls(self._database, self._config, batch))

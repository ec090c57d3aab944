"""Opening live calls' tickets in batches, off the event path.

Calls reaching queues ask for their tickets one by one; this opener writes
whatever has gathered while the previous write ran in one transaction, so a
burst of calls costs a few writes (SQLite has one writer at a time) and no
call waits for another's transaction to be retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from ccengine.agents.call_tickets import CallTicket, RingFacts, open_for_calls
from ccengine.config import TicketsConfig
from ccengine.db import Database

log = logging.getLogger(__name__)

BATCH = 100

Pending = tuple[RingFacts, "asyncio.Future[CallTicket | None]"]


class TicketOpener:
    def __init__(self, database: Database, config: TicketsConfig) -> None:
        self._database, self._config = database, config
        self._queue: asyncio.Queue[Pending] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def open(self, facts: RingFacts) -> asyncio.Future[CallTicket | None]:
        future: asyncio.Future[CallTicket | None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((facts, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="ticket-opener")
        return future

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while not self._queue.empty():
            batch = [self._queue.get_nowait()]
            while len(batch) < BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                tickets: list[CallTicket | None] = list(await open_for_calls(
                    self._database, self._config, [facts for facts, _ in batch]))
            except Exception:
                log.exception("%d live call ticket(s) could not be opened", len(batch))
                tickets = [None] * len(batch)
            for (_, future), ticket in zip(batch, tickets, strict=True):
                if not future.done():
                    future.set_result(ticket)

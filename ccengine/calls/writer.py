"""Finished calls become tickets off the event path, in batches, losing none.

The tracker hands a finished call over without waiting; this writer stores
them in batches (one transaction each) so a burst of calls costs a few round
trips, and keeps retrying a batch the database refused instead of dropping it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from ccengine.calls.model import FinishedCall

log = logging.getLogger(__name__)

R = TypeVar("R")
Recorder = Callable[[Sequence[FinishedCall]], Awaitable[Sequence[R]]]


class CallWriter(Generic[R]):
    def __init__(self, record: Recorder[R],
                 on_recorded: Callable[[FinishedCall, R], None] | None = None,
                 batch_size: int = 200, retry_delay: float = 1.0) -> None:
        self._record = record
        self._on_recorded = on_recorded
        self._batch_size = batch_size
        self._retry_delay = retry_delay
        self._queue: asyncio.Queue[FinishedCall] = asyncio.Queue()
        self.written = 0

    def submit(self, call: FinishedCall) -> None:
        self._queue.put_nowait(call)

    async def drained(self) -> None:
        await self._queue.join()

    async def run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            results = await self._write(batch)
            for call, result in zip(batch, results, strict=True):
                self._announce(call, result)
                self._queue.task_done()

    async def _write(self, batch: list[FinishedCall]) -> Sequence[R]:
        delay = self._retry_delay
        while True:
            try:
                results = await self._record(batch)
                self.written += len(batch)
                return results
            except Exception:
                log.exception("storing %d finished call(s) failed; retrying in %gs",
                              len(batch), delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    def _announce(self, call: FinishedCall, result: R) -> None:
        if self._on_recorded is None:
            return
        try:
            self._on_recorded(call, result)
        except Exception:
            log.exception("a recorded-call listener failed for %s", call.linkedid)

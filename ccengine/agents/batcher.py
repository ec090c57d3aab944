"""Per-call database work done in batches by one worker, never a task per call.

A burst of new calls used to start one task and one database session per call
(the caller's customer read): 2,000 calls at once emptied the connection pool,
stalled the API and, at 100,000, ended in pool timeouts and hundreds of MB.
Here each call only leaves its item and gets a future; one worker takes what
has gathered (up to ``batch_size``) and does it in one unit of work, so at
most one session per batcher is open however many calls start together.
``max_waiting`` bounds what may wait: past it, an item is answered at once
with None (what a failed batch also gets), for work a call can go without.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from ccengine.cancelling import cancel_and_wait

log = logging.getLogger(__name__)

I = TypeVar("I")  # noqa: E741 - the item asked for
R = TypeVar("R")  # its result

Work = Callable[[Sequence[I]], Awaitable[Sequence[R | None]]]


class Batcher(Generic[I, R]):
    def __init__(self, name: str, work: Work[I, R], batch_size: int = 100,
                 max_waiting: int | None = None) -> None:
        self.name = name
        self._work = work
        self._batch_size = batch_size
        self._max_waiting = max_waiting
        self._queue: asyncio.Queue[tuple[I, asyncio.Future[R | None]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._running: list[tuple[I, asyncio.Future[R | None]]] = []  # the batch in work
        self.turned_away = 0  # items answered None because too many waited

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    def submit(self, item: I) -> asyncio.Future[R | None]:
        future: asyncio.Future[R | None] = asyncio.get_running_loop().create_future()
        if self._max_waiting is not None and self._queue.qsize() >= self._max_waiting:
            self._turn_away(future)
            return future
        self._queue.put_nowait((item, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=self.name)
        return future

    async def stop(self) -> None:
        if self._task is not None:
            await cancel_and_wait([self._task])
        # Answered as a failed batch is: a caller awaiting its item (a call's gate before
        # it is stored) must not wait out its own timeout on shutdown.
        while not self._queue.empty():
            self._running.append(self._queue.get_nowait())
        for _, future in self._running:
            if not future.done():
                future.set_result(None)
        self._running = []

    def _turn_away(self, future: asyncio.Future[R | None]) -> None:
        if self.turned_away == 0:
            log.warning("%s: over %d waiting; further items go without until it drains",
                        self.name, self._max_waiting)
        self.turned_away += 1
        future.set_result(None)

    async def _run(self) -> None:
        while not self._queue.empty():
            batch = self._running = [self._queue.get_nowait()]
            while len(batch) < self._batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            results = await self._results([item for item, _ in batch])
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)

    async def _results(self, items: list[I]) -> Sequence[R | None]:
        try:
            return await self._work(items)
        except Exception:
            log.exception("%s: a batch of %d failed", self.name, len(items))
            return [None] * len(items)

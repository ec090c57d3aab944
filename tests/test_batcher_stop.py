"""A stopped Batcher answers what it still held: nobody waits out a timeout on shutdown.

On Ctrl-C the agent console stops its ticket opener before the engine drains;
a call's gate awaiting its ticket then waited its whole 10 s (TICKET_WAIT_SECONDS).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ccengine.agents.batcher import Batcher


async def test_stop_answers_the_running_and_the_queued_items_with_none() -> None:
    never = asyncio.Event()

    async def work(items: Sequence[str]) -> list[str | None]:
        await never.wait()  # a write that does not finish before the stop
        return list(items)

    batcher: Batcher[str, str] = Batcher("test", work, batch_size=1)
    running = batcher.submit("first")
    await asyncio.sleep(0)  # the first batch is in work
    queued = batcher.submit("second")
    await asyncio.wait_for(batcher.stop(), 10)
    assert running.done() and queued.done()
    assert (running.result(), queued.result()) == (None, None)

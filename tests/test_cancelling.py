"""cancel_and_wait ends tasks that lose a cancel (Python 3.11's wait_for race)."""

from __future__ import annotations

import asyncio
import contextlib

from ccengine.cancelling import cancel_and_wait


async def _loses_first_cancel(forever: asyncio.Event) -> None:
    with contextlib.suppress(asyncio.CancelledError):  # as wait_for does when it races
        await forever.wait()
    await forever.wait()  # runs on: only a second cancel ends it


async def _fails() -> None:
    raise RuntimeError("a failure while stopping")


async def test_a_task_that_loses_the_first_cancel_still_ends() -> None:
    task = asyncio.create_task(_loses_first_cancel(asyncio.Event()))
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait([task], again_after=0.01), 10)
    assert task.cancelled()


async def test_ended_and_failed_tasks_are_waited_quietly() -> None:
    failed = asyncio.create_task(_fails())
    done = asyncio.create_task(asyncio.sleep(0))
    await asyncio.sleep(0.01)
    await cancel_and_wait([failed, done])
    assert failed.done() and done.done()

"""Cancelling tasks until they have ended: every stop on shutdown uses it.

On Python 3.11 ``asyncio.wait_for`` returns the awaited result when that completes
in the same loop pass as the cancel (fixed in 3.12): the cancel is lost and the
task runs on. A stop that cancels once and then waits for the task could wait for
ever; Ctrl-C once hung ``ccengine demo`` so (a simulated call woken by an AGI
command just as it was cancelled). A task still running after a short pause is
cancelled again, so a stop ends as soon as each task next awaits.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

CANCEL_AGAIN_SECONDS = 0.5


async def cancel_and_wait(tasks: Iterable[asyncio.Task[Any]],
                          again_after: float = CANCEL_AGAIN_SECONDS) -> None:
    """Cancel the tasks and return once all have ended (their errors are dropped:
    a stopping task's failure has nobody left to tell)."""
    every = list(tasks)
    pending = {task for task in every if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=again_after)
    for task in every:
        if not task.cancelled():
            task.exception()  # retrieved: no "exception was never retrieved" at exit

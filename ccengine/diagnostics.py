"""SIGUSR1 prints where every asyncio task waits: for a process that will not stop.

faulthandler shows threads, and an idle event loop's thread only says "select";
the question is which task waits for what. `kill -USR1 <pid>` answers it on stderr
without stopping anything (installed by `ccengine serve` and `ccengine demo`).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any, TextIO


def install_task_dump(stream: TextIO | None = None) -> None:
    """Print every task's awaiting chain on SIGUSR1 (call from inside the running loop)."""
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, dump_tasks, stream)


def dump_tasks(stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    tasks = sorted(asyncio.all_tasks(), key=lambda task: task.get_name())
    print(f"--- {len(tasks)} asyncio tasks ---", file=out)
    for task in tasks:
        print(f"task {task.get_name()}{' (cancelling)' if task.cancelling() else ''}:", file=out)
        for line in awaiting_chain(task.get_coro()):
            print(f"    {line}", file=out)
    out.flush()


def awaiting_chain(awaitable: Any) -> Iterator[str]:
    """Each suspended frame down the chain of awaits, then what the innermost waits on.

    Task.print_stack shows only the task's outer coroutine; the wait that matters
    is usually several awaits deeper (cr_await / gi_yieldfrom).
    """
    depth = 0
    while awaitable is not None and depth < 50:
        frame: FrameType | None = getattr(awaitable, "cr_frame", None) or getattr(
            awaitable, "gi_frame", None) or getattr(awaitable, "ag_frame", None)
        if frame is None:
            yield f"waits on {_short(awaitable)}"
            return
        yield f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
        awaitable = getattr(awaitable, "cr_await", None) or getattr(
            awaitable, "gi_yieldfrom", None) or getattr(awaitable, "ag_await", None)
        depth += 1


def _short(thing: Any) -> str:
    text = repr(thing)
    return text if len(text) <= 300 else text[:297] + "..."

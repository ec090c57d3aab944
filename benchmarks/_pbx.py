"""The simulated PBX in a process of its own, as the benchmarks run it.

A benchmark measures the engine; the PBX that feeds it must not share its
event loop or its CPU time. ``PbxProcess.start(serve, ...)`` forks a child
running ``serve(secret, *args, pipe)``: the child starts an ``AmiServer``,
sends its port down the pipe, then follows the words the parent sends
("stop" ends it). Shared by benchmarks/ami_ingest.py, routing.py and call_burst.py.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

START_TIMEOUT = 30.0  # seconds for the child to report its port


@dataclass(slots=True)
class PbxProcess:
    process: multiprocessing.Process
    pipe: Connection
    port: int
    secret: str

    @classmethod
    def start(cls, serve: Callable[..., None], *args: Any, name: str = "pbx",
              context: str = "fork") -> PbxProcess:
        """``context="spawn"`` starts the child from a fresh interpreter: nothing of the
        parent's memory (a big heap would be copied on write and counted twice)."""
        processes = multiprocessing.get_context(context)
        ours, theirs = processes.Pipe()
        secret = secrets.token_hex(8)
        process = processes.Process(target=serve, args=(secret, *args, theirs), name=name,
                                  daemon=True)
        process.start()
        theirs.close()
        if not ours.poll(START_TIMEOUT):
            process.kill()
            raise RuntimeError("the simulated PBX did not start")
        return cls(process, ours, int(ours.recv()), secret)

    async def ask(self, word: str, timeout: float = 120.0) -> object:
        """Send ``word`` and wait (off the loop) for the child's answer."""
        self.pipe.send(word)
        loop = asyncio.get_running_loop()
        ready = await loop.run_in_executor(None, self.pipe.poll, timeout)
        if not ready:
            raise RuntimeError(f"the simulated PBX did not answer {word!r}")
        return self.pipe.recv()

    def stop(self) -> None:
        if self.process.is_alive():
            self.pipe.send("stop")
            self.process.join(10.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()

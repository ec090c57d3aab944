"""Checking passwords off the event loop, a bounded number at a time.

argon2 takes 0.3–1.2 s of CPU per check here. On the event loop every login
froze calls, pops and the health check; unbounded, a flood of logins would
queue without end. ``PasswordChecker`` runs checks on a few threads of its
own (argon2-cffi releases the GIL while hashing; half the cores at most) and admits only a bounded
number of logins at once, and at most ``MAX_LOGINS_PER_ADDRESS`` from one
client address, so that one client cannot take every place; more raise
``LoginBusy`` (429) at once.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from ccengine.users.service import verify_password

# Half the cores at most: argon2 (4 lanes) saturates what it gets, and calls need the rest.
HASH_THREADS = max(1, (os.cpu_count() or 2) // 2)
MAX_LOGINS_IN_FLIGHT = 8  # hashing plus waiting; the rest are told to retry later
MAX_LOGINS_PER_ADDRESS = 2  # a person logs in once; a flood from one address waits its turn


class LoginBusy(Exception):
    """Too many logins are being checked; the client should retry shortly."""


class PasswordChecker:
    def __init__(self, threads: int = HASH_THREADS,
                 max_in_flight: int = MAX_LOGINS_IN_FLIGHT,
                 max_per_address: int = MAX_LOGINS_PER_ADDRESS) -> None:
        self.threads = threads
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="argon2")
        self.max_in_flight = max_in_flight
        self.max_per_address = max_per_address
        self.in_flight = 0
        self._by_address: Counter[str] = Counter()

    @contextmanager
    def admission(self, address: str) -> Iterator[None]:
        """Hold a login's place for its whole path; LoginBusy when all are taken,
        or when ``address`` already holds its share."""
        if self.in_flight >= self.max_in_flight:
            raise LoginBusy("too many logins in progress; retry in a few seconds")
        if self._by_address[address] >= self.max_per_address:
            raise LoginBusy("too many logins from this address; retry in a few seconds")
        self.in_flight += 1
        self._by_address[address] += 1
        try:
            yield
        finally:
            self.in_flight -= 1
            self._by_address[address] -= 1
            if not self._by_address[address]:
                del self._by_address[address]  # no memory of addresses once they are done

    async def verify(self, password_hash: str, password: str) -> bool:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, verify_password,
                                          password_hash, password)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)

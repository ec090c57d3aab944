"""An in-memory limiter of failed logins, per login and client address.

Per process: enough to stop password guessing against one server; behind
several workers each keeps its own count (the limit is then per worker).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW_SECONDS = 300.0


class LoginLimiter:
    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def blocked(self, login: str, address: str) -> bool:
        return len(self._recent(_key(login, address))) >= self.max_failures

    def failed(self, login: str, address: str) -> None:
        key = _key(login, address)
        self._failures[key] = self._recent(key)
        self._failures[key].append(self._clock())

    def succeeded(self, login: str, address: str) -> None:
        self._failures.pop(_key(login, address), None)

    def _recent(self, key: tuple[str, str]) -> deque[float]:
        """The failures of ``key`` inside the window; idle keys are forgotten."""
        times = self._failures.pop(key, deque())
        cutoff = self._clock() - self.window
        while times and times[0] <= cutoff:
            times.popleft()
        if times:
            self._failures[key] = times
        return times


def _key(login: str, address: str) -> tuple[str, str]:
    return login.strip().casefold(), address

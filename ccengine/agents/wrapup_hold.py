"""Holding an agent in wrap-up on the PBX.

While the console holds an agent in wrap-up, Asterisk must not ring her (the
queue's own wrapuptime knows nothing of the console's): she is paused in all
her queues with the wrap-up reason, and unpaused when the wrap-up ends, unless
she paused herself meanwhile. The console owns one ``WrapUpHold`` and tells it
after every change of presence; the PBX action is set where there is a PBX.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from ccengine.agents.presence import Activity, Agent, Presence

log = logging.getLogger(__name__)

Pauser = Callable[[str, bool], Awaitable[None]]  # (interface, hold): QueuePause for wrap-up
Spawn = Callable[[Coroutine[Any, Any, None]], asyncio.Task[None]]


class WrapUpHold:
    def __init__(self, presence: Presence, spawn: Spawn) -> None:
        self.presence = presence
        self.pauser: Pauser | None = None  # set where there is a PBX to pause on
        self._spawn = spawn
        self._wrapping: set[str] = set()  # interfaces held (paused) for their wrap-up
        self._holds: dict[str, asyncio.Task[None]] = {}  # each interface's last hold action

    def sync(self, interface: str) -> None:
        agent = self.presence.view(interface)
        wrapping = agent.activity is Activity.WRAP_UP
        if wrapping and interface not in self._wrapping:
            self._wrapping.add(interface)
            self._hold(interface, True)
        elif not wrapping and (interface in self._wrapping or agent.paused_for_wrap_up):
            # also a wrap-up pause this process did not make (it was restarted meanwhile)
            self._wrapping.discard(interface)
            self._hold(interface, False)

    async def done(self, interface: str) -> None:
        """Once the interface's last hold action has run."""
        task = self._holds.get(interface)
        if task is not None:
            await asyncio.wait({task})

    def _hold(self, interface: str, hold: bool) -> None:
        """Hold actions of one interface run in order: an unpause never overtakes its pause."""
        if self.pauser is None:
            return
        self._holds[interface] = self._spawn(
            self._hold_after(self._holds.get(interface), interface, hold))

    async def _hold_after(self, before: asyncio.Task[None] | None, interface: str,
                          hold: bool) -> None:
        if before is not None:
            await asyncio.wait({before})
        agent = self.presence.view(interface)
        if self.pauser is None or not _hold_wanted(agent, hold):
            return
        try:
            await self.pauser(interface, hold)
        except Exception as exc:  # the PBX refused or is gone: the next event retries
            log.warning("agent console: %s for wrap-up of %s failed: %s",
                        "pause" if hold else "unpause", interface, exc)


def _hold_wanted(agent: Agent, hold: bool) -> bool:
    """Pause for wrap-up only one logged in and not paused already; unpause only a
    wrap-up pause, never a break she took meanwhile (nor during a new wrap-up)."""
    if hold:
        return bool(agent.queues) and not (agent.paused_for_wrap_up or agent.paused_otherwise)
    return (agent.activity is not Activity.WRAP_UP and agent.paused_for_wrap_up
            and not agent.paused_otherwise)

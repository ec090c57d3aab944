"""Delivery of the console's messages to the websockets of an agent's seats.

A message for an interface goes, over the hub on topic ``agent``, to every user
sitting at it. The directory knows most interfaces already; for one it does not,
the users are read once, and the messages made meanwhile wait for that lookup
and then go out in the order they were made.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from ccengine.agents.directory import Directory, Seat
from ccengine.agents.pop import seen_by
from ccengine.web.hub import Hub, Message

log = logging.getLogger(__name__)

TOPIC = "agent"
Spawn = Callable[[Coroutine[Any, Any, None]], object]


class Delivery:
    def __init__(self, directory: Directory, hub: Hub, spawn: Spawn) -> None:
        self.directory, self.hub = directory, hub
        self._spawn = spawn
        self._unsent: dict[str, list[Message]] = {}  # messages waiting for a seat lookup

    def publish(self, interface: str, message: Message) -> None:
        waiting = self._unsent.get(interface)
        if waiting is not None:
            waiting.append(message)  # behind the ones already waiting for the lookup
        elif not self.directory.knows(interface):
            self._unsent[interface] = [message]
            self._spawn(self._publish_later(interface))
        else:
            self._deliver(self.directory.seats(interface), message)

    async def seats(self, interface: str) -> tuple[Seat, ...]:
        return await self.directory.lookup(interface)

    async def _publish_later(self, interface: str) -> None:
        """One lookup per unknown interface; its messages go out in the order made."""
        seats: tuple[Seat, ...] = ()
        try:
            seats = await self.directory.lookup(interface)
        except Exception:
            log.exception("agent console: the users at an interface could not be read")
        for message in self._unsent.pop(interface, []):
            self._deliver(seats, message)

    def _deliver(self, seats: tuple[Seat, ...], message: Message) -> None:
        for seat in seats:
            self.hub.publish(TOPIC, seen_by(message, seat.viewer), user_id=seat.user_id)

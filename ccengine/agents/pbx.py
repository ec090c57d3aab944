"""The agent's actions on the PBX: QueueAdd, QueuePause, QueueRemove, Originate.

Asterisk answers each action at once and then tells the outcome as an event
(QueueMemberAdded, ...), which reaches the presence machine through the event
pipeline. An action waits briefly for that, so its HTTP answer shows the new
state. A refused action is a 502 with Asterisk's words; no connection, 503.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from ccengine.agents import callbacks
from ccengine.agents.console import AgentConsole
from ccengine.agents.directory import Seat
from ccengine.agents.presence import WRAP_UP_REASON, Agent
from ccengine.ami.connection import ActionResult
from ccengine.ami.errors import AmiError
from ccengine.engine import Engine
from ccengine.web.errors import ApiError

SHOWN_WITHIN = 1.0  # seconds an action waits for its event to reach the presence
ALREADY_THERE = "Already there"
NOT_THERE = "Not there"
NOT_DYNAMIC = "Member not dynamic"  # QueueRemove of a member of queues.conf


class ConsoleError(ApiError):
    """A console request refused (by us or by the PBX): its HTTP status and error id."""

    def __init__(self, status: int, error_id: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_id = status, error_id


def queues_of(console: AgentConsole, interface: str) -> list[tuple[str, int]]:
    """(queue, penalty) for every queue of the published graphs that lists the
    interface: tier i of a queue is penalty i, as ``asterisk-config`` renders it."""
    found: dict[str, int] = {}
    routing = console.routing
    for route in routing.book.routes if routing else ():
        for name, queue in route.graph.queues.items():
            for penalty, tier in enumerate(queue.tiers):
                if any(m.interface == interface for m in tier.members):
                    found[name] = min(found.get(name, penalty), penalty)
    return sorted(found.items())


def static_member(interface: str, queues: list[str]) -> ConsoleError:
    return ConsoleError(
        409, "static-member",
        f"{interface} is a static member of {', '.join(sorted(queues))} in Asterisk's "
        "queues.conf: Asterisk rings a static member whether logged in or not and cannot "
        "log it out. Remove its 'member =>' lines (ccengine asterisk-config writes none) "
        "and reload the queues; until then, pause to stop calls.")


class AgentPbx:
    def __init__(self, engine: Engine, console: AgentConsole) -> None:
        self.engine, self.console = engine, console

    async def log_in(self, seat: Seat, queues: Mapping[str, int]) -> None:
        for queue, penalty in queues.items():
            await self._send({"Action": "QueueAdd", "Queue": queue, "Interface": seat.interface,
                              "Penalty": str(penalty), "MemberName": seat.display_name,
                              "Paused": "false"}, seat, tolerate=ALREADY_THERE)
        await self._shown(lambda: set(queues) <= set(self._agent(seat).queues))

    async def pause(self, seat: Seat, reason: str | None) -> None:
        if not self._agent(seat).queues:
            raise ConsoleError(409, "not-logged-in", "log in to a queue first")
        action = {"Action": "QueuePause", "Interface": seat.interface,
                  "Paused": "true" if reason else "false"}
        if reason:
            action["Reason"] = reason
        await self._send(action, seat)
        await self._shown(lambda: all(m.paused == bool(reason)
                                      for m in self._agent(seat).queues.values()))

    async def hold_for_wrap_up(self, interface: str, hold: bool) -> None:
        """While the console holds her in wrap-up Asterisk must not ring her: paused
        with the wrap-up reason in every queue she is in (QueuePause without Queue)."""
        action = {"Action": "QueuePause", "Interface": interface,
                  "Paused": "true" if hold else "false"}
        if hold:
            action["Reason"] = WRAP_UP_REASON
        await self._send_on(action, interface)
        await self._shown(
            lambda: self.console.presence.view(interface).paused_for_wrap_up == hold)

    async def log_out(self, seat: Seat) -> None:
        """QueueRemove from every queue; refused whole (409 static-member) while she is
        a static member anywhere, which Asterisk would keep ringing: no silent 200."""
        memberships = list(self._agent(seat).queues.values())
        static = [m.queue for m in memberships if not m.dynamic]
        if static:
            raise static_member(seat.interface, static)
        for membership in memberships:
            await self._remove(seat, membership.queue)
        queues = {m.queue for m in memberships}
        await self._shown(lambda: not queues & set(self._agent(seat).queues))

    async def call_back(self, seat: Seat, target: callbacks.Target, number: str,
                        outbound: bool = False) -> int:
        """Click-to-call the customer of ticket ``number`` (a callback, or ``outbound``
        from the ticket's page)."""
        database = self.console.database
        action = callbacks.originate_action(target, seat.interface, number, self.console.config)
        now = datetime.now(UTC)
        attempt = await callbacks.start_attempt(database, target, action, seat.user_id,
                                                seat.display_name, now, outbound)
        try:
            await self._send(action, seat)
        except ConsoleError:
            await callbacks.fail_attempt(database, attempt, datetime.now(UTC))
            raise
        return attempt

    # -- plumbing --------------------------------------------------------------

    async def _remove(self, seat: Seat, queue: str) -> None:
        action = {"Action": "QueueRemove", "Queue": queue, "Interface": seat.interface}
        try:
            await self._send(action, seat, tolerate=NOT_THERE)
        except ConsoleError as exc:
            # Static although the presence had not heard so (no QueueStatus since).
            if exc.error_id == "pbx-refused" and NOT_DYNAMIC in str(exc):
                raise static_member(seat.interface, [queue]) from None
            raise

    def _agent(self, seat: Seat) -> Agent:
        return self.console.presence.view(seat.interface)

    async def _send(self, action: dict[str, str], seat: Seat,
                    tolerate: str | None = None) -> ActionResult:
        return await self._send_on(action, seat.interface, tolerate)

    async def _send_on(self, action: dict[str, str], interface: str,
                       tolerate: str | None = None) -> ActionResult:
        pbx = self.console.presence.view(interface).pbx or None
        try:
            result = await self.engine.send_action(action, pbx)
        except AmiError as exc:
            raise ConsoleError(503, "pbx-unavailable",
                               f"the PBX cannot be reached ({exc})") from None
        if not result.success and not (tolerate and tolerate in result.message):
            raise ConsoleError(502, "pbx-refused",
                           f"Asterisk refused {action['Action']}: {result.message}")
        return result

    @staticmethod
    async def _shown(done: Callable[[], bool]) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + SHOWN_WITHIN
        while not done() and loop.time() < deadline:  # noqa: ASYNC110 - no event to wait on
            await asyncio.sleep(0.01)

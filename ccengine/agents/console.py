"""The agent console service: presence and screen-pops, published over the hub.

It listens to the engine's typed events (after the call tracker), keeps the
presence machine and each interface's current pop, and publishes on topic
``agent`` to the users sitting at that interface: ``{"type": "agent", ...}``
when their state changes, ``{"type": "pop", ...}`` as a call rings, is
answered, ends or is missed. The event path never awaits: database work runs
in tasks started before the ring — the customer is read when the call first
shows its caller, its ticket opened when it joins a queue — so the pop is
usually complete the moment AgentCalled arrives.

While the console holds an agent in wrap-up, Asterisk must not ring her: she
is paused in her queues meanwhile (``wrapup_hold``). A ring that comes all the
same does not take away the wrap-up she is writing: that pop is put aside and
comes back after the new call, until she saves it. Messages reach her seats
through ``delivery``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, ClassVar

from ccengine.agents import pops
from ccengine.agents.call_tickets import CallTicket, assign_on_answer, fold_answered
from ccengine.agents.customer_reader import CustomerReader
from ccengine.agents.delivery import Delivery
from ccengine.agents.directory import Directory
from ccengine.agents.opener import TicketOpener
from ccengine.agents.pop import CustomerFacts, Pop, PopState
from ccengine.agents.presence import Presence
from ccengine.agents.wrapup_hold import Pauser, WrapUpHold
from ccengine.ami import events as ev
from ccengine.calls.model import FinishedCall, Outcome
from ccengine.cancelling import cancel_and_wait
from ccengine.config import AgentsConfig, TicketsConfig
from ccengine.db import Database
from ccengine.routes.routing import Routing
from ccengine.tickets.phones import normalise
from ccengine.web.hub import Hub, Message

log = logging.getLogger(__name__)

REMEMBER = 10_000  # calls whose queue join and ticket are kept
TICKET_WAIT_SECONDS = 10.0
# A pop waits this long for its ticket to be written; then it goes without and the
# ticket follows in a second message (SQLite's one writer may be busy a while).
TICKET_BUDGET_SECONDS = 0.05
DIRECTORY_REFRESH_SECONDS = 30.0
Key = tuple[str, str]
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class AgentConsole:
    def __init__(self, database: Database, tickets: TicketsConfig, config: AgentsConfig,
                 hub: Hub, routing: Routing | None = None, clock: Clock = utc_now) -> None:
        self.database, self.tickets, self.config = database, tickets, config
        self.hub, self.routing, self.clock = hub, routing, clock
        self.presence = Presence(config.wrapup_seconds)
        self.directory = Directory(database)
        self.pops: dict[str, Pop] = {}  # interface → its current pop
        self._unsaved: dict[str, list[Pop]] = {}  # wrap-ups a ring put aside
        self._holding = WrapUpHold(self.presence, self.spawn)
        self._delivery = Delivery(self.directory, hub, self.spawn)
        self.on_originate: list[Callable[[ev.OriginateResult], None]] = []
        # A new pop, and when it has gone out (the CRM look-up starts at once and
        # its answer follows the pop, never before it).
        self.on_ring: list[Callable[[Pop, asyncio.Future[None]], None]] = []
        self._joined: OrderedDict[Key, datetime] = OrderedDict()
        self._call_tickets: OrderedDict[Key, asyncio.Future[CallTicket | None]] = OrderedDict()
        self._customers: OrderedDict[Key, asyncio.Future[CustomerFacts | None]] = OrderedDict()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._opener = TicketOpener(database, tickets)
        self._customer_reader = CustomerReader(database)

    @property
    def pauser(self) -> Pauser | None:
        """The PBX action that holds an agent in wrap-up; set where there is a PBX."""
        return self._holding.pauser

    @pauser.setter
    def pauser(self, pauser: Pauser | None) -> None:
        self._holding.pauser = pauser

    # -- life ------------------------------------------------------------------

    async def start(self) -> None:
        try:
            await self.directory.refresh()
        except Exception:
            log.exception("agent console: users could not be read; will retry")
        self._ticker = asyncio.create_task(self._tick(), name="agent-console-tick")

    async def stop(self) -> None:
        tasks = [t for t in (self._ticker, *self._tasks) if t is not None]
        await cancel_and_wait(tasks)
        await self._opener.stop()
        await self._customer_reader.stop()

    async def _tick(self) -> None:
        """Wrap-ups that ran out of time end; the users' seats are read again now and then."""
        last_refresh = asyncio.get_running_loop().time()
        while True:
            await asyncio.sleep(0.5)
            for interface in self.presence.expired_wrap_ups(self.clock()):
                self._after_wrap_up(interface)
            if asyncio.get_running_loop().time() - last_refresh > DIRECTORY_REFRESH_SECONDS:
                last_refresh = asyncio.get_running_loop().time()
                with contextlib.suppress(Exception):
                    await self.directory.refresh()

    # -- reading (the API and the hub) -----------------------------------------

    def agent_message(self, interface: str) -> Message:
        return {"type": "agent", "agent": self.presence.view(interface).as_json()}

    def pop_message(self, interface: str) -> Message:
        pop = self.pops.get(interface)
        return {"type": "pop", "pop": pop.as_json() if pop else None}

    # -- the engine's events ---------------------------------------------------

    def on_event(self, event: ev.Event) -> None:
        for interface in self.presence.handle(event, self.clock()):
            self.publish(interface, self.agent_message(interface))
            self._holding.sync(interface)
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(self, event)

    async def settled(self, call: FinishedCall) -> None:
        """Gate before a finished call is recorded: its live ticket is written. Pops of
        a call whose end was not seen (it ended while the AMI link was down) end too."""
        self._call_over((call.pbx, call.linkedid))
        task = self._call_tickets.get((call.pbx, call.linkedid))
        ticket = None
        if task is not None:
            with contextlib.suppress(Exception):
                ticket = await asyncio.wait_for(asyncio.shield(task), TICKET_WAIT_SECONDS)
        if ticket is not None and ticket.follow_up and call.outcome is Outcome.ANSWERED:
            try:
                await fold_answered(self.database, ticket.id, self.tickets, self.clock())
            except Exception:  # the call is recorded all the same, on its follow-up
                log.exception("agent console: %s could not fold into its reopened ticket",
                              ticket.number)

    def _on_caller_seen(self, event: ev.Event) -> None:
        """The caller's customer is read while the call is in the IVR, not when it rings."""
        assert isinstance(event, ev.ChannelEvent)
        channel = event.channel
        if channel.originates_call and channel.caller_num:
            self._customer_task(event.pbx, event.linkedid, channel.caller_num)

    def _on_join(self, event: ev.Event) -> None:
        """A call that reaches a queue gets a ticket whatever happens next (answered or
        missed): it is opened now, so it is there by the time an agent's phone rings."""
        assert isinstance(event, ev.QueueCallerJoined)
        _bounded(self._joined, (event.pbx, event.linkedid), event.at)
        self._ticket_task(event, event.queue)

    def _on_rang(self, event: ev.Event) -> None:
        assert isinstance(event, ev.AgentRang)
        key, interface = (event.pbx, event.linkedid), event.interface
        current = self.pops.get(interface)
        if current is not None and (current.pbx, current.linkedid) == key:
            self._set_pop(current.moved(PopState.RINGING))  # rung again after a retry
            return
        if current is not None and current.state is PopState.WRAP_UP:
            self._unsaved.setdefault(interface, []).append(current)
        pop = pops.ringing_pop(event, self._joined.get(key), self.routing, self.tickets)
        self.pops[interface] = pop
        customer = self._customer_task(event.pbx, event.linkedid, event.channel.caller_num)
        shown: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.spawn(self._complete(pop, customer, self._ticket_task(event, event.queue), shown))
        for listener in self.on_ring:
            listener(pop, shown)

    def _on_connect(self, event: ev.Event) -> None:
        assert isinstance(event, ev.AgentConnected)
        self._missed_on((event.pbx, event.linkedid), but=event.interface)
        pop = self.pops.get(event.interface)
        if pop is None or pop.linkedid != event.linkedid:
            return
        self._set_pop(pop.moved(PopState.CONNECTED))
        self.spawn(self._assign(pop, event))

    def _on_no_answer(self, event: ev.Event) -> None:
        assert isinstance(event, ev.AgentRingNoAnswer)
        pop = self.pops.get(event.interface)
        if pop is not None and pop.linkedid == event.linkedid and pop.state is PopState.RINGING:
            self._set_pop(pop.moved(PopState.MISSED))

    def _on_complete(self, event: ev.Event) -> None:
        assert isinstance(event, ev.AgentCompleted)
        pop = self.pops.get(event.interface)
        if pop is not None and pop.linkedid == event.linkedid:
            self._set_pop(pop.moved(PopState.WRAP_UP))

    def _on_caller_gone(self, event: ev.Event) -> None:
        if isinstance(event, ev.ChannelHungUp) and not event.channel.originates_call:
            return
        assert isinstance(event, ev.ChannelEvent)
        self._missed_on((event.pbx, event.linkedid))

    def _on_originate(self, event: ev.Event) -> None:
        assert isinstance(event, ev.OriginateResult)
        for listener in self.on_originate:
            listener(event)

    _handlers: ClassVar[dict[type[ev.Event], Callable[[AgentConsole, ev.Event], None]]] = {
        ev.ChannelCreated: _on_caller_seen, ev.CallerIdChanged: _on_caller_seen,
        ev.QueueCallerJoined: _on_join, ev.AgentRang: _on_rang,
        ev.AgentConnected: _on_connect, ev.AgentRingNoAnswer: _on_no_answer,
        ev.AgentCompleted: _on_complete, ev.QueueCallerAbandoned: _on_caller_gone,
        ev.ChannelHungUp: _on_caller_gone, ev.OriginateResult: _on_originate,
    }

    # -- pops ------------------------------------------------------------------

    def _missed_on(self, key: Key, but: str | None = None) -> None:
        for interface, pop in list(self.pops.items()):
            if ((pop.pbx, pop.linkedid) == key and interface != but
                    and pop.state is PopState.RINGING):
                self._set_pop(pop.moved(PopState.MISSED))

    def _call_over(self, key: Key) -> None:
        for pop in list(self.pops.values()):
            if (pop.pbx, pop.linkedid) != key:
                continue
            if pop.state is PopState.RINGING:
                self._set_pop(pop.moved(PopState.MISSED))
            elif pop.state is PopState.CONNECTED:
                self._set_pop(pop.moved(PopState.WRAP_UP))

    def _set_pop(self, pop: Pop) -> None:
        self.pops[pop.interface] = pop
        self.publish(pop.interface, {"type": "pop", "pop": pop.as_json()})
        if pop.state is PopState.MISSED:
            self._bring_back(pop.interface)

    def _bring_back(self, interface: str) -> None:
        """The wrap-up a ring put aside is shown again once that ring is over."""
        unsaved = self._unsaved.get(interface)
        if unsaved:
            self._set_pop(unsaved.pop())
            if not unsaved:
                del self._unsaved[interface]

    def _customer_task(self, pbx: str, linkedid: str,
                       number: str | None) -> asyncio.Future[CustomerFacts | None]:
        """Read in a batch with the other calls starting now (no task or session per call)."""
        key = (pbx, linkedid)
        future = self._customers.get(key)
        if future is None:
            future = self._customer_reader.read(normalise(number, self.tickets.default_region))
            _bounded(self._customers, key, future)
        return future

    def _ticket_task(self, event: ev.ChannelEvent,
                     queue: str) -> asyncio.Future[CallTicket | None]:
        key = (event.pbx, event.linkedid)
        task = self._call_tickets.get(key)
        if task is None:
            facts = pops.ring_facts(event, queue, self.routing, self.tickets)
            task = self._opener.open(facts)
            _bounded(self._call_tickets, key, task)
        return task

    async def _complete(self, pop: Pop, customer_task: asyncio.Future[CustomerFacts | None],
                        ticket_task: asyncio.Future[CallTicket | None],
                        shown: asyncio.Future[None]) -> None:
        """The pop with the customer, and its ticket when written within the budget;
        else the ticket follows in a second message. The call may have moved on."""
        try:
            customer = await asyncio.shield(customer_task)
            await asyncio.wait({ticket_task}, timeout=TICKET_BUDGET_SECONDS)
            ticket = ticket_task.result() if ticket_task.done() else None
            published = self._publish_completed(pop, ticket, customer)
        finally:
            if not shown.done():
                shown.set_result(None)
        if not published or ticket_task.done():
            return
        ticket = await asyncio.shield(ticket_task)
        self._publish_completed(pop, ticket, None)

    def _publish_completed(self, pop: Pop, ticket: CallTicket | None,
                           customer: CustomerFacts | None) -> bool:
        current = self.pops.get(pop.interface)
        if current is None or current.linkedid != pop.linkedid:
            return False
        self._set_pop(pops.completed(current, ticket, customer))
        return True

    async def _assign(self, pop: Pop, event: ev.AgentConnected) -> None:
        task = self._call_tickets.get((pop.pbx, pop.linkedid))
        ticket = await asyncio.shield(task) if task is not None else pop.ticket
        if ticket is None:
            return
        seats = await self._delivery.seats(event.interface)
        agent = seats[0].display_name if seats else (event.member_name or event.interface)
        assigned = await assign_on_answer(self.database, ticket.id, agent, self.clock(),
                                          self.tickets.first_response, config=self.tickets)
        current = self.pops.get(pop.interface)
        if assigned is not None and current is not None and current.linkedid == pop.linkedid:
            self._set_pop(pops.completed(current, assigned, current.customer))

    # -- wrap-up ---------------------------------------------------------------

    def wrap_up_of(self, interface: str, ticket: str) -> Pop | None:
        """The agent's call with ``ticket``: the current pop, or a wrap-up put aside."""
        current = self.pops.get(interface)
        calls = [*self._unsaved.get(interface, ()), *([current] if current else [])]
        return next((pop for pop in calls if pop.ticket and pop.ticket.number == ticket), None)

    def end_wrap_up(self, interface: str, call: Pop | None = None) -> Awaitable[None]:
        """The agent saved ``call`` (default: the current one); done once the PBX
        lets her be rung again."""
        unsaved = self._unsaved.get(interface, [])
        if call is not None and call in unsaved:
            unsaved.remove(call)  # saved while another call is shown: nothing else ends
            return self._holding.done(interface)
        if self.presence.end_wrap_up(interface, self.clock()):
            self.publish(interface, self.agent_message(interface))
        self._after_wrap_up(interface)
        return self._holding.done(interface)

    def _after_wrap_up(self, interface: str) -> None:
        pop = self.pops.get(interface)
        if pop is not None and pop.state in (PopState.WRAP_UP, PopState.MISSED):
            del self.pops[interface]
            self.publish(interface, {"type": "pop", "pop": None})
        self.publish(interface, self.agent_message(interface))
        self._holding.sync(interface)
        self._bring_back(interface)

    # -- delivery --------------------------------------------------------------

    def publish(self, interface: str, message: Message) -> None:
        self._delivery.publish(interface, message)

    def spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """A task the console cancels when it stops."""
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task


def _bounded(table: OrderedDict[Key, Any], key: Key, value: Any) -> None:
    table[key] = value
    while len(table) > REMEMBER:
        table.popitem(last=False)

"""Agent presence: what each SIP interface is doing, from typed AMI events; pure.

Per interface: the queues it is a member of (penalty, paused + reason), and
its call activity: ringing (AgentCalled), in a call (AgentConnect), in
wrap-up (after AgentComplete, until the agent ends it or the wrap-up time
runs out). The state shown to the agent follows from both (``Agent.state``).

Asterisk's events are the truth. After every login the engine asks
QueueStatus; its members (a ``MembersSnapshot``) replace what was known of
that PBX's queues, so a reconnect can neither keep a member that logged out
nor lose one that logged in meanwhile. Handling an event never awaits; it
returns the interfaces whose state changed, for the console to publish.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from ccengine.ami import events as ev

RINGING_STATUS = 6  # AST_DEVICE_RINGING in a member's Status
# The console pauses an agent in wrap-up with this reason so that Asterisk does not
# ring her; such a pause is her wrap-up, not a break she took.
WRAP_UP_REASON = "wrap-up"
IN_USE_STATUSES = frozenset({2, 3, 7, 8})  # in use, busy, ring+in use, on hold


Shown = tuple["AgentState", str | None, tuple["Membership", ...]]


class AgentState(StrEnum):
    AVAILABLE = "available"
    RINGING = "ringing"
    IN_CALL = "in_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"
    LOGGED_OUT = "logged_out"


class Activity(StrEnum):
    IDLE = "idle"
    RINGING = "ringing"
    IN_CALL = "in_call"
    WRAP_UP = "wrap_up"


@dataclass(frozen=True, slots=True)
class Membership:
    queue: str
    penalty: int
    paused: bool
    paused_reason: str
    dynamic: bool

    def as_json(self) -> dict[str, object]:
        return {"queue": self.queue, "penalty": self.penalty, "paused": self.paused}


@dataclass(slots=True)
class Agent:
    interface: str
    pbx: str = ""
    queues: dict[str, Membership] = field(default_factory=dict)
    activity: Activity = Activity.IDLE
    call: str | None = None  # the Linkedid it rings for, talks on or wraps up
    since: datetime | None = None  # when the shown state began
    wrap_up_until: datetime | None = None
    shown: Shown | None = None  # as last reported changed

    @property
    def state(self) -> AgentState:
        if self.activity is not Activity.IDLE:
            return AgentState(self.activity.value)
        if not self.queues:
            return AgentState.LOGGED_OUT
        if all(m.paused for m in self.queues.values()):
            return AgentState.WRAP_UP if self._reasons() == {WRAP_UP_REASON} else AgentState.PAUSED
        return AgentState.AVAILABLE

    @property
    def paused_for_wrap_up(self) -> bool:
        return WRAP_UP_REASON in self._reasons()

    @property
    def paused_otherwise(self) -> bool:
        """Paused by herself (or a supervisor) for a reason that is not the wrap-up."""
        return bool(self._reasons() - {WRAP_UP_REASON})

    def _reasons(self) -> set[str]:
        return {m.paused_reason for m in self.queues.values() if m.paused}

    @property
    def pause_reason(self) -> str | None:
        reasons = [m.paused_reason for m in self.queues.values() if m.paused and m.paused_reason]
        return reasons[0] if self.state is AgentState.PAUSED and reasons else None

    def as_json(self) -> dict[str, object]:
        return {
            "interface": self.interface, "state": self.state.value,
            "pause_reason": self.pause_reason,
            "queues": [m.as_json() for m in sorted(self.queues.values(), key=lambda m: m.queue)],
            "since": self.since.isoformat() if self.since else None,
            "call": self.call,
            "wrap_up_until": self.wrap_up_until.isoformat() if self.wrap_up_until else None,
        }


def _shown(agent: Agent) -> Shown:
    return agent.state, agent.pause_reason, tuple(sorted(agent.queues.values(),
                                                         key=lambda m: m.queue))


class Presence:
    """Every known interface's presence; ``handle`` returns the interfaces changed."""

    def __init__(self, wrap_up_seconds: float = 30.0) -> None:
        self.wrap_up = timedelta(seconds=wrap_up_seconds)
        self._agents: dict[str, Agent] = {}
        self._ringing: dict[str, set[str]] = {}  # Linkedid → interfaces rung for it
        self._at = datetime.min
        self._handlers: dict[type[ev.Event], Callable[[ev.Event], Iterable[str]]] = {
            ev.MemberAdded: self._on_member, ev.MemberPaused: self._on_member,
            ev.MemberStatusChanged: self._on_member, ev.MemberRemoved: self._on_removed,
            ev.MembersSnapshot: self._on_snapshot, ev.AgentRang: self._on_rang,
            ev.AgentRingNoAnswer: self._on_no_answer, ev.AgentConnected: self._on_connect,
            ev.AgentCompleted: self._on_complete, ev.QueueCallerAbandoned: self._on_caller_gone,
            ev.ChannelHungUp: self._on_hangup,
        }

    # -- reading ---------------------------------------------------------------

    def view(self, interface: str) -> Agent:
        """The interface's presence; an unknown one is logged out."""
        return self._agents.get(interface) or Agent(interface)

    def agents(self) -> list[Agent]:
        return list(self._agents.values())

    def ringing_on(self, linkedid: str) -> list[Agent]:
        agents = (self._agents.get(i) for i in self._ringing.get(linkedid, ()))
        return [a for a in agents if a is not None and a.activity is Activity.RINGING]

    # -- feeding ---------------------------------------------------------------

    def handle(self, event: ev.Event, now: datetime | None = None) -> list[str]:
        """``now``: the clock wrap-up times and "since" are read on (default: the event's)."""
        handler = self._handlers.get(type(event))
        if handler is None:
            return []
        self._at = now or event.at
        return self._changed(set(handler(event)), self._at)

    def _changed(self, touched: set[str], at: datetime) -> list[str]:
        changed = []
        for interface in sorted(touched):
            agent = self._agents.get(interface)
            if agent is None:
                continue
            shown = _shown(agent)
            if shown != agent.shown:
                agent.shown, agent.since = shown, at
                changed.append(interface)
        return changed

    def end_wrap_up(self, interface: str, at: datetime) -> bool:
        """The agent is done with the call's paperwork (or the wrap-up time ran out)."""
        agent = self._agents.get(interface)
        if agent is None or agent.activity is not Activity.WRAP_UP:
            return False
        self._idle(agent)
        return bool(self._changed({interface}, at))

    def expired_wrap_ups(self, now: datetime) -> list[str]:
        """Interfaces whose wrap-up time is over at ``now``; they become idle."""
        done = [a.interface for a in self._agents.values()
                if a.activity is Activity.WRAP_UP and a.wrap_up_until is not None
                and a.wrap_up_until <= now]
        for interface in done:
            self.end_wrap_up(interface, now)
        return done

    # -- membership ------------------------------------------------------------

    def _agent(self, interface: str, pbx: str) -> Agent:
        agent = self._agents.get(interface)
        if agent is None:
            agent = self._agents[interface] = Agent(interface)
        agent.pbx = pbx
        return agent

    def _on_member(self, event: ev.Event) -> Iterable[str]:
        assert isinstance(event, ev.MemberEvent)
        agent = self._agent(event.interface, event.pbx)
        agent.queues[event.queue] = _membership(event)
        return [event.interface]

    def _on_removed(self, event: ev.Event) -> Iterable[str]:
        assert isinstance(event, ev.MemberRemoved)
        agent = self._agent(event.interface, event.pbx)
        agent.queues.pop(event.queue, None)
        return [event.interface]

    def _on_snapshot(self, event: ev.Event) -> Iterable[str]:
        assert isinstance(event, ev.MembersSnapshot)
        listed: dict[str, list[ev.MemberListed]] = {}
        for member in event.members:
            listed.setdefault(member.interface, []).append(member)
        touched = [a.interface for a in self._agents.values() if a.pbx == event.pbx]
        for interface in touched:
            if interface not in listed:
                self._agents[interface].queues.clear()
        for interface, members in listed.items():
            agent = self._agent(interface, event.pbx)
            agent.queues = {m.queue: _membership(m) for m in members}
            self._reconcile_activity(agent, members, self._at)
        return set(touched) | set(listed)

    def _reconcile_activity(self, agent: Agent, members: list[ev.MemberListed],
                            at: datetime) -> None:
        """Calls that ended while the connection was down: the members' status tells."""
        ringing = any(m.status == RINGING_STATUS for m in members)
        busy = any(m.in_call or m.status in IN_USE_STATUSES for m in members)
        if agent.activity is Activity.RINGING and not ringing:
            self._idle(agent)
        elif agent.activity is Activity.IN_CALL and not busy:
            self._wrap_up(agent, at)

    # -- calls -----------------------------------------------------------------

    def _on_rang(self, event: ev.Event) -> Iterable[str]:
        assert isinstance(event, ev.AgentRang)
        agent = self._agent(event.interface, event.pbx)
        self._idle(agent)
        agent.activity, agent.call = Activity.RINGING, event.linkedid
        self._ringing.setdefault(event.linkedid, set()).add(event.interface)
        return [event.interface]

    def _on_no_answer(self, event: ev.Event) -> Iterable[str]:
        assert isinstance(event, ev.AgentRingNoAnswer)
        agent = self._agents.get(event.interface)
        if agent is None or agent.activity is not Activity.RINGING:
            return []
        self._idle(agent)
        return [event.interface]

    def _on_connect(self, event: ev.Event) -> Iterable[str]:
        assert isinstance(event, ev.AgentConnected)
        others = [a for a in self.ringing_on(event.linkedid) if a.interface != event.interface]
        for other in others:  # ringall: the others stop ringing
            self._idle(other)
        agent = self._agent(event.interface, event.pbx)
        self._not_ringing(agent)
        agent.activity, agent.call = Activity.IN_CALL, event.linkedid
        return [event.interface, *(a.interface for a in others)]

    def _on_complete(self, event: ev.Event) -> Iterable[str]:
        assert isinstance(event, ev.AgentCompleted)
        agent = self._agent(event.interface, event.pbx)
        agent.call = event.linkedid
        self._wrap_up(agent, self._at)
        return [event.interface]

    def _on_caller_gone(self, event: ev.Event) -> Iterable[str]:
        linkedid = getattr(event, "linkedid", "")
        gone = self.ringing_on(linkedid)
        for agent in gone:
            self._idle(agent)
        return [agent.interface for agent in gone]

    def _on_hangup(self, event: ev.Event) -> Iterable[str]:
        assert isinstance(event, ev.ChannelHungUp)
        if not event.channel.originates_call:
            return []  # only the caller's own channel ends the call for a ringing agent
        return self._on_caller_gone(event)

    def _idle(self, agent: Agent) -> None:
        self._not_ringing(agent)
        agent.activity, agent.call, agent.wrap_up_until = Activity.IDLE, None, None

    def _wrap_up(self, agent: Agent, at: datetime) -> None:
        self._not_ringing(agent)
        agent.activity, agent.wrap_up_until = Activity.WRAP_UP, at + self.wrap_up

    def _not_ringing(self, agent: Agent) -> None:
        if agent.activity is Activity.RINGING and agent.call is not None:
            rung = self._ringing.get(agent.call)
            if rung is not None:
                rung.discard(agent.interface)
                if not rung:
                    del self._ringing[agent.call]


def _membership(event: ev.MemberEvent) -> Membership:
    return Membership(queue=event.queue, penalty=event.penalty, paused=event.paused,
                      paused_reason=event.paused_reason if event.paused else "",
                      dynamic=event.dynamic)

"""What a resync shows of a call whose events were missed (a restart, a dropped link).

After ``kill -9`` and a restart the tracker learns a live call only from the
lists Asterisk gives after the login. Those lists say more than "a call
exists": a caller channel in ``Queue`` bridged (same ``BridgeId``) to a
channel in ``AppQueue`` is talking to an agent; ``QueueStatus`` names that
agent (a member ``InCall`` on that interface). A call learnt so must keep
those facts, or its end is taken for a caller who gave up in the menu.
Pure: it changes CallState values only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from ccengine.ami import events as ev
from ccengine.calls.state import CallState, QueueVisit

QUEUE_APP = "Queue"  # the caller's channel while in a queue (waiting or bridged)
AGENT_APP = "AppQueue"  # the channel a queue dialled to reach an agent


def interface_of(channel_name: str) -> str:
    """The device behind a channel: 'PJSIP/agent3-00000014' → 'PJSIP/agent3',
    'Local/agent1@lab-agents-0000000b;1' → 'Local/agent1@lab-agents'."""
    base, sep, half = channel_name.rpartition(";")
    name = base if sep and half in ("1", "2") else channel_name
    device, dash, sequence = name.rpartition("-")
    is_sequence = len(sequence) == 8 and all(c in "0123456789abcdef" for c in sequence)
    return device if dash and is_sequence else name


def same_interface(location: str, interface: str) -> bool:
    """A QueueStatus Location ('Local/agent1@lab-agents/n', 'PJSIP/agent3') is the interface."""
    return location.removesuffix("/n") == interface.removesuffix("/n")


def agent_legs(listed: Iterable[ev.ChannelListed]) -> set[str]:
    """Legs a queue dialled: never the caller's, whatever order the list is in."""
    return {item.channel.leg for item in listed if item.application == AGENT_APP}


def learn_listed(call: CallState, listed: Sequence[ev.ChannelListed], at: datetime,
                 first_seen: bool) -> None:
    """A call's listed channels: its queue, and whether an agent is talking to it."""
    if first_seen:  # it began before we saw it: its oldest channel tells when
        oldest = max((item.duration_seconds for item in listed), default=0)
        call.started_at = at - timedelta(seconds=oldest)
    for item in listed:
        if item.application == QUEUE_APP and call.is_caller_leg(item.channel):
            _in_queue(call, item, listed, at)


def _in_queue(call: CallState, caller: ev.ChannelListed, listed: Sequence[ev.ChannelListed],
              at: datetime) -> None:
    queue = caller.application_data.split(",")[0]
    if queue and call.current_visit is None:
        joined = at - timedelta(seconds=caller.duration_seconds)  # until QueueStatus says
        call.visits.append(QueueVisit(queue=queue, joined_at=joined, learnt_by_resync=True))
        call.note(at, "queue_join", queue=queue, learnt="resync")
    agent = next((item for item in listed if caller.bridge_id
                  and item.bridge_id == caller.bridge_id and item.application == AGENT_APP), None)
    if agent is not None and call.answered_at is None:
        _answered(call, caller, agent, at)


def _answered(call: CallState, caller: ev.ChannelListed, agent: ev.ChannelListed,
              at: datetime) -> None:
    call.agent_legs.add(agent.channel.leg)
    call.answer_learnt_by_resync = True
    # The agent's channel was made when the queue rang it, before the answer: the
    # real answer came no earlier than this (talk time an upper bound, hold a lower one).
    call.answered_at = at - timedelta(seconds=agent.duration_seconds)
    call.agent_interface = interface_of(agent.channel.name)
    connected = caller.connected_name
    if connected and connected != call.caller_name:  # a Local pair may show the caller's own
        call.agent_name = call.agent_name or connected
    visit = call.current_visit
    if visit is not None:
        visit.result = "connected"
    call.note(at, "answer", agent=call.agent_name or call.agent_interface, learnt="resync")


def time_the_wait(visit: QueueVisit, entry: ev.QueueEntryListed) -> None:
    """QueueStatus's Wait is the time in the queue; a visit learnt from a channel's
    age (the whole call's, menu included) takes it."""
    if visit.learnt_by_resync and visit.queue == entry.queue:
        visit.joined_at = entry.at - timedelta(seconds=entry.wait_seconds)
        visit.learnt_by_resync = False


def name_agents(calls: Iterable[CallState], members: Iterable[ev.MemberListed]) -> None:
    """QueueStatus after a resync: the member in a call on a call's agent interface
    is its agent (the name the queue knows, not what a channel shows)."""
    talking = [m for m in members if m.in_call and m.member_name]
    for call in calls:
        interface = call.agent_interface
        if interface is None or (call.agent_name and not call.answer_learnt_by_resync):
            continue
        found = next((m for m in talking if same_interface(m.interface, interface)), None)
        if found is not None:
            call.agent_name = found.member_name
